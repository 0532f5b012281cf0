package conformance_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/conformance"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

// Flags, given after the package: go test ./conformance -run Report -update.
var (
	update   = flag.Bool("update", false, "rewrite testdata/linux.txt and testdata/report.golden from this run (needs the kernel backend)")
	recorded = flag.Bool("recorded", false, "compare the library with testdata/linux.txt, the kernel's recorded answers, without running the kernel backend")
)

const (
	transcriptsFile = "testdata/linux.txt"
	reportFile      = "testdata/report.golden"
)

func TestMain(m *testing.M) {
	conformance.HelperMain()
	goleak.VerifyTestMain(m)
}

// results holds each scenario's result by key, so that TestReport reuses
// what TestConformance ran.
var results sync.Map

// recording is the kernel's transcripts as recorded by the last -update run,
// the kernel's answer where the kernel backend cannot run.
var recording = sync.OnceValues(func() (map[string][]string, error) {
	f, err := os.Open(transcriptsFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return conformance.ReadTranscripts(f)
})

// run runs a scenario on both backends, or takes the kernel's answer from
// the recording where the kernel backend cannot run.
func run(t *testing.T, sc conformance.Scenario, v freezer.Version) conformance.Result {
	t.Helper()
	key := conformance.Key(sc, v)
	if r, ok := results.Load(key); ok {
		return r.(conformance.Result)
	}
	r := conformance.Result{Scenario: sc, Version: v}
	lib, err := conformance.NewLibrary(v)
	if err != nil {
		t.Fatalf("library backend: %v", err)
	}
	if r.Library, err = conformance.Run(sc, v, lib); err != nil {
		t.Fatalf("library backend: %v", err)
	}
	var k *conformance.Kernel
	err = errors.New("-recorded: the kernel backend is not run")
	if !*recorded {
		k, err = conformance.NewKernel(v)
	}
	if err == nil {
		r.Kernel, err = conformance.Run(sc, v, k)
	}
	if err != nil {
		rec, rerr := recording()
		if lines, ok := rec[key]; rerr == nil && ok {
			r.Kernel, r.Recorded = lines, true
		} else {
			r.NoKernel = "kernel backend: " + err.Error()
		}
	}
	results.Store(key, r)
	return r
}

// TestConformance runs every scenario on the library and on the running
// kernel and fails where their transcripts differ, unless the scenario says
// why the library differs on purpose.
func TestConformance(t *testing.T) {
	results.Clear() // with -count, each round runs again
	for _, sc := range conformance.All() {
		for _, v := range sc.Versions {
			t.Run(conformance.Key(sc, v), func(t *testing.T) {
				r := run(t, sc, v)
				diff := cmp.Diff(r.Kernel, r.Library)
				if r.Recorded {
					t.Log("the kernel's answer is the recorded one")
				}
				switch {
				case r.NoKernel != "":
					t.Skip(r.NoKernel)
				case sc.Differs != "" && diff != "":
					t.Logf("differs on purpose: %s\n(-kernel +library):\n%s", sc.Differs, diff)
				case diff != "":
					t.Errorf("library differs from the kernel (-kernel +library):\n%s", diff)
				}
			})
		}
	}
}

// TestReport prints the report with -v and checks it against
// testdata/report.golden; -update rewrites it and the recorded kernel
// transcripts.
func TestReport(t *testing.T) {
	var all []conformance.Result
	for _, sc := range conformance.All() {
		for _, v := range sc.Versions {
			all = append(all, run(t, sc, v))
		}
	}
	var buf bytes.Buffer
	conformance.WriteReport(&buf, all)
	if testing.Verbose() {
		os.Stdout.Write(buf.Bytes())
	}
	if *update {
		if slices.ContainsFunc(all, func(r conformance.Result) bool { return r.Recorded || r.NoKernel != "" }) {
			t.Fatal("-update needs the kernel backend for every scenario")
		}
		// A disagreement is either the library's to fix or a kernel
		// answer that varies between runs; neither belongs in the record.
		if i := slices.IndexFunc(all, func(r conformance.Result) bool { return !r.Agree() }); i >= 0 {
			t.Fatalf("-update records only a run where every scenario agrees; %s does not", conformance.Key(all[i].Scenario, all[i].Version))
		}
		var tr bytes.Buffer
		conformance.WriteTranscripts(&tr, all)
		for name, data := range map[string][]byte{transcriptsFile: tr.Bytes(), reportFile: buf.Bytes()} {
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	golden, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatalf("%v (run with -update to make it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(golden), "\n"), strings.Split(buf.String(), "\n")); diff != "" {
		t.Errorf("report differs from %s (-golden +now); run with -update if the change is right:\n%s", reportFile, diff)
	}
}
