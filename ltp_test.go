package freezer_test

// Ports of LTP's cgroup v1 freezer scripts (testcases/kernel/controllers/
// freezer/, written for 2.6.28), scenarios B1–B11 of
// shared/reference/peer-tests.md, in the patch's terms: the states are
// RUNNING, FREEZING and FROZEN, an invalid write fails with EIO, and a move
// into or out of a FROZEN cgroup fails with EBUSY (B6 "as written").
//
// ltp_v1_test.go ports the scripts again in the mainline v1 freezer's terms.
// Where the two ports take the same steps, one function here plays the
// script for both, given an ltpKernel: the hierarchy's version and the
// little the ports differ in. Each such test of the patch's is followed by
// that function (TestLTPFreezeThaw by ltpFreezeThaw, and so on).

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cgfreezer/freezer"
)

// ltpSampleSleep is LTP's sample_sleep: the sample process is `sleep 5`.
const ltpSampleSleep = 5 * time.Second

// ltpSample is LTP's sample process, `/bin/sleep 5`.
func ltpSample(tk *freezer.Task) { tk.Sleep(ltpSampleSleep) }

// ltpKernel is the freezer a port runs on, the patch's (ltpPatch) or v1's
// (ltpV1, in ltp_v1_test.go), and what the two ports of a script differ in
// where one function plays it for both.
type ltpKernel struct {
	version freezer.Version
	thawed  string        // what a thawed cgroup reads, and the word that thaws it
	invalid syscall.Errno // the errno of an invalid write to freezer.state
	// busy: a task that cannot freeze now makes the freeze fail with EBUSY
	// (the patch); v1 takes the write and stays FREEZING.
	busy bool
	// typedThaw: the ports of B4, B8 and B10 thaw with Cgroup.Thaw (the
	// patch's) rather than by writing the thaw word (v1's).
	typedThaw bool
	// wantStopped checks the stopped sample of B9 and B10 while /child is
	// FROZEN (frozen true) and after the thaw (frozen false).
	wantStopped func(t testing.TB, what string, tk *freezer.Task, frozen bool)
}

// ltpPatch is the 2008 patch's freezer.
var ltpPatch = ltpKernel{
	version:     freezer.Patch2008,
	thawed:      "RUNNING",
	invalid:     syscall.EIO,
	busy:        true,
	typedThaw:   true,
	wantStopped: ltpPatchWantStopped,
}

// mount mounts a checked hierarchy of k's version, shut down when the test
// ends (inside a synctest bubble too, before the bubble ends).
func (k ltpKernel) mount(t testing.TB) *freezer.Hierarchy {
	t.Helper()
	return newHierarchy(t, freezer.WithVersion(k.version))
}

// mkdir creates the test cgroup through the cgroupfs view and asserts, as
// every LTP script does first, that it starts thawed (RUNNING in the patch,
// THAWED in v1).
func (k ltpKernel) mkdir(t testing.TB, h *freezer.Hierarchy, path string) *freezer.Cgroup {
	t.Helper()
	c := vtMkdirPath(t, h, path)
	if got := ltpReadState(t, h, path); got != k.thawed {
		t.Fatalf("new cgroup %s reads %q, want %s", path, got, k.thawed)
	}
	return c
}

// thaw thaws c as the ports of B4, B8 and B10 do: see typedThaw.
func (k ltpKernel) thaw(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup) {
	t.Helper()
	if !k.typedThaw {
		ltpWrite(t, h, c.Path(), k.thawed)
		return
	}
	if err := c.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
}

// ltpPatchWantStopped is the patch's wantStopped: the stopped sample shows
// 'T' throughout, with a freeze request while /child is FROZEN.
func ltpPatchWantStopped(t testing.TB, what string, tk *freezer.Task, frozen bool) {
	t.Helper()
	want := freezer.TaskStat{PID: tk.PID(), Name: "sleep", Cgroup: "/child", State: 'T', Freezing: frozen}
	if diff := cmp.Diff(want, tk.Stat()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// ltpReadState reads path's freezer.state file, without the newline.
func ltpReadState(t testing.TB, h *freezer.Hierarchy, path string) string {
	t.Helper()
	b, err := h.ReadFile(path + "/freezer.state")
	if err != nil {
		t.Fatalf("read %s/freezer.state: %v", path, err)
	}
	if !strings.HasSuffix(string(b), "\n") {
		t.Errorf("read %s/freezer.state = %q, want a trailing newline", path, b)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// ltpWantState asserts what path's freezer.state reads, and reports whether
// it reads that.
func ltpWantState(t testing.TB, h *freezer.Hierarchy, path, want string) bool {
	t.Helper()
	got := ltpReadState(t, h, path)
	if got != want {
		t.Errorf("%s/freezer.state reads %q, want %q", path, got, want)
	}
	return got == want
}

// ltpRequireState is ltpWantState for a state the test cannot go on
// without: it stops the test.
func ltpRequireState(t testing.TB, h *freezer.Hierarchy, path, want string) {
	t.Helper()
	if !ltpWantState(t, h, path, want) {
		t.FailNow()
	}
}

// ltpWriteState writes s to path's freezer.state and returns the error.
func ltpWriteState(h *freezer.Hierarchy, path, s string) error {
	return h.WriteFile(path+"/freezer.state", []byte(s))
}

// ltpWrite writes s to path's freezer.state and stops the test on an error.
func ltpWrite(t testing.TB, h *freezer.Hierarchy, path, s string) {
	t.Helper()
	vtWrite(t, h, path+"/freezer.state", s)
}

// ltpFreeze writes FROZEN to c's freezer.state and waits until c is FROZEN.
func ltpFreeze(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup) {
	t.Helper()
	ltpWrite(t, h, c.Path(), "FROZEN")
	waitFrozen(t, c)
}

// sleepingSample mounts k's hierarchy, makes /child and starts the sample
// in it, and waits until the sample sleeps: how most scripts begin.
func (k ltpKernel) sleepingSample(t testing.TB) (*freezer.Hierarchy, *freezer.Cgroup, *freezer.Task) {
	t.Helper()
	h := k.mount(t)
	c := k.mkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)
	return h, c, tk
}

// ltpTaskPIDs reads path's tasks file.
func ltpTaskPIDs(t testing.TB, h *freezer.Hierarchy, path string) []int {
	t.Helper()
	b, err := h.ReadFile(path + "/tasks")
	if err != nil {
		t.Fatalf("read %s/tasks: %v", path, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("read %s/tasks: bad line %q in %q", path, f, b)
		}
		pids = append(pids, pid)
	}
	return pids
}

// ltpInTasks asserts whether tk's PID is listed in path's tasks file.
func ltpInTasks(t testing.TB, h *freezer.Hierarchy, path string, tk *freezer.Task, want bool) {
	t.Helper()
	pids := ltpTaskPIDs(t, h, path)
	if got := slices.Contains(pids, tk.PID()); got != want {
		t.Errorf("PID %d in %s/tasks = %v (tasks %v), want %v", tk.PID(), path, got, pids, want)
	}
}

// ltpStartSample starts the sample process outside the cgroup and moves it
// in by writing its PID to the tasks file, as the LTP scripts do.
func ltpStartSample(t testing.TB, h *freezer.Hierarchy, path string) *freezer.Task {
	t.Helper()
	tk, err := h.Root().Spawn("sleep", ltpSample)
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	if err := h.WriteFile(path+"/tasks", []byte(strconv.Itoa(tk.PID())+"\n")); err != nil {
		t.Fatalf("write PID %d to %s/tasks: %v", tk.PID(), path, err)
	}
	ltpInTasks(t, h, path, tk, true)
	return tk
}

// ltpWaitSleeping waits until tk is in its interruptible sleep ('S').
func ltpWaitSleeping(t testing.TB, tk *freezer.Task) {
	t.Helper()
	waitFor(t, "task "+strconv.Itoa(tk.PID())+" sleeping (S)", func() bool { return tk.Stat().State == 'S' })
}

// ltpAssertFrozen is LTP's assert_task_is_frozen: here, parked in the
// refrigerator, which /proc shows as 'D'.
func ltpAssertFrozen(t testing.TB, tk *freezer.Task) {
	t.Helper()
	if st := tk.Stat(); !st.Frozen || st.State != 'D' {
		t.Errorf("task %d: %+v (state %q), want frozen in state 'D'", tk.PID(), st, st.State)
	}
}

// ltpWaitNotFrozen is LTP's assert_task_not_frozen, waited for: the thawed
// task leaves the refrigerator and its 'D'.
func ltpWaitNotFrozen(t testing.TB, tk *freezer.Task) {
	t.Helper()
	waitFor(t, "task "+strconv.Itoa(tk.PID())+" not frozen", func() bool {
		st := tk.Stat()
		return !st.Frozen && st.State != 'D'
	})
}

// ltpAlive asserts that tk has not exited.
func ltpAlive(t testing.TB, tk *freezer.Task) {
	t.Helper()
	select {
	case <-tk.Done():
		t.Errorf("task %d has exited, want it alive", tk.PID())
	default:
	}
}

// ltpWantExitedNow checks, in a synctest bubble, that the sample tk exits
// right at the step named at (the thaw, SIGCONT), taken after the script's
// sleep 10: once the bubble settles it is gone, 2*ltpSampleSleep after
// start, and no longer listed in /child.
func ltpWantExitedNow(t testing.TB, h *freezer.Hierarchy, tk *freezer.Task, start time.Time, at string) {
	t.Helper()
	synctest.Wait()
	select {
	case <-tk.Done():
	default:
		t.Fatalf("task still alive right after %s: %+v", at, tk.Stat())
	}
	if got, want := time.Since(start), 2*ltpSampleSleep; got != want {
		t.Errorf("task exited %v after start, want %v (right at %s)", got, want, at)
	}
	ltpInTasks(t, h, "/child", tk, false)
}

// ltpExpectErrno asserts that err is an *fs.PathError for path wrapping errno.
func ltpExpectErrno(t testing.TB, err error, path string, errno syscall.Errno) {
	t.Helper()
	if !errors.Is(err, errno) {
		t.Fatalf("write %s: err = %v, want %v", path, err, errno)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != path {
		t.Errorf("write %s: err = %#v, want an *fs.PathError for %s", path, err, path)
	}
}

// ltpSpawnD spawns a task in c that waits uninterruptibly ('D') until gate
// closes, then sleeps for ever; resumed is sent to when its wait has ended
// and it has passed the safe point after it. It waits until the task is in D.
func ltpSpawnD(t testing.TB, c *freezer.Cgroup, gate <-chan struct{}, resumed chan<- struct{}) *freezer.Task {
	t.Helper()
	tk := spawn(t, c, "dwait", func(tk *freezer.Task) {
		tk.WaitUninterruptible(gate)
		resumed <- struct{}{}
		sleeper(tk)
	})
	waitFor(t, "task "+strconv.Itoa(tk.PID())+" in D", func() bool { return tk.Stat().State == 'D' })
	return tk
}

// ltpWaitResumed waits, with a deadline, until the ltpSpawnD task tk sends
// to resumed; what says what it means if it does not.
func ltpWaitResumed(t testing.TB, tk *freezer.Task, resumed <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: %+v", what, tk.Stat())
	}
}

// ltpNotResumed asserts that the ltpSpawnD task has not sent to resumed:
// what says what it means if it has.
func ltpNotResumed(t testing.TB, resumed <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-resumed:
		t.Errorf("%s", what)
	default:
	}
}

// TestLTPWriteFreezing ports write_freezing.sh (B1): writing FREEZING to the
// state file of an empty thawed cgroup fails (EIO in 2.6.28) and changes nothing.
func TestLTPWriteFreezing(t *testing.T) { ltpWriteFreezing(t, ltpPatch, "FREEZING", "FREEZING\n") }

// ltpWriteFreezing plays write_freezing.sh (B1): each of bad, written to
// the state file of an empty thawed cgroup, fails with k's errno and changes
// nothing (in v1, the freeze flags neither).
func ltpWriteFreezing(t *testing.T, k ltpKernel, bad ...string) {
	h := k.mount(t)
	k.mkdir(t, h, "/child")
	for _, s := range bad {
		err := ltpWriteState(h, "/child", s)
		ltpExpectErrno(t, err, "/child/freezer.state", k.invalid)
		ltpWantState(t, h, "/child", k.thawed)
		if k.version == freezer.V1 {
			ltpV1WantFlags(t, h, "/child", false, false)
		}
	}
}

// TestLTPFreezeWriteFreezing ports freeze_write_freezing.sh (B2): FREEZING is
// a read-only state name, so writing it to a FROZEN cgroup fails (EIO) and it
// stays FROZEN.
func TestLTPFreezeWriteFreezing(t *testing.T) { ltpFreezeWriteFreezing(t, ltpPatch) }

// ltpFreezeWriteFreezing plays freeze_write_freezing.sh (B2): FREEZING
// cannot be written, so writing it to a FROZEN cgroup fails with k's errno
// and the cgroup stays FROZEN (in v1, with its own freeze still set).
func ltpFreezeWriteFreezing(t *testing.T, k ltpKernel) {
	h := k.mount(t)
	k.mkdir(t, h, "/child")
	ltpWrite(t, h, "/child", "FROZEN")
	ltpRequireState(t, h, "/child", "FROZEN")
	err := ltpWriteState(h, "/child", "FREEZING")
	ltpExpectErrno(t, err, "/child/freezer.state", k.invalid)
	ltpWantState(t, h, "/child", "FROZEN")
	if k.version == freezer.V1 {
		ltpV1WantFlags(t, h, "/child", true, false)
	}
}

// TestLTPFreezeThaw ports freeze_thaw.sh (B3): the basic round trip with the
// sleep process: freeze -> FROZEN and the task frozen; thaw -> RUNNING, the task
// not frozen and still alive.
func TestLTPFreezeThaw(t *testing.T) { ltpFreezeThaw(t, ltpPatch) }

// ltpFreezeThaw plays freeze_thaw.sh (B3): the basic round trip with the
// sleep process: freeze -> FROZEN and the task frozen; thaw -> thawed, the
// task not frozen and still alive.
func ltpFreezeThaw(t *testing.T, k ltpKernel) {
	h, c, tk := k.sleepingSample(t)

	ltpFreeze(t, h, c)
	ltpWantState(t, h, "/child", "FROZEN")
	ltpAssertFrozen(t, tk)

	ltpWrite(t, h, "/child", k.thawed)
	ltpWantState(t, h, "/child", k.thawed)
	ltpWaitNotFrozen(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
}

// TestLTPFreezeSleepThaw ports freeze_sleep_thaw.sh (B4): the sleep 5 task is
// frozen for 10 s; it must still be there and frozen, and after the thaw
// (Cgroup.Thaw) it sees its expired deadline and exits at once. Fake time
// (synctest) makes it exact.
func TestLTPFreezeSleepThaw(t *testing.T) { ltpFreezeSleepThaw(t, ltpPatch) }

// ltpFreezeSleepThaw plays freeze_sleep_thaw.sh (B4) on synctest's fake
// clock: the sleep 5 task is frozen for 10 s; it must still be there and
// frozen, and after the thaw it sees its expired deadline and exits at the
// very instant of the thaw.
func ltpFreezeSleepThaw(t *testing.T, k ltpKernel) {
	synctest.Test(t, func(t *testing.T) {
		h := k.mount(t)
		c := k.mkdir(t, h, "/child")
		start := time.Now()
		tk := ltpStartSample(t, h, "/child")
		synctest.Wait()
		if st := tk.Stat().State; st != 'S' {
			t.Fatalf("sample state %q before freeze, want 'S'", st)
		}

		ltpWrite(t, h, "/child", "FROZEN")
		synctest.Wait()
		ltpRequireState(t, h, "/child", "FROZEN")
		ltpAssertFrozen(t, tk)

		time.Sleep(2 * ltpSampleSleep) // the script's sleep 10, in fake time
		synctest.Wait()
		select {
		case <-tk.Done():
			t.Fatalf("task exited while frozen, %v after start", time.Since(start))
		default:
		}
		ltpInTasks(t, h, "/child", tk, true)
		ltpAssertFrozen(t, tk)
		ltpWantState(t, h, "/child", "FROZEN")

		k.thaw(t, h, c)
		ltpWantExitedNow(t, h, tk, start, "the thaw")
		ltpWantState(t, h, "/child", k.thawed)
	})
}

// TestLTPFreezeKillThaw ports freeze_kill_thaw.sh (B5): a frozen task that is
// killed stays frozen and visible (v1: delivery waits for the thaw); after the
// thaw it is gone.
func TestLTPFreezeKillThaw(t *testing.T) { ltpFreezeKillThaw(t, ltpPatch) }

// ltpFreezeKillThaw plays freeze_kill_thaw.sh (B5): a frozen task that is
// killed stays frozen and visible (delivery waits for the thaw); after the
// thaw it is gone.
func ltpFreezeKillThaw(t *testing.T, k ltpKernel) {
	h, c, tk := k.sleepingSample(t)

	ltpFreeze(t, h, c)
	ltpAssertFrozen(t, tk)

	tk.Kill()
	select { // a short wait, only to show that the task did NOT exit
	case <-tk.Done():
		t.Fatalf("killed frozen task exited before the thaw")
	case <-time.After(quiet):
	}
	ltpAssertFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	ltpWantState(t, h, "/child", "FROZEN")

	ltpWrite(t, h, "/child", k.thawed)
	waitDone(t, tk)
	ltpInTasks(t, h, "/child", tk, false)
	if _, ok := h.Task(tk.PID()); ok {
		t.Errorf("h.Task(%d) still finds the killed task", tk.PID())
	}
	ltpWantState(t, h, "/child", k.thawed)
}

// TestLTPFreezeMoveThaw ports freeze_move_thaw.sh (B6) as written: moving a
// task out of a FROZEN cgroup fails (EBUSY), it stays frozen in child, and is
// thawed there; moving a task into a FROZEN cgroup fails the same way.
func TestLTPFreezeMoveThaw(t *testing.T) {
	h, c, tk := ltpPatch.sleepingSample(t)
	c2 := ltpPatch.mkdir(t, h, "/child2")

	ltpFreeze(t, h, c)
	ltpAssertFrozen(t, tk)

	// Out of FROZEN.
	err := h.WriteFile("/child2/tasks", []byte(strconv.Itoa(tk.PID())))
	ltpExpectErrno(t, err, "/child2/tasks", syscall.EBUSY)
	ltpInTasks(t, h, "/child", tk, true)
	ltpInTasks(t, h, "/child2", tk, false)
	if got := tk.Stat().Cgroup; got != "/child" {
		t.Errorf("task cgroup %q after refused move, want /child", got)
	}
	ltpAssertFrozen(t, tk)
	ltpWantState(t, h, "/child", "FROZEN")

	ltpWrite(t, h, "/child", "RUNNING")
	ltpWaitNotFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	if got := tk.Stat().Cgroup; got != "/child" {
		t.Errorf("task cgroup %q after thaw, want /child", got)
	}

	// Into FROZEN: child2 is empty, so it is FROZEN at once.
	if err := c2.Freeze(); err != nil {
		t.Fatalf("freeze child2: %v", err)
	}
	ltpRequireState(t, h, "/child2", "FROZEN")
	err = h.WriteFile("/child2/tasks", []byte(strconv.Itoa(tk.PID())))
	ltpExpectErrno(t, err, "/child2/tasks", syscall.EBUSY)
	ltpInTasks(t, h, "/child", tk, true)
	ltpInTasks(t, h, "/child2", tk, false)
	if st := tk.Stat(); st.Frozen || st.Freezing || st.Cgroup != "/child" {
		t.Errorf("task after refused move into FROZEN: %+v, want running in /child", st)
	}
	ltpAlive(t, tk)
}

// TestLTPFreezeCancel ports freeze_cancel.sh (B7) deterministically: a task in
// an uninterruptible wait holds the cgroup in FREEZING while a busy task
// freezes, and the freeze fails with EBUSY, naming the blocked task; writing
// RUNNING then cancels the freeze: RUNNING, no task frozen, and the blocked
// task's pending request is gone, so it does not freeze when released.
func TestLTPFreezeCancel(t *testing.T) { ltpFreezeCancel(t, ltpPatch) }

// ltpFreezeCancel plays freeze_cancel.sh (B7) deterministically: a task in
// an uninterruptible wait holds the cgroup in FREEZING while a busy task
// freezes; writing the thaw word then cancels the freeze: thawed, no task
// frozen, and the blocked task's pending request is gone, so it does not
// freeze when released. Where k.busy, the freeze fails with EBUSY naming
// the blocked task; elsewhere the write of FROZEN succeeds.
func ltpFreezeCancel(t *testing.T, k ltpKernel) {
	h := k.mount(t)
	c := k.mkdir(t, h, "/child")
	release, releaseNow := holdGate(t) // closed before Shutdown: a D wait is not killable
	resumed := make(chan struct{}, 1)
	dtask := ltpSpawnD(t, c, release, resumed)
	var spins atomic.Int64
	btask := spawn(t, c, "busy", func(tk *freezer.Task) {
		for {
			spins.Add(1)
			tk.TryToFreeze()
		}
	})

	if k.busy {
		// The typed Freeze, unlike the cgroupfs view's bare errno, names
		// the tasks that refused.
		err := c.Freeze()
		ltpExpectErrno(t, err, "/child/freezer.state", syscall.EBUSY)
		var be *freezer.BusyError
		if !errors.As(err, &be) {
			t.Fatalf("Freeze: %v, want a *freezer.BusyError", err)
		}
		if diff := cmp.Diff([]int{dtask.PID()}, be.PIDs()); diff != "" {
			t.Errorf("busy PIDs (-want +got):\n%s", diff)
		}
	} else {
		ltpWrite(t, h, "/child", "FROZEN")
	}
	waitFor(t, "busy task frozen", btask.Frozen)
	ltpRequireState(t, h, "/child", "FREEZING")
	if st := dtask.Stat(); st.Frozen || !st.Freezing || st.State != 'D' {
		t.Errorf("blocked task %+v, want D with a pending freeze request", st)
	}

	ltpWrite(t, h, "/child", k.thawed)
	ltpWantState(t, h, "/child", k.thawed)
	if st := dtask.Stat(); st.Frozen || st.Freezing {
		t.Errorf("blocked task after cancel %+v, want no freeze request", st)
	}
	ltpWaitNotFrozen(t, btask)
	n := spins.Load()
	waitFor(t, "busy task running again", func() bool { return spins.Load() > n })
	for tk := range c.Tasks() {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("task after cancel %+v, want not frozen", st)
		}
	}

	releaseNow()
	ltpWaitResumed(t, dtask, resumed, "released task did not resume (froze on a cancelled request?)")
	if st := dtask.Stat(); st.Frozen || st.Freezing {
		t.Errorf("released task %+v, want not frozen", st)
	}
	ltpWantState(t, h, "/child", k.thawed)
}

// TestLTPFreezeSelfThaw ports freeze_self_thaw.sh (B8): a task moves itself
// into the cgroup and freezes its own cgroup; the write returns (no deadlock),
// the task parks at its next safe point, and continues after the thaw
// (Cgroup.Thaw).
func TestLTPFreezeSelfThaw(t *testing.T) { ltpFreezeSelfThaw(t, ltpPatch) }

// ltpFreezeSelfThaw plays freeze_self_thaw.sh (B8): a task moves itself
// into the cgroup and writes FROZEN to its own cgroup; the write returns (no
// deadlock), the task parks at its next safe point, and continues after the
// thaw.
func ltpFreezeSelfThaw(t *testing.T, k ltpKernel) {
	h := k.mount(t)
	c := k.mkdir(t, h, "/child")
	wrote := make(chan error, 1)
	thawed := make(chan bool, 1)
	tk := spawn(t, h.Root(), "subshell", func(tk *freezer.Task) {
		if err := h.WriteFile("/child/tasks", []byte(strconv.Itoa(tk.PID()))); err != nil {
			wrote <- err
			return
		}
		wrote <- h.WriteFile("/child/freezer.state", []byte("FROZEN"))
		thawed <- tk.TryToFreeze() // "thawed successfully"
		ltpSample(tk)              // exec sleep
	})
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatalf("task writing FROZEN to its own cgroup: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("task's own write of FROZEN did not return: %+v", tk.Stat())
	}
	waitFrozen(t, c)
	ltpAssertFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	select {
	case <-thawed:
		t.Fatalf("task ran past its safe point in a FROZEN cgroup")
	default:
	}

	k.thaw(t, h, c)
	select {
	case froze := <-thawed:
		if !froze {
			t.Errorf("TryToFreeze after freezing its own cgroup = false, want true")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("task did not continue after the thaw: %+v", tk.Stat())
	}
	ltpWaitNotFrozen(t, tk)
	ltpAlive(t, tk)
	ltpWantState(t, h, "/child", k.thawed)
}

// TestLTPStopFreezeThawCont ports stop_freeze_thaw_cont.sh (B9): a stopped
// task counts as frozen (FROZEN is reached), stays stopped after the thaw, and
// only SIGCONT resumes it. It shows 'T' throughout.
func TestLTPStopFreezeThawCont(t *testing.T) { ltpStopFreezeThawCont(t, ltpPatch) }

// ltpStopFreezeThawCont plays stop_freeze_thaw_cont.sh (B9): a stopped task
// does not hold up FROZEN, stays stopped after the thaw (k.wantStopped says
// how each shows it), and only SIGCONT resumes it.
func ltpStopFreezeThawCont(t *testing.T, k ltpKernel) {
	h, c, tk := k.sleepingSample(t)

	tk.Stop()
	waitFor(t, "task stopped (T)", func() bool { return tk.Stat().State == 'T' })

	ltpFreeze(t, h, c)
	ltpWantState(t, h, "/child", "FROZEN")
	k.wantStopped(t, "stopped task while FROZEN", tk, true)

	ltpWrite(t, h, "/child", k.thawed)
	ltpWantState(t, h, "/child", k.thawed)
	k.wantStopped(t, "task after thaw, want still stopped", tk, false)
	ltpAlive(t, tk)

	tk.Continue()
	ltpWaitSleeping(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	if st := tk.Stat(); st.Frozen || st.Freezing {
		t.Errorf("task after SIGCONT %+v, want not frozen", st)
	}
}

// TestLTPStopFreezeSleepThawCont ports stop_freeze_sleep_thaw_cont.sh (B10):
// as B9 with 10 s spent frozen: after the thaw (Cgroup.Thaw) the task is still
// there and stopped; after SIGCONT it sees its expired deadline and exits at
// once.
func TestLTPStopFreezeSleepThawCont(t *testing.T) { ltpStopFreezeSleepThawCont(t, ltpPatch) }

// ltpStopFreezeSleepThawCont plays stop_freeze_sleep_thaw_cont.sh (B10) on
// synctest's fake clock: as B9 with 10 s spent FROZEN, past the task's 5 s
// timer: after the thaw the task is still there and stopped; after SIGCONT
// it sees its expired deadline and exits at that very instant.
func ltpStopFreezeSleepThawCont(t *testing.T, k ltpKernel) {
	synctest.Test(t, func(t *testing.T) {
		h := k.mount(t)
		c := k.mkdir(t, h, "/child")
		start := time.Now()
		tk := ltpStartSample(t, h, "/child")
		synctest.Wait()

		tk.Stop()
		synctest.Wait()
		if st := tk.Stat().State; st != 'T' {
			t.Fatalf("state %q after SIGSTOP, want 'T'", st)
		}

		ltpWrite(t, h, "/child", "FROZEN")
		synctest.Wait()
		ltpRequireState(t, h, "/child", "FROZEN")
		k.wantStopped(t, "stopped task while FROZEN", tk, true)

		time.Sleep(2 * ltpSampleSleep) // the script's sleep 10, in fake time
		synctest.Wait()
		k.wantStopped(t, "stopped task after 10s FROZEN", tk, true)
		ltpWantState(t, h, "/child", "FROZEN")

		k.thaw(t, h, c)
		synctest.Wait()
		select {
		case <-tk.Done():
			t.Fatalf("stopped task exited at the thaw, before SIGCONT")
		default:
		}
		k.wantStopped(t, "task after thaw, want still stopped", tk, false)
		ltpInTasks(t, h, "/child", tk, true)
		ltpWantState(t, h, "/child", k.thawed)

		tk.Continue()
		ltpWantExitedNow(t, h, tk, start, "SIGCONT")
	})
}

// TestLTPForkFreeze ports fork_freeze.sh (B11): a cgroup whose tasks fork hard
// (a bounded fork bomb) still converges to FROZEN, every task in it frozen,
// including children forked during FREEZING; then it thaws and the bomb ends.
func TestLTPForkFreeze(t *testing.T) { ltpForkFreeze(t, ltpPatch) }

// ltpForkFreeze plays fork_freeze.sh (B11): a cgroup whose tasks fork hard
// (a bounded fork bomb) still converges to FROZEN, every task in it frozen
// ('D'), including children forked during FREEZING; then it thaws and the
// bomb ends.
func ltpForkFreeze(t *testing.T, k ltpKernel) {
	h := k.mount(t)
	c := k.mkdir(t, h, "/child")
	limit := int64(1000)
	if testing.Short() {
		limit = 300
	}
	stop, stopNow := holdGate(t)

	var (
		total    atomic.Int64 // forks attempted (slots taken)
		mu       sync.Mutex
		forkErrs []error
	)
	var bomb func(*freezer.Task)
	bomb = func(tk *freezer.Task) {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if total.Add(1) > limit {
				tk.Wait(stop)
				return
			}
			if _, err := tk.Fork("forkbomb", bomb); err != nil {
				mu.Lock()
				forkErrs = append(forkErrs, err)
				mu.Unlock()
				return
			}
			tk.Sleep(time.Millisecond)
		}
	}
	root := spawn(t, c, "timed_forkbomb", bomb)
	waitFor(t, "the bomb forking", func() bool { return total.Load() >= 32 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.FreezeContext(ctx); err != nil {
		t.Fatalf("FreezeContext while forking (%d forks): %v", total.Load(), err)
	}
	ltpRequireState(t, h, "/child", "FROZEN")
	ltpAssertFrozen(t, root)
	n := 0
	for tk := range c.Tasks() {
		n++
		if st := tk.Stat(); !st.Frozen || st.State != 'D' {
			t.Errorf("task in FROZEN cgroup %+v, want frozen 'D'", st)
		}
	}
	if n < 2 {
		t.Errorf("%d tasks in the cgroup, want the bomb's children too", n)
	}
	pids, forks := len(ltpTaskPIDs(t, h, "/child")), total.Load()
	t.Logf("FROZEN with %d tasks after %d fork attempts (limit %d)", pids, forks, limit)
	// A task takes a slot and forks with no safe point in between, so once
	// every task is frozen each slot up to the limit is a task.
	if want := int(min(forks, limit)) + 1; pids != want {
		t.Errorf("%d tasks in the FROZEN cgroup after %d fork attempts, want %d", pids, forks, want)
	}
	time.Sleep(quiet) // only to show that nothing forks while FROZEN
	if got := len(ltpTaskPIDs(t, h, "/child")); got != pids {
		t.Errorf("tasks while FROZEN went from %d to %d", pids, got)
	}
	if got := total.Load(); got != forks {
		t.Errorf("forks attempted while FROZEN went from %d to %d", forks, got)
	}

	ltpWrite(t, h, "/child", k.thawed)
	ltpWantState(t, h, "/child", k.thawed)
	ltpWaitNotFrozen(t, root)

	stopNow()
	waitFor(t, "every bomb task exited", func() bool { return len(c.PIDs()) == 0 })
	waitDone(t, root)
	mu.Lock()
	defer mu.Unlock()
	if len(forkErrs) > 0 {
		t.Errorf("Fork failed %d times, first: %v", len(forkErrs), forkErrs[0])
	}
}
