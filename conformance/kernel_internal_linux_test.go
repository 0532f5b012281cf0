package conformance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// TestSweepRemovesDeadRuns leaves a cgroup as a run that died would, named
// for a PID no process can have (and this run's PID, so that no other run
// meets it), frozen with a helper in it, and checks that the sweep at the
// start of a run thaws, kills, reaps and removes it.
func TestSweepRemovesDeadRuns(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Skipf("kernel backend not available: %v", err)
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
		dir := filepath.Join(mount, fmt.Sprintf("%s%d-%d", namePrefix, pidMax+1, os.Getpid()))
		defer removeTree(v, dir, time.Now().Add(Timeout))
		// Another run's sweep at its start may take the cgroup away before
		// this one's: then try again.
		var cmd *exec.Cmd
		for try := 0; cmd == nil; try++ {
			if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
				t.Skipf("kernel backend not available: %v", err)
			}
			cmd, err = startHelper(Sleeper, filepath.Join(dir, "a"), nil)
			if err != nil && (try == 3 || !errors.Is(err, fs.ErrNotExist)) {
				t.Fatal(err)
			}
		}
		defer cmd.Process.Release()
		file, freeze, _ := freezeFile(v)
		if err := writeOnce(filepath.Join(dir, file), []byte(freeze)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		sweep(v, mount)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: %s is still there after the sweep (%v)", v, dir, err)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", cmd.Process.Pid)); !os.IsNotExist(err) {
			t.Errorf("%s: helper %d is still there after the sweep (%v)", v, cmd.Process.Pid, err)
		}
	}
}
