package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/internal/golden"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestDemoScript runs testdata/demo.cgsh through the shell, with lock checks
// on, and compares the transcript with testdata/demo.golden: every command
// of the shell, the errno texts of failed writes, and the freezer's answers.
func TestDemoScript(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("testdata", "demo.cgsh"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(bytes.NewReader(script), &out, false, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden.Check(t, "demo.golden", out.Bytes())
}

// TestInteractivePrompt checks that, reading from a terminal, the shell
// prompts before each command and does not echo it; and that end of input
// without exit shuts the hierarchy down, a task in D included.
func TestInteractivePrompt(t *testing.T) {
	in := strings.NewReader("mkdir /a\nspawn /a r dwait\necho FROZEN > /a/freezer.state\n")
	var out bytes.Buffer
	if err := run(in, &out, true, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := "cgsh$ cgsh$ [1]\ncgsh$ write error: Device or resource busy\ncgsh$ "
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}
