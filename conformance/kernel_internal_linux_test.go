package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cgfreezer/freezer"
)

// TestSweepRemovesDeadRuns leaves a cgroup as a run that died would, named
// for a PID no process can have and frozen with a helper in it, and checks
// that the sweep at the start of a run thaws, kills, reaps and removes it.
func TestSweepRemovesDeadRuns(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Skipf("no /proc/sys/kernel/pid_max: %v", err)
	}
	pidMax, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []freezer.Version{freezer.V1, freezer.V2} {
		mount, err := findMount(v)
		if err != nil {
			t.Skipf("kernel backend not available: %v", err)
		}
		dir := filepath.Join(mount, fmt.Sprintf("%s%d-1", namePrefix, pidMax+1))
		if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
			t.Skipf("kernel backend not available: %v", err)
		}
		cmd, err := startHelper(Sleeper, filepath.Join(dir, "a"), os.Stderr)
		if err != nil {
			removeTree(v, dir)
			t.Fatal(err)
		}
		file, freeze := "freezer.state", "FROZEN"
		if v == freezer.V2 {
			file, freeze = "cgroup.freeze", "1"
		}
		if err := writeOnce(filepath.Join(dir, file), []byte(freeze)); err != nil {
			removeTree(v, dir)
			t.Fatal(err)
		}
		if err := sweep(v, mount); err != nil {
			t.Fatalf("%s: sweep: %v", v, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			removeTree(v, dir)
			t.Errorf("%s: %s is still there after the sweep (%v)", v, dir, err)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", cmd.Process.Pid)); !os.IsNotExist(err) {
			t.Errorf("%s: helper %d is still there after the sweep (%v)", v, cmd.Process.Pid, err)
		}
		cmd.Process.Release()
	}
}
