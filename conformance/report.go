package conformance

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cgfreezer/freezer"
)

// All returns every scenario in the order the report lists them.
func All() []Scenario {
	return slices.Concat(tableScenarios, edgeScenarios, selftestScenarios, ltpScenarios)
}

// Run runs a scenario on a backend and closes the backend. A panic in the
// scenario ends its transcript with the panic's value, and a failure to
// clean up with the error, so that the transcripts differ. If the backend
// cannot make one of the scenario's tasks, Run returns an error wrapping
// errors.ErrUnsupported instead of a transcript.
func Run(sc Scenario, v freezer.Version, b Backend) (lines []string, err error) {
	s := NewS(b, v)
	defer func() {
		if r := recover(); r != nil {
			switch r := r.(type) {
			case unsupported:
				err = r.err
			case ended:
			default:
				s.Note("panic: %v", r)
			}
		}
		if cerr := b.Close(); cerr != nil {
			s.Note("close: %v", cerr)
		}
		if err == nil {
			lines = s.lines
		}
	}()
	sc.Run(s)
	return nil, nil
}

// Key names a scenario on a version: "A1 test_cgfreezer_simple [v2]".
func Key(sc Scenario, v freezer.Version) string {
	return fmt.Sprintf("%s [%s]", sc.Name, v)
}

// Result is a scenario's transcripts on one version.
type Result struct {
	Scenario Scenario
	Version  freezer.Version
	Kernel   []string // the kernel's transcript, or the recorded one
	Library  []string
	Recorded bool   // Kernel comes from the recording, not a run
	NoKernel string // why there is no kernel transcript at all
}

// Agree reports whether the result counts as agreeing with the kernel: the
// transcripts are equal, or the scenario says why the library differs.
func (r Result) Agree() bool {
	switch {
	case r.NoKernel != "":
		return false
	case r.Scenario.Differs != "":
		return true
	}
	return slices.Equal(r.Kernel, r.Library)
}

// Verdict is the result's last column in the report.
func (r Result) Verdict() string {
	switch {
	case r.NoKernel != "":
		return "no kernel answer: " + r.NoKernel
	case r.Scenario.Differs != "" && slices.Equal(r.Kernel, r.Library):
		return "agree, though marked as differing on purpose: " + r.Scenario.Differs
	case r.Scenario.Differs != "":
		return "differs on purpose: " + r.Scenario.Differs
	case r.Agree():
		return "agree"
	}
	return "DISAGREE"
}

// Summary is the report's last line.
func Summary(results []Result) string {
	agree, differ := 0, 0
	for _, r := range results {
		if r.Agree() {
			agree++
		}
		if r.Scenario.Differs != "" && !slices.Equal(r.Kernel, r.Library) {
			differ++
		}
	}
	return fmt.Sprintf("%d of %d scenarios agree with Linux 6.18 (%d of them differ on purpose)", agree, len(results), differ)
}

// WriteReport writes each result: every step's line from the kernel and
// from the library, once where they agree and both, marked, where they
// differ, then the verdict; then a table of the verdicts, and the summary.
func WriteReport(w io.Writer, results []Result) {
	for _, r := range results {
		fmt.Fprintf(w, "== %s\n", Key(r.Scenario, r.Version))
		for i := range max(len(r.Kernel), len(r.Library)) {
			k, l := line(r.Kernel, i), line(r.Library, i)
			if k == l {
				fmt.Fprintf(w, "   %s\n", k)
				continue
			}
			fmt.Fprintf(w, " ! kernel:  %s\n", k)
			fmt.Fprintf(w, " ! library: %s\n", l)
		}
		fmt.Fprintf(w, "-- %s\n\n", r.Verdict())
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tversion\tsteps\tverdict")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Scenario.Name, r.Version, len(r.Library), r.Verdict())
	}
	tw.Flush()
	fmt.Fprintln(w, Summary(results))
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(nothing)"
}

// WriteTranscripts writes kernel transcripts in the form ReadTranscripts
// reads: a "== key" line, then the transcript's lines.
func WriteTranscripts(w io.Writer, results []Result) {
	for _, r := range results {
		if r.Kernel == nil {
			continue
		}
		fmt.Fprintf(w, "== %s\n", Key(r.Scenario, r.Version))
		for _, l := range r.Kernel {
			fmt.Fprintln(w, l)
		}
	}
}

// ReadTranscripts reads what WriteTranscripts wrote, by key.
func ReadTranscripts(r io.Reader) (map[string][]string, error) {
	out := map[string][]string{}
	var key string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		text := sc.Text()
		if k, ok := strings.CutPrefix(text, "== "); ok {
			key = k
			out[key] = []string{}
			continue
		}
		if key == "" {
			return nil, fmt.Errorf("transcripts: a line before the first key: %q", text)
		}
		out[key] = append(out[key], text)
	}
	return out, sc.Err()
}
