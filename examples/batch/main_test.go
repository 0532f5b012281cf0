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

var update = flag.Bool("update", false, "rewrite testdata/batch.golden with the current output")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestBatch runs the scheduler to completion, with lock checks on, and
// compares its report with testdata/batch.golden: the quanta go 3:1, the
// frozen group does no work during the other's quantum, and the shares are
// 75% and 25%.
func TestBatch(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden := filepath.Join("testdata", "batch.golden")
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
