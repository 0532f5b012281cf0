package sh

import (
	"errors"
	"io/fs"
	"syscall"
	"testing"
)

func TestStrerror(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "write", Path: "/jobs/freezer.state", Err: syscall.EBUSY}, "Device or resource busy"},
		{syscall.EIO, "Input/output error"},
		{syscall.EPERM, "Operation not permitted"}, // not in the table: capitalised Errno text
		{errors.New("plain"), "plain"},
	} {
		if got := Strerror(tc.err); got != tc.want {
			t.Errorf("Strerror(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
