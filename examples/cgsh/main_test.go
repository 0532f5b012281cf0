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

// TestScripts runs each version's script through the shell, with lock checks
// on, and compares the transcript with its golden file: every command of the
// shell, the errno texts of failed writes, and the freezer's answers, in
// that version's files. demo.cgsh is the patch's (the default -version).
func TestScripts(t *testing.T) {
	for _, tc := range []struct {
		script string
		v      freezer.Version
	}{
		{"demo", freezer.Patch2008},
		{"v1", freezer.V1},
		{"v2", freezer.V2},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			script, err := os.ReadFile(filepath.Join("testdata", tc.script+".cgsh"))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(bytes.NewReader(script), &out, false, tc.v, freezer.WithLockChecks()); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if strings.Contains(out.String(), "cgsh: tasks still changing state") || strings.Contains(out.String(), "cgsh: cgroups not frozen yet") {
				t.Errorf("the shell did not settle:\n%s", out.String())
			}
			golden.Check(t, tc.script+".golden", out.Bytes())
		})
	}
}

// TestInteractivePrompt checks that, reading from a terminal, the shell
// prompts before each command and does not echo it; and that end of input
// without exit shuts the hierarchy down, a task in D included.
func TestInteractivePrompt(t *testing.T) {
	in := strings.NewReader("mkdir /a\nspawn /a r dwait\necho FROZEN > /a/freezer.state\n")
	var out bytes.Buffer
	if err := run(in, &out, true, freezer.Patch2008, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := "cgsh$ cgsh$ [1]\ncgsh$ write error: Device or resource busy\ncgsh$ "
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

// TestKillSubtreeWithVfork checks that after a write of cgroup.kill the shell
// waits for every task of the subtree to exit, a vfork parent included,
// which leaves its D wait only once its killed child has gone.
func TestKillSubtreeWithVfork(t *testing.T) {
	in := strings.NewReader("mkdir /a\nspawn /a sh vfork\nspawn /a s sleep\necho 1 > /a/cgroup.kill\nps\ncat /a/cgroup.events\n")
	var out bytes.Buffer
	if err := run(in, &out, false, freezer.V2, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v", err)
	}
	want := `cgsh$ mkdir /a
cgsh$ spawn /a sh vfork
[1]
cgsh$ spawn /a s sleep
[3]
cgsh$ echo 1 > /a/cgroup.kill
cgsh$ ps
PID  NAME  CGROUP  STATE  FROZEN
cgsh$ cat /a/cgroup.events
populated 0
frozen 0
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}
