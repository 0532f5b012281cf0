package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// TestTour runs the tour to completion, with lock checks on, and compares its
// transcript with testdata/tour.golden. The transcript is deterministic: PIDs
// are handed out in order and every step waits for the state it shows.
func TestTour(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, nil, "", false, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden.Check(t, "tour.golden", out.Bytes())
}

// TestTourDebugAndTrace runs the tour with -debug and -trace: the transcript
// is unchanged, the log has a debug record for every kind of freezer event,
// and the trace has the scenes' regions and the refrigerator's.
func TestTourDebugAndTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tour.trace")
	var out, plain, log bytes.Buffer
	if err := run(&out, &log, path, false, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if err := run(&plain, nil, "", false); err != nil {
		t.Fatalf("run: %v", err)
	}
	if diff := cmp.Diff(plain.String(), out.String()); diff != "" {
		t.Errorf("transcript with -debug -trace differs (-plain +debug):\n%s", diff)
	}

	seen := map[string]bool{}
	sc := bufio.NewScanner(&log)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "level=DEBUG") {
			t.Errorf("log record not at debug level: %s", line)
		}
		for _, msg := range []string{"freeze request", "refrigerator enter", "refrigerator exit", "state", "attach", "fork", "exit"} {
			if strings.Contains(line, `msg="`+msg+`"`) || strings.Contains(line, "msg="+msg+" ") {
				seen[msg] = true
			}
		}
	}
	for _, msg := range []string{"freeze request", "refrigerator enter", "refrigerator exit", "state", "attach", "fork", "exit"} {
		if !seen[msg] {
			t.Errorf("no %q record in the -debug log", msg)
		}
	}

	trace, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"freezer.refrigerator", "scene 2. Freeze and thaw"} {
		if !bytes.Contains(trace, []byte(region)) {
			t.Errorf("trace has no %q region", region)
		}
	}
}

// TestTourDebugRecordsNameTaskAndCgroup checks issue 5's observability rule
// on the tour's log: every record of a task event (freeze request,
// refrigerator entry and exit, attach, fork, exit) names the task's pid and
// its cgroup, and every state change names the cgroup and the states.
func TestTourDebugRecordsNameTaskAndCgroup(t *testing.T) {
	var out, log bytes.Buffer
	if err := run(&out, &log, "", false, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	msgRE := regexp.MustCompile(`msg=("[^"]*"|\S+)`)
	missing := map[string]bool{}
	sc := bufio.NewScanner(&log)
	for sc.Scan() {
		line := sc.Text()
		m := msgRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("record without msg: %s", line)
			continue
		}
		msg := strings.Trim(m[1], `"`)
		var need [][]string // each entry: one of these keys must be present
		switch msg {
		case "state":
			need = [][]string{{"cgroup="}, {"from="}, {"to="}}
		case "attach":
			need = [][]string{{"pid="}, {"cgroup=", "to="}}
		case "freeze request", "refrigerator enter", "refrigerator exit", "fork", "exit":
			need = [][]string{{"pid="}, {"cgroup="}}
		}
		for _, keys := range need {
			found := false
			for _, key := range keys {
				found = found || strings.Contains(line, " "+key)
			}
			if k := fmt.Sprintf("%q lacks %s", msg, strings.Join(keys, " or ")); !found && !missing[k] {
				missing[k] = true
				t.Errorf("%s: %s", k, line)
			}
		}
	}
}

// TestVersions plays the chapter of the three kernels (-versions), with lock
// checks on, and compares its transcript with testdata/versions.golden: each
// scene on the patch, v1 and v2, in each kernel's own files.
func TestVersions(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, nil, "", true, freezer.WithLockChecks()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	golden.Check(t, "versions.golden", out.Bytes())
}
