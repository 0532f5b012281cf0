package main

import (
	"bytes"
	"testing"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/internal/golden"
	"go.uber.org/goleak"
)

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
	golden.Check(t, "checkpoint.golden", out.Bytes())
}
