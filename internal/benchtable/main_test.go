package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Two runs of a few benchmarks, as go test -count 2 prints them, with the
// lines around them that must be ignored.
const sample = `goos: linux
goarch: amd64
pkg: github.com/cgfreezer/freezer
BenchmarkTryToFreeze-2           	1000000000	         0.5000 ns/op	       0 B/op	       0 allocs/op
BenchmarkTryToFreeze-2           	1000000000	         0.7000 ns/op	       0 B/op	       0 allocs/op
BenchmarkTryToFreezeBaseline-2   	1000000000	         0.5000 ns/op
BenchmarkTryToFreezeBaseline-2   	1000000000	         0.4000 ns/op
BenchmarkFreezeBusy/tasks=10000-2         	       5	  10000000 freeze-ns/op	   9000000 thaw-ns/op
BenchmarkFreezeBusy/tasks=10000-2         	       5	  12000000 freeze-ns/op	  11000000 thaw-ns/op
BenchmarkFreezeBusy/tasks=100000-2        	       5	 130000000 freeze-ns/op	  90000000 thaw-ns/op
BenchmarkFreezeBusy/tasks=100000-2        	       5	 110000000 freeze-ns/op	 110000000 thaw-ns/op
BenchmarkFreezeBusyBaseline/tasks=10000-2 	       5	  10000000 freeze-ns/op	  12000000 thaw-ns/op
BenchmarkFreezeBusyBaseline/tasks=10000-2 	       5	  10000000 freeze-ns/op	  12000000 thaw-ns/op
BenchmarkFreezeBusyBaseline/tasks=100000-2	       5	 100000000 freeze-ns/op	 150000000 thaw-ns/op
BenchmarkFreezeBusyBaseline/tasks=100000-2	       5	 100000000 freeze-ns/op	 150000000 thaw-ns/op
BenchmarkMemoryPerTask-2   	       1	      2645 bytes/task
BenchmarkMemoryPerTaskBaseline-2   	       1	      2000 bytes/task
PASS
ok  	github.com/cgfreezer/freezer	12.3s
`

func TestParse(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := results{
		"BenchmarkTryToFreeze":                     {"ns/op": {0.5, 0.7}, "B/op": {0, 0}, "allocs/op": {0, 0}},
		"BenchmarkTryToFreezeBaseline":             {"ns/op": {0.5, 0.4}},
		"BenchmarkFreezeBusy/tasks=10000":          {"freeze-ns/op": {10e6, 12e6}, "thaw-ns/op": {9e6, 11e6}},
		"BenchmarkFreezeBusy/tasks=100000":         {"freeze-ns/op": {130e6, 110e6}, "thaw-ns/op": {90e6, 110e6}},
		"BenchmarkFreezeBusyBaseline/tasks=10000":  {"freeze-ns/op": {10e6, 10e6}, "thaw-ns/op": {12e6, 12e6}},
		"BenchmarkFreezeBusyBaseline/tasks=100000": {"freeze-ns/op": {100e6, 100e6}, "thaw-ns/op": {150e6, 150e6}},
		"BenchmarkMemoryPerTask":                   {"bytes/task": {2645}},
		"BenchmarkMemoryPerTaskBaseline":           {"bytes/task": {2000}},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("parse (-want +got):\n%s", diff)
	}
}

func TestParseBadValue(t *testing.T) {
	if _, err := parse(strings.NewReader("BenchmarkX-2 5 1x2 ns/op\n")); err == nil {
		t.Error("parse accepted a malformed value")
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{3}, 3, true},
		{[]float64{5, 1, 3}, 3, true},
		{[]float64{4, 1, 3, 2}, 2.5, true},
	} {
		got, ok := median(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("median(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestWrite(t *testing.T) {
	out := table(t, sample)
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[2:] {
		cells := strings.Split(line[len("| "):len(line)-len(" |")], " | ")
		rows[cells[0]+" "+cells[1]] = strings.Join(cells[2:], " | ")
	}
	want := map[string]string{
		// Medians: 0.6 against 0.45 is 1.33×, within 1.5×.
		"TryToFreeze ns/op":     "2 | 0.6 ns | 0.45 ns | 1.33× | ≤ 1.5× | yes",
		"TryToFreeze allocs/op": "2 | 0 |  |  | 0 | yes",
		"TryToFreeze B/op":      "2 | 0 |  |  |  | ",
		// 11 ms against 10 ms misses; 10 ms against 12 ms is met.
		"FreezeBusy/tasks=10000 freeze-ns/op":  "2 | 11.00 ms | 10.00 ms | 1.10× | ≤ 1× | **no**",
		"FreezeBusy/tasks=10000 thaw-ns/op":    "2 | 10.00 ms | 12.00 ms | 0.83× | ≤ 1× | yes",
		"FreezeBusy/tasks=100000 freeze-ns/op": "2 | 120.00 ms | 100.00 ms | 1.20× | ≤ 1× | **no**",
		"FreezeBusy/tasks=100000 thaw-ns/op":   "2 | 100.00 ms | 150.00 ms | 0.67× | ≤ 1× | yes",
		"MemoryPerTask bytes/task":             "1 | 2645 | 2000 | +645 B | ≤ +512 B | **no**",
		// 120/11 is within 12×, 100/10 too; the gate's own ratios beside.
		"FreezeBusy tasks=100000 ÷ tasks=10000 freeze-ns/op": " | 10.9× | 10.0× |  | ≤ 12× | yes",
		"FreezeBusy tasks=100000 ÷ tasks=10000 thaw-ns/op":   " | 10.0× | 12.5× |  | ≤ 12× | yes",
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("table rows (-want +got):\n%s\nwhole table:\n%s", diff, out)
	}
}

// The lock checker's rows: 3× the unchecked run for freeze and thaw, 100 ns
// for one checked lock, and no dearer per operation on every core.
func TestWriteLockCheckTargets(t *testing.T) {
	const in = `BenchmarkCheckedSleepLoop/tasks=3000-2 	10	 30000000 freeze-ns/op	 40000000 thaw-ns/op
BenchmarkCheckedSleepLoopBaseline/tasks=3000-2 	10	 10000000 freeze-ns/op	 10000000 thaw-ns/op
BenchmarkLockCheck/serial-2 	50000000	 30.0 ns/op
BenchmarkLockCheck/parallel-2 	90000000	 16.0 ns/op
BenchmarkLockCheckBaseline/serial-2 	90000000	 13.0 ns/op
BenchmarkLockCheckBaseline/parallel-2 	90000000	 7.0 ns/op
`
	out := table(t, in)
	for _, want := range []string{
		"| CheckedSleepLoop/tasks=3000 | freeze-ns/op | 1 | 30.00 ms | 10.00 ms | 3.00× | ≤ 3× | yes |",
		"| CheckedSleepLoop/tasks=3000 | thaw-ns/op | 1 | 40.00 ms | 10.00 ms | 4.00× | ≤ 3× | **no** |",
		"| LockCheck/serial | ns/op | 1 | 30 ns | 13 ns | 2.31× | ≤ 100 ns | yes |",
		"| LockCheck parallel ÷ serial | ns/op |  | 0.5× | 0.5× |  | ≤ 1× | yes |",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("no row %q in:\n%s", want, out)
		}
	}
}

// A second baseline gets a row under the library's, with its ratio and no
// target, and no row of its own.
func TestWriteSecondBaseline(t *testing.T) {
	const in = `BenchmarkFreezeBusyCold/tasks=10000-2 	5	 12000000 freeze-ns/op	 10000000 thaw-ns/op
BenchmarkFreezeBusyColdBaseline/tasks=10000-2 	5	 10000000 freeze-ns/op	 10000000 thaw-ns/op
BenchmarkFreezeBusyColdBaselinePerTask/tasks=10000-2 	5	 12500000 freeze-ns/op	 11000000 thaw-ns/op
`
	out := table(t, in)
	for _, want := range []string{
		"| FreezeBusyCold/tasks=10000 | freeze-ns/op | 1 | 12.00 ms | 10.00 ms | 1.20× | ≤ 1× | **no** |\n" +
			"| FreezeBusyCold/tasks=10000 vs per-task gate | freeze-ns/op | 1 | 12.00 ms | 12.50 ms | 0.96× |  |  |\n",
		"| FreezeBusyCold/tasks=10000 vs per-task gate | thaw-ns/op | 1 | 10.00 ms | 11.00 ms | 0.91× |  |  |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no rows %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| FreezeBusyColdBaselinePerTask") {
		t.Errorf("the second baseline has a row of its own:\n%s", out)
	}
}

// The v1 and v2 freezers' rows are compared with the patch's figures of the
// same run, against issue 10's 1.1×.
func TestWriteVersionTargets(t *testing.T) {
	const in = `BenchmarkFreezeBusy/tasks=10000-2 	5	 10000000 freeze-ns/op	 10000000 thaw-ns/op
BenchmarkFreezeBusyV1/tasks=10000-2 	5	 10500000 freeze-ns/op	 12000000 thaw-ns/op
BenchmarkReadStateFreezingV2/tasks=1-2 	90000000	 40.0 ns/op
BenchmarkReadStateFreezingV2/tasks=100000-2 	90000000	 44.0 ns/op
`
	out := table(t, in)
	for _, want := range []string{
		"| FreezeBusyV1/tasks=10000 | freeze-ns/op | 1 | 10.50 ms | 10.00 ms | 1.05× | ≤ 1.1× patch | yes |",
		"| FreezeBusyV1/tasks=10000 | thaw-ns/op | 1 | 12.00 ms | 10.00 ms | 1.20× | ≤ 1.1× patch | **no** |",
		"| ReadStateFreezingV2 tasks=100000 ÷ tasks=1 | ns/op |  | 1.1× |  |  | ≤ 2× | yes |",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("no row %q in:\n%s", want, out)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{0.2962, "ns/op", "0.296 ns"},
		{1320, "ns/op", "1320 ns"},
		{12345, "ns/op", "12.3 µs"},
		{101650000, "freeze-ns/op", "101.65 ms"},
		{112800, "B/op", "112800"},
		{2609, "bytes/task", "2609"},
		{0, "allocs/op", "0"},
	} {
		if got := format(tc.v, tc.unit); got != tc.want {
			t.Errorf("format(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

// table returns the table that write makes of the benchmark output in.
func table(t *testing.T, in string) string {
	t.Helper()
	res, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	write(&b, res)
	return b.String()
}
