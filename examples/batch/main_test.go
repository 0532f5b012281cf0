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

// TestBatch runs the scheduler to completion, with lock checks on, and
// compares its report with testdata/batch.golden: the quanta go 3:1, the
// frozen group does no work during the other's quantum, and the shares are
// 75% and 25%.
func TestBatch(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden.Check(t, "batch.golden", out.Bytes())
}
