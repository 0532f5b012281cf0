package freezer_test

import (
	"testing"

	"github.com/cgfreezer/freezer"
)

func TestStateString(t *testing.T) {
	for s, want := range map[freezer.State]string{
		freezer.Running:  "RUNNING",
		freezer.Freezing: "FREEZING",
		freezer.Frozen:   "FROZEN",
		freezer.State(7): "State(7)",
	} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}
