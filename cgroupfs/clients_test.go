package cgroupfs_test

// Real clients, unmodified, against the kernel's cgroupfs and against the
// mount: the cgroup libraries of containerd (github.com/containerd/cgroups/v3)
// and runc (github.com/opencontainers/cgroups). Each test runs one script
// twice: on the running kernel, with three real `sleep 1000` processes, and on
// a simulated hierarchy mounted with cgroupfs.Mount, with three simulated
// sleepers spawned in its root. Each half records what it observes (states,
// errors, counts; never PIDs or times), and the two records must be equal,
// and equal to the script's expected record, which was taken from the kernel.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/cgroupfs"
	"github.com/cgfreezer/freezer/internal/mountinfo"
	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/google/go-cmp/cmp"
	runc "github.com/opencontainers/cgroups"
	runcfs "github.com/opencontainers/cgroups/fs"
	runcfs2 "github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// pollTimeout bounds every wait of the scripts and their cleanups.
const pollTimeout = 10 * time.Second

// half is one run of a script: the kernel's or the mount's.
type half struct {
	t     *testing.T
	name  string          // "kernel" or "mount"
	v     freezer.Version // the hierarchy's version
	mount string          // where the version's hierarchy is mounted
	group string          // the script's cgroup: one name, fzconf-PID-SUFFIX
	pids  []int           // the three tasks, in start order
	state func(pid int) byte
	kill  func()              // SIGKILL every task, by its handle
	gone  func(time.Time) int // waits until every task has exited and been reaped; how many have
	obs   []string
	start time.Time // for the log: when each observation was made
}

// dir is the script's cgroup directory.
func (hf *half) dir() string { return filepath.Join(hf.mount, hf.group) }

// note records an observation, with the half's paths made generic so that
// both halves' errors read the same.
func (hf *half) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	s = strings.ReplaceAll(s, hf.mount, "$MNT")
	if root := filepath.Dir(hf.mount); root != "/" {
		s = strings.ReplaceAll(s, root, "$ROOT")
	}
	s = strings.ReplaceAll(s, hf.group, "$GROUP")
	hf.obs = append(hf.obs, s)
	hf.t.Logf("%s +%v: %s", hf.name, time.Since(hf.start).Round(100*time.Microsecond), s)
}

// step records a client call's result and reports whether it succeeded.
func (hf *half) step(what string, err error) bool {
	if err != nil {
		hf.note("%s: %v", what, err)
		return false
	}
	hf.note("%s: ok", what)
	return true
}

// read reads a control file of the script's cgroup, on one line.
func (hf *half) read(file string) string {
	data, err := os.ReadFile(filepath.Join(hf.dir(), file))
	if err != nil {
		return fmt.Sprintf("error: %v", err)
	}
	return strings.ReplaceAll(strings.TrimSpace(string(data)), "\n", "; ")
}

// poll calls f until it reports done or pollTimeout passes (an error), and
// returns its last value. Every wait of the scripts is one: no fixed sleeps.
func (hf *half) poll(what string, f func() (string, bool)) string {
	hf.t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for {
		s, done := f()
		if done {
			return s
		}
		if time.Now().After(deadline) {
			hf.t.Errorf("%s: %s: still %q after %v", hf.name, what, s, pollTimeout)
			return s
		}
		time.Sleep(time.Millisecond)
	}
}

// pollFile polls a control file of the script's cgroup until it contains want.
func (hf *half) pollFile(file, want string) string {
	hf.t.Helper()
	return hf.poll(file+" to say "+want, func() (string, bool) {
		s := hf.read(file)
		return s, strings.Contains(s, want)
	})
}

// states is the ps letter of each task, in start order, once none is
// running: a thawed task may be on its way back to its wait.
func (hf *half) states() string {
	hf.t.Helper()
	return hf.poll("the tasks to settle", func() (string, bool) {
		var b strings.Builder
		for _, pid := range hf.pids {
			b.WriteByte(hf.state(pid))
		}
		return b.String(), !strings.Contains(b.String(), "R")
	})
}

// count polls n until it returns want, and returns the last count, or the
// last error.
func (hf *half) count(what string, want int, n func() (int, error)) string {
	hf.t.Helper()
	return hf.poll(what, func() (string, bool) {
		got, err := n()
		if err != nil {
			return err.Error(), false
		}
		return fmt.Sprint(got), got == want
	})
}

// killAll kills the tasks by their handles and waits for them to be gone.
func (hf *half) killAll() {
	hf.kill()
	hf.note("tasks exited after SIGKILL: %d", hf.gone(time.Now().Add(pollTimeout)))
}

// freezeFile is the version's freezer file and its thaw value.
func freezeFile(v freezer.Version) (file, thaw string) {
	if v == freezer.V1 {
		return "freezer.state", "THAWED"
	}
	return "cgroup.freeze", "0"
}

// cleanup leaves nothing behind, whatever the script did: it thaws the
// script's cgroup, kills the tasks, waits for them, and removes the cgroup.
func (hf *half) cleanup() {
	t := hf.t
	if _, err := os.Stat(hf.dir()); err == nil {
		file, thaw := freezeFile(hf.v)
		os.WriteFile(filepath.Join(hf.dir(), file), []byte(thaw), 0)
	}
	hf.kill()
	if n := hf.gone(time.Now().Add(pollTimeout)); n != len(hf.pids) {
		t.Errorf("%s cleanup: only %d of %d tasks exited", hf.name, n, len(hf.pids))
	}
	deadline := time.Now().Add(pollTimeout)
	for {
		err := syscall.Rmdir(hf.dir())
		if err == nil || err == syscall.ENOENT {
			return
		}
		if err != syscall.EBUSY || time.Now().After(deadline) {
			t.Errorf("%s cleanup: cannot remove %s: %v", hf.name, hf.dir(), err)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// groupName is the script's cgroup: unique to the process, and named so that
// the conformance package's sweep removes it if this process dies first.
func groupName(suffix string) string {
	return fmt.Sprintf("fzconf-%d-%s", os.Getpid(), suffix)
}

// kernelMount finds the running kernel's hierarchy of version v in
// /proc/self/mountinfo: for v1 the cgroup mount with the freezer controller,
// for v2 the cgroup2 mount.
func kernelMount(v freezer.Version) (string, error) {
	if v == freezer.V1 {
		return mountinfo.Cgroup("freezer")
	}
	return mountinfo.Cgroup("")
}

// kernelHalf prepares the kernel's half: v's real hierarchy, and three real
// `sleep 1000` processes, which die with this test's thread if it dies.
func kernelHalf(t *testing.T, v freezer.Version, suffix string) *half {
	mount, err := kernelMount(v)
	if err != nil {
		t.Skipf("kernel: %v", err)
	}
	if err := syscall.Access(mount, 2 /* W_OK */); err != nil {
		t.Skipf("kernel: the cgroupfs %s is not writable: %v", mount, err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("kernel: no sleep command: %v", err)
	}
	hf := &half{t: t, name: "kernel", v: v, mount: mount, group: groupName(suffix)}
	var procs []*os.Process
	var reaped []chan struct{}
	hf.state = func(pid int) byte {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if i := strings.LastIndex(string(data), ") "); err == nil && i >= 0 && i+2 < len(data) {
			return data[i+2]
		}
		return '?'
	}
	hf.kill = func() {
		for _, p := range procs {
			p.Kill()
		}
	}
	hf.gone = func(deadline time.Time) int {
		n := 0
		for _, done := range reaped {
			select {
			case <-done:
				n++
			case <-time.After(time.Until(deadline)):
			}
		}
		return n
	}
	t.Cleanup(hf.cleanup)
	for range 3 {
		cmd := exec.Command(sleep, "1000")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatalf("kernel: start sleep: %v", err)
		}
		done := make(chan struct{})
		go func() { // reap at once, as the kernel keeps a zombie in its cgroup
			cmd.Wait()
			close(done)
		}()
		procs = append(procs, cmd.Process)
		reaped = append(reaped, done)
		hf.pids = append(hf.pids, cmd.Process.Pid)
	}
	return hf
}

// mountOn mounts a new hierarchy of version v on dir, or skips the test where
// FUSE cannot be used here. The hierarchy is shut down and the mount
// unmounted when the test ends.
func mountOn(t *testing.T, v freezer.Version, dir string) *freezer.Hierarchy {
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("mount: cannot open /dev/fuse: %v", err)
	}
	f.Close()
	h := freezer.New(freezer.WithVersion(v), freezer.WithLockChecks())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	srv, err := cgroupfs.Mount(context.Background(), dir, h)
	if err != nil {
		t.Skipf("mount: cannot mount FUSE here: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Errorf("Unmount: %v", err)
		}
	})
	return h
}

// mountHalf prepares the mount's half: a simulated hierarchy of version v,
// mounted on <tmp>/freezer (v1, where cgroup1.NewFreezer(<tmp>) looks) or
// <tmp>/unified (v2), and three simulated sleepers in its root.
func mountHalf(t *testing.T, v freezer.Version, suffix string) *half {
	sub := "unified"
	if v == freezer.V1 {
		sub = "freezer"
	}
	mount := filepath.Join(t.TempDir(), sub)
	if err := os.Mkdir(mount, 0o755); err != nil {
		t.Fatal(err)
	}
	h := mountOn(t, v, mount)
	hf := &half{t: t, name: "mount", v: v, mount: mount, group: groupName(suffix)}
	var tasks []*freezer.Task
	hf.state = func(pid int) byte {
		for _, task := range tasks {
			if task.PID() == pid {
				return task.Stat().State
			}
		}
		return '?'
	}
	hf.kill = func() {
		for _, task := range tasks {
			task.Kill()
		}
	}
	hf.gone = func(deadline time.Time) int {
		n := 0
		for _, task := range tasks {
			select {
			case <-task.Done():
				n++
			case <-time.After(time.Until(deadline)):
			}
		}
		return n
	}
	t.Cleanup(hf.cleanup) // before the Unmount and the Shutdown
	never := make(chan struct{})
	for range 3 {
		task, err := h.Root().Spawn("sleep", func(t *freezer.Task) { t.Wait(never) })
		if err != nil {
			t.Fatalf("mount: spawn: %v", err)
		}
		tasks = append(tasks, task)
		hf.pids = append(hf.pids, task.PID())
	}
	return hf
}

// runHalves runs script on the kernel and on the mount, and requires both to
// observe want, and the same as each other.
func runHalves(t *testing.T, v freezer.Version, suffix string, want []string, script func(hf *half)) {
	var got [2][]string
	for i, name := range []string{"kernel", "mount"} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			var hf *half
			if name == "kernel" {
				hf = kernelHalf(t, v, suffix)
			} else {
				hf = mountHalf(t, v, suffix)
			}
			hf.start = time.Now()
			script(hf)
			got[i] = hf.obs
			t.Logf("%s: script took %v", name, time.Since(start).Round(time.Millisecond))
			if diff := cmp.Diff(want, hf.obs); diff != "" {
				which := "the kernel's record of this script"
				if name == "mount" {
					which += " (a MOUNT BUG unless the kernel half differs the same way)"
				}
				t.Errorf("%s observed other than %s (-want +got):\n%s", name, which, diff)
			}
		})
	}
	if got[0] != nil && got[1] != nil {
		if diff := cmp.Diff(got[0], got[1]); diff != "" {
			t.Errorf("MOUNT BUG: the mount observed other than the kernel (-kernel +mount):\n%s", diff)
		}
	}
}

// TestContainerdCgroup2 drives containerd's cgroup2.Manager: Load with
// WithMountpoint, AddProc, Procs, Freeze, Thaw, Kill and Delete.
func TestContainerdCgroup2(t *testing.T) {
	want := []string{
		"Load: ok",
		"AddProc: ok", "AddProc: ok", "AddProc: ok",
		"Procs: 3",
		"Freeze: ok",
		"cgroup.freeze: 1",
		"cgroup.events: populated 1; frozen 1",
		"tasks: SSS",
		"Procs while frozen: 3",
		"Thaw: ok",
		"cgroup.freeze: 0",
		"cgroup.events: populated 1; frozen 0",
		"tasks: SSS",
		"Kill: ok",
		"tasks exited after Kill: 3",
		"Procs after Kill: 0",
		"cgroup.events: populated 0; frozen 0",
		"Delete: ok",
		"group exists after Delete: false",
	}
	runHalves(t, freezer.V2, "containerd-v2", want, func(hf *half) {
		// Load does not make the group, and NewManager would write the
		// mount point's cgroup.subtree_control, which only a controller
		// needs: the group is made with mkdir, as a shell would.
		if err := os.Mkdir(hf.dir(), 0o755); err != nil {
			hf.t.Fatalf("%s: mkdir: %v", hf.name, err)
		}
		m, err := cgroup2.Load("/"+hf.group, cgroup2.WithMountpoint(hf.mount))
		if !hf.step("Load", err) {
			return
		}
		for _, pid := range hf.pids {
			hf.step("AddProc", m.AddProc(uint64(pid)))
		}
		procs := func() (int, error) {
			p, err := m.Procs(false)
			return len(p), err
		}
		hf.note("Procs: %s", hf.count("Procs", 3, procs))

		// Freeze returns once cgroup.freeze reads 1, before the tasks
		// have frozen: cgroup.events says when they have.
		hf.step("Freeze", m.Freeze())
		hf.note("cgroup.freeze: %s", hf.read("cgroup.freeze"))
		hf.note("cgroup.events: %s", hf.pollFile("cgroup.events", "frozen 1"))
		hf.note("tasks: %s", hf.states())
		hf.note("Procs while frozen: %s", hf.count("Procs", 3, procs))

		hf.step("Thaw", m.Thaw())
		hf.note("cgroup.freeze: %s", hf.read("cgroup.freeze"))
		hf.note("cgroup.events: %s", hf.pollFile("cgroup.events", "frozen 0"))
		hf.note("tasks: %s", hf.states())

		hf.step("Kill", m.Kill())
		hf.note("tasks exited after Kill: %d", hf.gone(time.Now().Add(pollTimeout)))
		hf.note("Procs after Kill: %s", hf.count("Procs", 0, procs))
		hf.note("cgroup.events: %s", hf.pollFile("cgroup.events", "populated 0"))

		hf.step("Delete", m.Delete())
		_, err = os.Stat(hf.dir())
		hf.note("group exists after Delete: %v", err == nil)
	})
}

// TestContainerdCgroup1Freezer drives containerd's cgroup1 freezer: a
// cgroup1.Cgroup whose hierarchy (WithHierarchy) is only NewFreezer(root),
// on a root with a freezer/ directory: New (which makes the group), Add,
// Processes, Freeze, State and Thaw (the freezer's Freeze, Thaw and state
// with the group's path), and Delete.
func TestContainerdCgroup1Freezer(t *testing.T) {
	want := []string{
		"New: ok",
		"Add: ok", "Add: ok", "Add: ok",
		"Processes: 3",
		"Freeze: ok",
		"State: frozen",
		"freezer.state: FROZEN",
		"tasks: DDD",
		"Thaw: ok",
		"State: thawed",
		"freezer.state: THAWED",
		"tasks: SSS",
		"tasks exited after SIGKILL: 3",
		"Processes after the kill: 0",
		"Delete: ok",
		"State after Delete: deleted",
		"group exists after Delete: false",
	}
	runHalves(t, freezer.V1, "containerd-v1", want, func(hf *half) {
		root := filepath.Dir(hf.mount)
		if filepath.Base(hf.mount) != "freezer" {
			hf.t.Skipf("%s: the v1 freezer is mounted on %s, not on ROOT/freezer as cgroup1.NewFreezer(ROOT) needs", hf.name, hf.mount)
		}
		freezerOnly := cgroup1.WithHierarchy(func() ([]cgroup1.Subsystem, error) {
			return []cgroup1.Subsystem{cgroup1.NewFreezer(root)}, nil
		})
		cg, err := cgroup1.New(cgroup1.StaticPath("/"+hf.group), &specs.LinuxResources{}, freezerOnly)
		if !hf.step("New", err) {
			return
		}
		for _, pid := range hf.pids {
			hf.step("Add", cg.Add(cgroup1.Process{Pid: pid}))
		}
		procs := func() (int, error) {
			p, err := cg.Processes(cgroup1.Freezer, false)
			return len(p), err
		}
		hf.note("Processes: %s", hf.count("Processes", 3, procs))

		hf.step("Freeze", cg.Freeze()) // it returns once freezer.state reads FROZEN
		hf.note("State: %s", cg.State())
		hf.note("freezer.state: %s", hf.pollFile("freezer.state", "FROZEN"))
		hf.note("tasks: %s", hf.states())

		hf.step("Thaw", cg.Thaw())
		hf.note("State: %s", cg.State())
		hf.note("freezer.state: %s", hf.pollFile("freezer.state", "THAWED"))
		hf.note("tasks: %s", hf.states())

		hf.killAll() // the cgroup1 freezer has no kill
		hf.note("Processes after the kill: %s", hf.count("Processes", 0, procs))

		hf.step("Delete", cg.Delete())
		hf.note("State after Delete: %s", cg.State())
		_, err = os.Stat(hf.dir())
		hf.note("group exists after Delete: %v", err == nil)
	})
}

// runcTestMode sets runc's cgroups.TestMode for the mount's half. runc opens
// a cgroup file outside /sys/fs/cgroup only after checking by fstatfs that it
// is on a cgroupfs (CGROUP_SUPER_MAGIC or CGROUP2_SUPER_MAGIC); the FUSE
// mount's magic is FUSE_SUPER_MAGIC, so without TestMode every open fails
// with "not a cgroup file". TestMode skips only that check (and makes its
// writes open with O_CREAT|O_TRUNC, which the mount takes as a cgroupfs
// does). The kernel's half runs without it, as runc does.
func runcTestMode(hf *half) {
	if hf.name != "mount" {
		return
	}
	old := runc.TestMode
	runc.TestMode = true
	hf.t.Cleanup(func() { runc.TestMode = old })
}

// TestRuncFs2Freezer drives runc's fs2 manager: NewManager with Resources
// set, AddPid, GetPids, Freeze (which waits for cgroup.events to say
// frozen 1), GetFreezerState, Destroy and Exists.
func TestRuncFs2Freezer(t *testing.T) {
	want := []string{
		"NewManager: ok",
		"AddPid: ok", "AddPid: ok", "AddPid: ok",
		"GetPids: 3",
		"Freeze(FROZEN): ok",
		"GetFreezerState: FROZEN, <nil>",
		"cgroup.events: populated 1; frozen 1",
		"tasks: SSS",
		"Freeze(THAWED): ok",
		"GetFreezerState: THAWED, <nil>",
		"cgroup.events: populated 1; frozen 0",
		"tasks: SSS",
		"tasks exited after SIGKILL: 3",
		"GetPids after the kill: 0",
		"cgroup.events: populated 0; frozen 0",
		"Destroy: ok",
		"Exists after Destroy: false",
		"GetFreezerState after Destroy: \"\", <nil>",
	}
	runHalves(t, freezer.V2, "runc-fs2", want, func(hf *half) {
		runcTestMode(hf)
		// Apply would make the group by writing cgroup.subtree_control
		// all the way down from /sys/fs/cgroup: mkdir makes it instead.
		if err := os.Mkdir(hf.dir(), 0o755); err != nil {
			hf.t.Fatalf("%s: mkdir: %v", hf.name, err)
		}
		m, err := runcfs2.NewManager(&runc.Cgroup{Resources: &runc.Resources{}}, hf.dir())
		if !hf.step("NewManager", err) {
			return
		}
		for _, pid := range hf.pids {
			hf.step("AddPid", m.AddPid("", pid))
		}
		pids := func() (int, error) {
			p, err := m.GetPids()
			return len(p), err
		}
		hf.note("GetPids: %s", hf.count("GetPids", 3, pids))

		hf.step("Freeze(FROZEN)", m.Freeze(runc.Frozen))
		st, err := m.GetFreezerState()
		hf.note("GetFreezerState: %s, %v", st, err)
		hf.note("cgroup.events: %s", hf.pollFile("cgroup.events", "frozen 1"))
		hf.note("tasks: %s", hf.states())

		hf.step("Freeze(THAWED)", m.Freeze(runc.Thawed))
		st, err = m.GetFreezerState()
		hf.note("GetFreezerState: %s, %v", st, err)
		hf.note("cgroup.events: %s", hf.pollFile("cgroup.events", "frozen 0"))
		hf.note("tasks: %s", hf.states())

		hf.killAll() // runc's fs2 manager has no kill
		hf.note("GetPids after the kill: %s", hf.count("GetPids", 0, pids))
		hf.note("cgroup.events: %s", hf.pollFile("cgroup.events", "populated 0"))

		hf.step("Destroy", m.Destroy())
		hf.note("Exists after Destroy: %v", m.Exists())
		st, err = m.GetFreezerState()
		hf.note("GetFreezerState after Destroy: %q, %v", st, err)
	})
}

// TestRuncFsFreezer drives runc's fs v1 FreezerGroup: Apply (which makes the
// group and writes a PID to cgroup.procs), Set (FROZEN, which retries and
// thaws every 50 attempts, so the freeze must complete fast; THAWED) and
// GetState; the group's PIDs and its removal go through runc's cgroups
// package (GetPids, RemovePath, PathExists).
func TestRuncFsFreezer(t *testing.T) {
	want := []string{
		"Apply(-1): ok",
		"Apply: ok", "Apply: ok", "Apply: ok",
		"GetPids: 3",
		"Set(FROZEN): ok",
		"GetState: FROZEN, <nil>",
		"freezer.state: FROZEN",
		"tasks: DDD",
		"Set(THAWED): ok",
		"GetState: THAWED, <nil>",
		"freezer.state: THAWED",
		"tasks: SSS",
		"tasks exited after SIGKILL: 3",
		"GetPids after the kill: 0",
		"RemovePath: ok",
		"PathExists after RemovePath: false",
		"GetState after RemovePath: \"\", <nil>",
	}
	runHalves(t, freezer.V1, "runc-fs", want, func(hf *half) {
		runcTestMode(hf)
		fg := &runcfs.FreezerGroup{}
		dir := hf.dir()
		if !hf.step("Apply(-1)", fg.Apply(dir, nil, -1)) { // mkdir, no PID
			return
		}
		for _, pid := range hf.pids {
			hf.step("Apply", fg.Apply(dir, nil, pid))
		}
		pids := func() (int, error) {
			p, err := runc.GetPids(dir)
			return len(p), err
		}
		hf.note("GetPids: %s", hf.count("GetPids", 3, pids))

		hf.step("Set(FROZEN)", fg.Set(dir, &runc.Resources{Freezer: runc.Frozen}))
		st, err := fg.GetState(dir)
		hf.note("GetState: %s, %v", st, err)
		hf.note("freezer.state: %s", hf.pollFile("freezer.state", "FROZEN"))
		hf.note("tasks: %s", hf.states())

		hf.step("Set(THAWED)", fg.Set(dir, &runc.Resources{Freezer: runc.Thawed}))
		st, err = fg.GetState(dir)
		hf.note("GetState: %s, %v", st, err)
		hf.note("freezer.state: %s", hf.pollFile("freezer.state", "THAWED"))
		hf.note("tasks: %s", hf.states())

		hf.killAll() // runc's v1 freezer has no kill
		hf.note("GetPids after the kill: %s", hf.count("GetPids", 0, pids))

		hf.step("RemovePath", runc.RemovePath(dir))
		hf.note("PathExists after RemovePath: %v", runc.PathExists(dir))
		st, err = fg.GetState(dir)
		hf.note("GetState after RemovePath: %q, %v", st, err)
	})
}
