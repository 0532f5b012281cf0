package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestTour runs the tour to completion and checks its transcript, which is
// deterministic: PIDs are handed out in order and every step waits for the
// state it shows.
func TestTour(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, false, ""); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "tour.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

// TestTourTrace runs the tour with tracing and logging on: the flags work and
// the trace file is written.
func TestTourTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tour.trace")
	var out bytes.Buffer
	if err := run(&out, true, path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Error("trace file is empty")
	}
}
