package cgroupfs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/cgroupfs"
)

// fuzzFiles are the files FuzzMountWrite writes, under /a of a v1 and a v2
// hierarchy.
var fuzzFiles = []struct {
	v    freezer.Version
	name string
}{
	{freezer.V1, "freezer.state"},
	{freezer.V1, "freezer.self_freezing"},
	{freezer.V1, "tasks"},
	{freezer.V1, "cgroup.procs"},
	{freezer.V2, "cgroup.freeze"},
	{freezer.V2, "cgroup.kill"},
	{freezer.V2, "cgroup.events"},
	{freezer.V2, "cgroup.procs"},
	{freezer.V2, "cgroup.stat.local"},
}

// FuzzMountWrite writes arbitrary bytes through the mount, and the same
// bytes to a twin hierarchy that is not mounted: the write must return, with
// the errno the library gives, and leave the two hierarchies reading alike.
// No input may panic the server, leave a request unanswered (the fuzzer's
// deadline would end the run) or leak a goroutine (goleak, at the end).
func FuzzMountWrite(f *testing.F) {
	f.Add([]byte("FROZEN"), uint8(0))
	f.Add([]byte("1\n"), uint8(4))
	f.Add([]byte("0x1"), uint8(4))
	f.Add([]byte("1"), uint8(5))
	f.Add([]byte(""), uint8(6))
	f.Add([]byte("4194304"), uint8(7))
	f.Add(make([]byte, 4097), uint8(4))
	type pair struct {
		mounted, twin *freezer.Hierarchy
		dir           string
	}
	pairs := map[freezer.Version]pair{}
	for _, v := range []freezer.Version{freezer.V1, freezer.V2} {
		p := pair{
			mounted: freezer.New(freezer.WithVersion(v), freezer.WithLockChecks()),
			twin:    freezer.New(freezer.WithVersion(v), freezer.WithLockChecks()),
			dir:     f.TempDir(),
		}
		for _, h := range []*freezer.Hierarchy{p.mounted, p.twin} {
			if err := h.Mkdir("/a"); err != nil {
				f.Fatal(err)
			}
			f.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				h.Shutdown(ctx)
			})
		}
		srv, err := cgroupfs.Mount(context.Background(), p.dir, p.mounted)
		if err != nil {
			f.Skipf("cannot mount FUSE here: %v", err)
		}
		f.Cleanup(func() { srv.Unmount() })
		pairs[v] = p
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		file := fuzzFiles[int(which)%len(fuzzFiles)]
		p := pairs[file.v]
		want := fuzzErrno(p.twin.WriteFile("/a/"+file.name, data))
		fd, err := syscall.Open(filepath.Join(p.dir, "a", file.name), syscall.O_WRONLY, 0)
		if err != nil {
			t.Fatalf("open %s: %v", file.name, err)
		}
		_, got := syscall.Write(fd, data)
		syscall.Close(fd)
		if fuzzErrno(got) != want {
			t.Fatalf("write %q to %s %s through the mount: %v, the library says %v", data, file.v, file.name, got, want)
		}
		for _, name := range []string{"freezer.state", "cgroup.freeze", "cgroup.events"} {
			a, aerr := p.mounted.ReadFile("/a/" + name)
			b, berr := p.twin.ReadFile("/a/" + name)
			if string(a) != string(b) || fuzzErrno(aerr) != fuzzErrno(berr) {
				t.Fatalf("after writing %q to %s %s: %s reads %q (%v) mounted, %q (%v) not", data, file.v, file.name, name, a, aerr, b, berr)
			}
		}
		if _, err := os.ReadFile(filepath.Join(p.dir, "a", file.name)); err != nil && fuzzErrno(err) != syscall.EINVAL {
			t.Fatalf("read of %s through the mount: %v", file.name, err)
		}
	})
}

// fuzzErrno is the errno in err, 0 for nil.
func fuzzErrno(err error) syscall.Errno {
	var errno syscall.Errno
	if err == nil || !errors.As(err, &errno) {
		return 0
	}
	return errno
}
