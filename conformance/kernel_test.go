package conformance_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/conformance"
)

// TestKernelBackend says in one line whether the scenarios run on the
// kernel here, and checks that the backend leaves nothing behind: its cgroup
// goes with Close, and so does a helper in a frozen cgroup.
func TestKernelBackend(t *testing.T) {
	for _, v := range []freezer.Version{freezer.V1, freezer.V2} {
		k, err := conformance.NewKernel(v)
		if err != nil {
			t.Skipf("kernel backend not available, the scenarios compare with %s: %v", transcriptsFile, err)
		}
		s := conformance.NewS(k, v)
		s.Mkdir("a")
		p := s.Start(conformance.Sleeper, "a")
		s.Freeze("a")
		s.WaitFrozen("a")
		base, pid := k.Base(), s.PID(p)
		if err := k.Close(); err != nil {
			t.Fatalf("%s: Close: %v", v, err)
		}
		for _, l := range s.Lines() {
			t.Logf("%s: %s", v, l)
		}
		if _, err := os.Stat(base); !os.IsNotExist(err) {
			t.Errorf("%s: %s is still there after Close (%v)", v, base, err)
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !os.IsNotExist(err) {
			t.Errorf("%s: helper %d is still there after Close (%v)", v, pid, err)
		}
	}
}
