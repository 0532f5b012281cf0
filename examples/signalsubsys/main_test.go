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

// TestSignalSubsys runs the demonstration to completion, with lock checks on
// (so the subsystem's hooks and its write handler are checked against the
// declared lock order), and compares its transcript with
// testdata/signalsubsys.golden.
func TestSignalSubsys(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden.Check(t, "signalsubsys.golden", out.Bytes())
}
