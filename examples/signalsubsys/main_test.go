package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cgfreezer/freezer"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite testdata/signalsubsys.golden with the current transcript")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestSignalSubsys runs the demonstration to completion, with lock checks on
// (so the subsystem's hooks and its write handler are checked against the
// declared lock order), and compares its transcript with
// testdata/signalsubsys.golden.
func TestSignalSubsys(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden := filepath.Join("testdata", "signalsubsys.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}
