// Command benchtable turns the output of the freezer's benchmarks into the
// README's performance table: the median of every metric over all runs, each
// beside the median of its baseline in the same output, the ratio, and
// whether DESIGN.md's target for that row is met. Nothing in the table is
// typed in by hand.
//
//	go test -run '^$' -bench . -benchmem -count 5 . | go run ./internal/benchtable
//
// A benchmark's baseline is the benchmark of the same name with "Baseline"
// after its top-level name: BenchmarkFreezeBusyBaseline/tasks=10000 for
// BenchmarkFreezeBusy/tasks=10000. A second baseline adds a suffix after
// "Baseline" (BenchmarkFreezeBusyBaselinePerTask): it gets a row of its own
// under the library's, with no target. Lines that are not benchmark results
// are ignored, so the output of several runs may be concatenated.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	res, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(res) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on stdin")
		os.Exit(1)
	}
	write(os.Stdout, res)
}

// results maps a benchmark name (without the -GOMAXPROCS suffix) and a unit
// to every value measured for it, in input order.
type results map[string]map[string][]float64

// procs is the -N suffix that go test appends to a benchmark's name.
var procs = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output. A result line is the name, the
// iteration count, then value-unit pairs.
func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procs.ReplaceAllString(f[0], "")
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", name, f[i], err)
			}
			if res[name] == nil {
				res[name] = map[string][]float64{}
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median returns the median of vs, and false if there are none.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// versionSuffixes name the benchmarks of the later kernels' freezers, whose
// baseline is the patch's benchmark of the same name without the suffix.
var versionSuffixes = []string{"V1", "V2"}

// baselineOf returns the name of a benchmark's baseline: the same name with
// Baseline after the top-level name, or for a version's benchmark the
// patch's.
func baselineOf(name string) string {
	top, sub, ok := strings.Cut(name, "/")
	for _, v := range versionSuffixes {
		if t, found := strings.CutSuffix(top, v); found {
			top = t
			if ok {
				return top + "/" + sub
			}
			return top
		}
	}
	if ok {
		return top + "Baseline/" + sub
	}
	return top + "Baseline"
}

// isVersion reports whether top is the benchmark of a later kernel's
// freezer, BenchmarkFreezeBusyV1 say.
func isVersion(top string) bool {
	for _, v := range versionSuffixes {
		if strings.HasSuffix(top, v) {
			return true
		}
	}
	return false
}

// secondBaselines are the baselines that teach rather than set a target,
// by the suffix after "Baseline" in their names, with the label of their
// rows. The per-task gate is the lean gate built with a flag per worker, set
// in a walk, as the library's freeze requests are.
var secondBaselines = []struct{ suffix, label string }{
	{"PerTask", "per-task gate"},
}

// target is one of DESIGN.md's performance targets, as a test on a row.
type target struct {
	text string
	met  func(lib, base float64) bool
}

// targetFor returns the target DESIGN.md sets for a benchmark metric
// against its baseline, if any.
func targetFor(name, unit string) (target, bool) {
	top, sub, _ := strings.Cut(name, "/")
	switch {
	case top == "BenchmarkTryToFreeze" && unit == "ns/op":
		return target{"≤ 1.5×", func(l, b float64) bool { return l <= 1.5*b }}, true
	case top == "BenchmarkTryToFreeze" && unit == "allocs/op":
		return target{"0", func(l, _ float64) bool { return l == 0 }}, true
	// Issue 10: the v1 and v2 freezers freeze and thaw within 1.1× of the
	// patch's in the same run.
	case isVersion(top) && strings.HasPrefix(top, "BenchmarkFreezeBusy") &&
		(unit == "freeze-ns/op" || unit == "thaw-ns/op"):
		return target{"≤ 1.1× patch", func(l, b float64) bool { return l <= 1.1*b }}, true
	// Issue 13: at most the leanest gate's cost, warm and cold.
	case (top == "BenchmarkFreezeBusy" || top == "BenchmarkFreezeSleeping" ||
		top == "BenchmarkFreezeBusyCold" || top == "BenchmarkFreezeSleepingCold") &&
		(sub == "tasks=10000" || sub == "tasks=100000") &&
		(unit == "freeze-ns/op" || unit == "thaw-ns/op"):
		return target{"≤ 1×", func(l, b float64) bool { return l <= b }}, true
	case top == "BenchmarkMemoryPerTask" && unit == "bytes/task":
		return target{"≤ +512 B", func(l, b float64) bool { return l-b <= 512 }}, true
	// The lock checker's targets (issue 9): with checks on, freeze and thaw
	// cost at most 3× the same unchecked, and one checked acquisition and
	// release at most 100 ns.
	case strings.HasPrefix(top, "BenchmarkChecked") && (unit == "freeze-ns/op" || unit == "thaw-ns/op"):
		return target{"≤ 3×", func(l, b float64) bool { return l <= 3*b }}, true
	case top == "BenchmarkLockCheck" && sub == "serial" && unit == "ns/op":
		return target{"≤ 100 ns", func(l, _ float64) bool { return l <= 100 }}, true
	}
	return target{}, false
}

// scalings are the rows comparing one size with another of the same
// benchmark: DESIGN.md's "100k costs at most 12× 10k"; O(1) state reads
// (a scan of 100,000 tasks would cost thousands of times one task; 2× allows
// for cache misses); and checked locks on every core at once costing no more
// per operation than on one.
var scalings = []struct {
	top, small, large string
	units             []string
	limit             float64
}{
	{"BenchmarkFreezeBusy", "tasks=10000", "tasks=100000", []string{"freeze-ns/op", "thaw-ns/op"}, 12},
	{"BenchmarkFreezeSleeping", "tasks=10000", "tasks=100000", []string{"freeze-ns/op", "thaw-ns/op"}, 12},
	{"BenchmarkFreezeBusyCold", "tasks=10000", "tasks=100000", []string{"freeze-ns/op", "thaw-ns/op"}, 12},
	{"BenchmarkFreezeSleepingCold", "tasks=10000", "tasks=100000", []string{"freeze-ns/op", "thaw-ns/op"}, 12},
	{"BenchmarkReadStateFreezing", "tasks=1", "tasks=100000", []string{"ns/op"}, 2},
	{"BenchmarkReadStateFreezingV1", "tasks=1", "tasks=100000", []string{"ns/op"}, 2},
	{"BenchmarkReadStateFreezingV2", "tasks=1", "tasks=100000", []string{"ns/op"}, 2},
	{"BenchmarkLockCheck", "serial", "parallel", []string{"ns/op"}, 1},
}

// write prints the table in Markdown: one row per benchmark and unit,
// sorted by name, then the scaling rows.
func write(w io.Writer, res results) {
	fmt.Fprintln(w, "| benchmark | unit | runs | library | baseline | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	names := make([]string, 0, len(res))
	for name := range res {
		top, _, _ := strings.Cut(name, "/")
		if !strings.Contains(top, "Baseline") {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, compareNames)
	for _, name := range names {
		units := make([]string, 0, len(res[name]))
		for u := range res[name] {
			units = append(units, u)
		}
		slices.Sort(units)
		for _, u := range units {
			lib, _ := median(res[name][u])
			row := []string{strings.TrimPrefix(name, "Benchmark"), u, strconv.Itoa(len(res[name][u])), format(lib, u), "", "", "", ""}
			base, hasBase := median(res[baselineOf(name)][u])
			if hasBase {
				row[4] = format(base, u)
				switch {
				case u == "bytes/task": // the target bounds the difference
					row[5] = fmt.Sprintf("%+.0f B", lib-base)
				case base != 0:
					row[5] = fmt.Sprintf("%.2f×", lib/base)
				}
			}
			if t, ok := targetFor(name, u); ok {
				row[6] = t.text
				switch {
				case !hasBase && t.text != "0":
					row[7] = "no baseline"
				case t.met(lib, base):
					row[7] = "yes"
				default:
					row[7] = "**no**"
				}
			}
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
			top, sub, hasSub := strings.Cut(baselineOf(name), "/")
			for _, sb := range secondBaselines {
				alt := top + sb.suffix
				if hasSub {
					alt += "/" + sub
				}
				if v, ok := median(res[alt][u]); ok && v != 0 {
					fmt.Fprintf(w, "| %s vs %s | %s | %d | %s | %s | %.2f× |  |  |\n",
						strings.TrimPrefix(name, "Benchmark"), sb.label, u, len(res[alt][u]), format(lib, u), format(v, u), lib/v)
				}
			}
		}
	}
	for _, s := range scalings {
		for _, u := range s.units {
			small, ok1 := median(res[s.top+"/"+s.small][u])
			large, ok2 := median(res[s.top+"/"+s.large][u])
			if !ok1 || !ok2 || small == 0 {
				continue
			}
			r := large / small
			row := []string{strings.TrimPrefix(s.top, "Benchmark") + " " + s.large + " ÷ " + s.small, u, "", fmt.Sprintf("%.1f×", r), "", "", fmt.Sprintf("≤ %g×", s.limit), "**no**"}
			bs, ok3 := median(res[baselineOf(s.top+"/"+s.small)][u])
			bl, ok4 := median(res[baselineOf(s.top+"/"+s.large)][u])
			if ok3 && ok4 && bs != 0 {
				row[4] = fmt.Sprintf("%.1f×", bl/bs)
			}
			if r <= s.limit {
				row[7] = "yes"
			}
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		}
	}
}

// compareNames orders benchmarks by name, and sizes (tasks=N) numerically.
func compareNames(a, b string) int {
	ta, sa, _ := strings.Cut(a, "/")
	tb, sb, _ := strings.Cut(b, "/")
	if ta != tb {
		return strings.Compare(ta, tb)
	}
	na, errA := strconv.Atoi(strings.TrimPrefix(sa, "tasks="))
	nb, errB := strconv.Atoi(strings.TrimPrefix(sb, "tasks="))
	if errA == nil && errB == nil {
		return na - nb
	}
	return strings.Compare(sa, sb)
}

// format prints a value in the unit a reader thinks in: milliseconds for
// latencies of a millisecond or more.
func format(v float64, unit string) string {
	switch {
	case strings.HasSuffix(unit, "ns/op") && v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case strings.HasSuffix(unit, "ns/op") && v >= 1e4:
		return fmt.Sprintf("%.1f µs", v/1e3)
	case strings.HasSuffix(unit, "ns/op") && v >= 100:
		return fmt.Sprintf("%.0f ns", v)
	case strings.HasSuffix(unit, "ns/op"):
		return fmt.Sprintf("%.3g ns", v)
	case v >= 1e4:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}
