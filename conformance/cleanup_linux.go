//go:build linux

package conformance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/internal/mountinfo"
)

// findMount finds the mount point of the hierarchy of version v: for v1 a
// cgroup mount with the freezer controller, for v2 a cgroup2 mount.
func findMount(v freezer.Version) (string, error) {
	if v == freezer.V1 {
		return mountinfo.Cgroup("freezer")
	}
	return mountinfo.Cgroup("")
}

// prepare finds the mount point of version v's hierarchy and sweeps it.
func prepare(v freezer.Version) (string, error) {
	mount, err := findMount(v)
	if err == nil {
		sweep(v, mount)
	}
	return mount, err
}

// deadRun reports whether name, a cgroup's or a mount's, is one the backend
// made in a run whose process is gone. A name whose process still exists
// is left alone, even if its PID was reused: it is taken up once that
// process is gone too.
func deadRun(name string) bool {
	rest, ok := strings.CutPrefix(name, namePrefix)
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid == os.Getpid() {
		return false
	}
	_, err = os.Stat(fmt.Sprintf("/proc/%d", pid))
	return errors.Is(err, fs.ErrNotExist)
}

// sweep removes the cgroups of dead runs, with their tasks. It does its
// best: what it cannot remove now, a later run tries again, and two runs
// sweeping at once may each find the other's work done.
func sweep(v freezer.Version, mount string) {
	entries, _ := os.ReadDir(mount)
	for _, e := range entries {
		if e.IsDir() && deadRun(e.Name()) {
			removeTree(v, filepath.Join(mount, e.Name()), time.Now().Add(Timeout))
		}
	}
}

// removeTree kills every process in the cgroups under dir until none is
// left and each is reaped, thaws them, and removes them, children first, by
// the deadline. The kills go by PID, read from cgroup.procs just before, so
// that no PID can have passed to another process meanwhile: v1 freezes the
// tree first, so that nothing there exits or forks until the thaw; in v2
// cgroup.kill follows, for what was forked since the read.
func removeTree(v freezer.Version, dir string, deadline time.Time) error {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	file, freeze, thaw := freezeFile(v)
	for {
		if v == freezer.V1 {
			writeOnce(filepath.Join(dir, file), []byte(freeze))
		}
		var pids []int
		for _, d := range dirs {
			data, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
					pids = append(pids, pid)
				}
			}
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if v == freezer.V2 {
			// And what was forked since the read.
			writeOnce(filepath.Join(dir, "cgroup.kill"), []byte("1"))
		}
		for _, d := range dirs {
			writeOnce(filepath.Join(d, file), []byte(thaw))
		}
		if len(pids) == 0 {
			break
		}
		// Before the next round freezes the tree again: the killed die
		// once thawed, and their children, forked meanwhile, are there.
		for _, pid := range pids {
			waitReaped(pid, deadline)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v in %s outlived SIGKILL", pids, dir)
		}
	}
	var errs []error
	for _, d := range slices.Backward(dirs) {
		// A v2 cgroup stays populated for a moment after its last task
		// is reaped: retry EBUSY, as the selftest's cg_destroy does.
		err := syscall.Rmdir(d)
		for err == syscall.EBUSY && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			err = syscall.Rmdir(d)
		}
		if err != nil && err != syscall.ENOENT {
			errs = append(errs, &fs.PathError{Op: "rmdir", Path: d, Err: err})
		}
	}
	return errors.Join(errs...)
}

// reapAll reaps every child of this process that has exited: the kernel
// backend's helpers and, as this process is a child subreaper, their
// orphans. The backend reaps before each of its operations, as a parent that
// waits for its children at once would: a v2 cgroup counts a dead task that
// is not yet reaped as populated, while a library task is gone when it
// exits. A traced helper's stops are reported here too, and dropped.
func reapAll() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|syscall.WALL, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// waitReaped waits until a killed process is reaped: by this process, or by
// a parent of its own. A zombie whose parent is another (a dead run's
// orphan, now init's) is as gone as it will get.
func waitReaped(pid int, deadline time.Time) {
	for time.Now().Before(deadline) {
		reapAll()
		state, ppid, ok := procStat(pid)
		if !ok || state == 'Z' && ppid != os.Getpid() {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// procStat reads a process's state letter and its parent's PID.
func procStat(pid int) (state byte, ppid int, ok bool) {
	return statFile(fmt.Sprintf("/proc/%d/stat", pid))
}

// statFile reads the state letter and the parent's PID from a /proc stat
// file, a process's or a thread's.
func statFile(path string) (state byte, ppid int, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold anything; the state and
	// the parent follow its last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0][0], ppid, true
}
