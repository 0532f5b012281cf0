package conformance_test

import (
	"bytes"
	"testing"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/conformance"
	"github.com/google/go-cmp/cmp"
)

// TestVerdicts checks how a result counts: equal transcripts agree, a
// scenario that says why it differs on purpose counts as agreeing only with
// its reason shown, and anything else, or no kernel answer at all, does not.
func TestVerdicts(t *testing.T) {
	sc := conformance.Scenario{Name: "s", Versions: []freezer.Version{freezer.V1}}
	differs := sc
	differs.Differs = "a kernel quirk"
	a, b := []string{"read x: ok"}, []string{"read x: EINVAL"}
	for _, tc := range []struct {
		r     conformance.Result
		agree bool
		want  string
	}{
		{conformance.Result{Scenario: sc, Kernel: a, Library: a}, true, "agree"},
		{conformance.Result{Scenario: sc, Kernel: a, Library: b}, false, "DISAGREE"},
		{conformance.Result{Scenario: differs, Kernel: a, Library: b}, true, "differs on purpose: a kernel quirk"},
		{conformance.Result{Scenario: differs, Kernel: a, Library: a}, true, "agree, though marked as differing on purpose: a kernel quirk"},
		{conformance.Result{Scenario: sc, Library: a, NoKernel: "no root"}, false, "no kernel answer: no root"},
	} {
		if got := tc.r.Agree(); got != tc.agree {
			t.Errorf("%+v: Agree() = %v, want %v", tc.r, got, tc.agree)
		}
		if got := tc.r.Verdict(); got != tc.want {
			t.Errorf("%+v: Verdict() = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestTranscriptsRoundTrip checks that the recorded kernel answers read
// back as they were written.
func TestTranscriptsRoundTrip(t *testing.T) {
	v1 := []freezer.Version{freezer.V1}
	results := []conformance.Result{
		{Scenario: conformance.Scenario{Name: "one", Versions: v1}, Version: freezer.V1, Kernel: []string{"mkdir a: ok", `read a/freezer.state: "THAWED\n"`}},
		{Scenario: conformance.Scenario{Name: "empty", Versions: v1}, Version: freezer.V1, Kernel: []string{}},
		{Scenario: conformance.Scenario{Name: "none", Versions: v1}, Version: freezer.V1},
	}
	var buf bytes.Buffer
	conformance.WriteTranscripts(&buf, results)
	got, err := conformance.ReadTranscripts(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"one [v1]":   results[0].Kernel,
		"empty [v1]": {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transcripts read back (-want +got):\n%s", diff)
	}
}
