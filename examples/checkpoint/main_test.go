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

var update = flag.Bool("update", false, "rewrite testdata/checkpoint.golden with the current output")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestCheckpoint runs the program to completion, with lock checks on, and
// compares its report with testdata/checkpoint.golden: an unfrozen snapshot
// catches money in flight, every frozen checkpoint balances with every
// worker parked and nothing in flight, and the restored checkpoint still
// balances after the workers carry on.
func TestCheckpoint(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden := filepath.Join("testdata", "checkpoint.golden")
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
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
