package freezer_test

// Ports of LTP's cgroup v1 freezer scripts (testcases/kernel/controllers/
// freezer/, written for 2.6.28), scenarios B1–B11 of
// shared/reference/peer-tests.md, in the patch's terms: the states are
// RUNNING, FREEZING and FROZEN, an invalid write fails with EIO, and a move
// into or out of a FROZEN cgroup fails with EBUSY (B6 "as written").

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

// ltpMkdir creates the test cgroup through the cgroupfs view and asserts, as
// every LTP script does first, that it starts thawed (RUNNING here).
func ltpMkdir(t testing.TB, h *freezer.Hierarchy, path string) *freezer.Cgroup {
	t.Helper()
	if err := h.Mkdir(path); err != nil {
		t.Fatalf("Mkdir(%q): %v", path, err)
	}
	c, err := h.Lookup(path)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", path, err)
	}
	if got := ltpReadState(t, h, path); got != "RUNNING" {
		t.Fatalf("new cgroup %s reads %q, want RUNNING", path, got)
	}
	return c
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

// ltpWriteState writes s to path's freezer.state and returns the error.
func ltpWriteState(h *freezer.Hierarchy, path, s string) error {
	return h.WriteFile(path+"/freezer.state", []byte(s))
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

// TestLTPWriteFreezing ports write_freezing.sh (B1): writing FREEZING to the
// state file of an empty thawed cgroup fails (EIO in 2.6.28) and changes nothing.
func TestLTPWriteFreezing(t *testing.T) {
	h := newHierarchy(t)
	ltpMkdir(t, h, "/child")
	for _, s := range []string{"FREEZING", "FREEZING\n"} {
		err := ltpWriteState(h, "/child", s)
		ltpExpectErrno(t, err, "/child/freezer.state", syscall.EIO)
		if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
			t.Errorf("after writing %q: state %q, want RUNNING", s, got)
		}
	}
}

// TestLTPFreezeWriteFreezing ports freeze_write_freezing.sh (B2): FREEZING is
// a read-only state name, so writing it to a FROZEN cgroup fails and it stays FROZEN.
func TestLTPFreezeWriteFreezing(t *testing.T) {
	h := newHierarchy(t)
	ltpMkdir(t, h, "/child")
	if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
		t.Fatalf("write FROZEN: %v", err)
	}
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Fatalf("empty cgroup after FROZEN: state %q, want FROZEN", got)
	}
	err := ltpWriteState(h, "/child", "FREEZING")
	ltpExpectErrno(t, err, "/child/freezer.state", syscall.EIO)
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Errorf("after writing FREEZING: state %q, want FROZEN", got)
	}
}

// TestLTPFreezeThaw ports freeze_thaw.sh (B3): the basic round trip with the
// sleep process: freeze -> FROZEN and the task frozen; thaw -> RUNNING, the task
// not frozen and still alive.
func TestLTPFreezeThaw(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
		t.Fatalf("write FROZEN: %v", err)
	}
	waitFrozen(t, c)
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Errorf("state %q, want FROZEN", got)
	}
	ltpAssertFrozen(t, tk)

	if err := ltpWriteState(h, "/child", "RUNNING"); err != nil {
		t.Fatalf("write RUNNING: %v", err)
	}
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after thaw %q, want RUNNING", got)
	}
	ltpWaitNotFrozen(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
}

// TestLTPFreezeSleepThaw ports freeze_sleep_thaw.sh (B4): the sleep 5 task is
// frozen for 10 s; it must still be there and frozen, and after the thaw it sees
// its expired deadline and exits at once. Fake time (synctest) makes it exact.
func TestLTPFreezeSleepThaw(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		defer shutdown(t, h)
		c := ltpMkdir(t, h, "/child")
		start := time.Now()
		tk := ltpStartSample(t, h, "/child")
		synctest.Wait()
		if st := tk.Stat().State; st != 'S' {
			t.Fatalf("sample state %q before freeze, want 'S'", st)
		}

		if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
			t.Fatalf("write FROZEN: %v", err)
		}
		synctest.Wait()
		if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
			t.Fatalf("state %q, want FROZEN", got)
		}
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
		if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
			t.Errorf("state after 10s %q, want FROZEN", got)
		}

		if err := c.Thaw(); err != nil {
			t.Fatalf("Thaw: %v", err)
		}
		synctest.Wait()
		select {
		case <-tk.Done():
		default:
			t.Fatalf("task still alive right after thaw: %+v", tk.Stat())
		}
		if got, want := time.Since(start), 2*ltpSampleSleep; got != want {
			t.Errorf("task exited %v after start, want %v (right at the thaw)", got, want)
		}
		ltpInTasks(t, h, "/child", tk, false)
		if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
			t.Errorf("state after thaw %q, want RUNNING", got)
		}
	})
}

// TestLTPFreezeKillThaw ports freeze_kill_thaw.sh (B5): a frozen task that is
// killed stays frozen and visible (v1: delivery waits for the thaw); after the
// thaw it is gone.
func TestLTPFreezeKillThaw(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
		t.Fatalf("write FROZEN: %v", err)
	}
	waitFrozen(t, c)
	ltpAssertFrozen(t, tk)

	tk.Kill()
	select { // a short wait, only to show that the task did NOT exit
	case <-tk.Done():
		t.Fatalf("killed frozen task exited before the thaw")
	case <-time.After(20 * time.Millisecond):
	}
	ltpAssertFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Errorf("state after kill %q, want FROZEN", got)
	}

	if err := ltpWriteState(h, "/child", "RUNNING"); err != nil {
		t.Fatalf("write RUNNING: %v", err)
	}
	select {
	case <-tk.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("killed task still alive 10s after the thaw: %+v", tk.Stat())
	}
	ltpInTasks(t, h, "/child", tk, false)
	if _, ok := h.Task(tk.PID()); ok {
		t.Errorf("h.Task(%d) still finds the killed task", tk.PID())
	}
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after thaw %q, want RUNNING", got)
	}
}

// TestLTPFreezeMoveThaw ports freeze_move_thaw.sh (B6) as written: moving a
// task out of a FROZEN cgroup fails (EBUSY), it stays frozen in child, and is
// thawed there; moving a task into a FROZEN cgroup fails the same way.
func TestLTPFreezeMoveThaw(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	c2 := ltpMkdir(t, h, "/child2")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
		t.Fatalf("write FROZEN: %v", err)
	}
	waitFrozen(t, c)
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
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Errorf("child state after refused move %q, want FROZEN", got)
	}

	if err := ltpWriteState(h, "/child", "RUNNING"); err != nil {
		t.Fatalf("write RUNNING: %v", err)
	}
	ltpWaitNotFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	if got := tk.Stat().Cgroup; got != "/child" {
		t.Errorf("task cgroup %q after thaw, want /child", got)
	}

	// Into FROZEN: child2 is empty, so it is FROZEN at once.
	if err := c2.Freeze(); err != nil {
		t.Fatalf("freeze child2: %v", err)
	}
	if got := ltpReadState(t, h, "/child2"); got != "FROZEN" {
		t.Fatalf("empty child2 state %q, want FROZEN", got)
	}
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
// freezes; writing RUNNING then cancels the freeze: RUNNING, no task frozen, and
// the blocked task's pending request is gone, so it does not freeze when released.
func TestLTPFreezeCancel(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	release := make(chan struct{})
	releaseNow := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseNow) // runs before Shutdown: a D wait is not killable

	resumed := make(chan struct{}, 1)
	dtask, err := c.Spawn("dwait", func(tk *freezer.Task) {
		tk.WaitUninterruptible(release)
		resumed <- struct{}{}
		sleeper(tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	var spins atomic.Int64
	btask, err := c.Spawn("busy", func(tk *freezer.Task) {
		for {
			spins.Add(1)
			tk.TryToFreeze()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dwait in D", func() bool { return dtask.Stat().State == 'D' })

	// The typed Freeze, unlike the cgroupfs view's bare errno, names the
	// tasks that refused.
	err = c.Freeze()
	ltpExpectErrno(t, err, "/child/freezer.state", syscall.EBUSY)
	var be *freezer.BusyError
	if !errors.As(err, &be) {
		t.Fatalf("Freeze: %v, want a *freezer.BusyError", err)
	}
	if diff := cmp.Diff([]int{dtask.PID()}, be.PIDs()); diff != "" {
		t.Errorf("busy PIDs (-want +got):\n%s", diff)
	}
	waitFor(t, "busy task frozen", btask.Frozen)
	if got := ltpReadState(t, h, "/child"); got != "FREEZING" {
		t.Fatalf("state %q with a task in D, want FREEZING", got)
	}
	if st := dtask.Stat(); st.Frozen || !st.Freezing || st.State != 'D' {
		t.Errorf("blocked task %+v, want D with a pending freeze request", st)
	}

	if err := ltpWriteState(h, "/child", "RUNNING"); err != nil {
		t.Fatalf("write RUNNING: %v", err)
	}
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after cancel %q, want RUNNING", got)
	}
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
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatalf("released task did not resume (froze on a cancelled request?): %+v", dtask.Stat())
	}
	if st := dtask.Stat(); st.Frozen || st.Freezing {
		t.Errorf("released task %+v, want not frozen", st)
	}
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after release %q, want RUNNING", got)
	}
}

// TestLTPFreezeSelfThaw ports freeze_self_thaw.sh (B8): a task moves itself
// into the cgroup and freezes its own cgroup; the write returns (no deadlock),
// the task parks at its next safe point, and continues after the thaw.
func TestLTPFreezeSelfThaw(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	wrote := make(chan error, 1)
	thawed := make(chan bool, 1)
	tk, err := h.Root().Spawn("subshell", func(tk *freezer.Task) {
		if err := h.WriteFile("/child/tasks", []byte(strconv.Itoa(tk.PID()))); err != nil {
			wrote <- err
			return
		}
		wrote <- h.WriteFile("/child/freezer.state", []byte("FROZEN"))
		thawed <- tk.TryToFreeze() // "thawed successfully"
		ltpSample(tk)              // exec sleep
	})
	if err != nil {
		t.Fatal(err)
	}
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

	if err := c.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
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
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after thaw %q, want RUNNING", got)
	}
}

// TestLTPStopFreezeThawCont ports stop_freeze_thaw_cont.sh (B9): a stopped
// task counts as frozen (FROZEN is reached), stays stopped after the thaw, and
// only SIGCONT resumes it.
func TestLTPStopFreezeThawCont(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	tk.Stop()
	waitFor(t, "task stopped (T)", func() bool { return tk.Stat().State == 'T' })

	if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
		t.Fatalf("write FROZEN: %v", err)
	}
	waitFrozen(t, c)
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Errorf("state %q, want FROZEN", got)
	}
	want := freezer.TaskStat{PID: tk.PID(), Name: "sleep", Cgroup: "/child", State: 'T', Freezing: true}
	if diff := cmp.Diff(want, tk.Stat()); diff != "" {
		t.Errorf("stopped task while FROZEN (-want +got):\n%s", diff)
	}

	if err := ltpWriteState(h, "/child", "RUNNING"); err != nil {
		t.Fatalf("write RUNNING: %v", err)
	}
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after thaw %q, want RUNNING", got)
	}
	want.Freezing = false
	if diff := cmp.Diff(want, tk.Stat()); diff != "" {
		t.Errorf("task after thaw, want still stopped (-want +got):\n%s", diff)
	}
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
// as B9 with 10 s spent frozen: after the thaw the task is still there and
// stopped; after SIGCONT it sees its expired deadline and exits at once.
func TestLTPStopFreezeSleepThawCont(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		defer shutdown(t, h)
		c := ltpMkdir(t, h, "/child")
		start := time.Now()
		tk := ltpStartSample(t, h, "/child")
		synctest.Wait()

		tk.Stop()
		synctest.Wait()
		if st := tk.Stat().State; st != 'T' {
			t.Fatalf("state %q after SIGSTOP, want 'T'", st)
		}

		if err := ltpWriteState(h, "/child", "FROZEN"); err != nil {
			t.Fatalf("write FROZEN: %v", err)
		}
		synctest.Wait()
		if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
			t.Fatalf("state %q, want FROZEN", got)
		}

		time.Sleep(2 * ltpSampleSleep) // the script's sleep 10, in fake time
		synctest.Wait()
		want := freezer.TaskStat{PID: tk.PID(), Name: "sleep", Cgroup: "/child", State: 'T', Freezing: true}
		if diff := cmp.Diff(want, tk.Stat()); diff != "" {
			t.Errorf("stopped task after 10s FROZEN (-want +got):\n%s", diff)
		}
		if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
			t.Errorf("state after 10s %q, want FROZEN", got)
		}

		if err := c.Thaw(); err != nil {
			t.Fatalf("Thaw: %v", err)
		}
		synctest.Wait()
		select {
		case <-tk.Done():
			t.Fatalf("stopped task exited at the thaw, before SIGCONT")
		default:
		}
		want.Freezing = false
		if diff := cmp.Diff(want, tk.Stat()); diff != "" {
			t.Errorf("task after thaw, want still stopped (-want +got):\n%s", diff)
		}
		ltpInTasks(t, h, "/child", tk, true)

		tk.Continue()
		synctest.Wait()
		select {
		case <-tk.Done():
		default:
			t.Fatalf("task still alive right after SIGCONT: %+v", tk.Stat())
		}
		if got, want := time.Since(start), 2*ltpSampleSleep; got != want {
			t.Errorf("task exited %v after start, want %v (right at SIGCONT)", got, want)
		}
		ltpInTasks(t, h, "/child", tk, false)
	})
}

// TestLTPForkFreeze ports fork_freeze.sh (B11): a cgroup whose tasks fork hard
// (a bounded fork bomb) still converges to FROZEN, every task in it frozen,
// including children forked during FREEZING; then it thaws and the bomb ends.
func TestLTPForkFreeze(t *testing.T) {
	h := newHierarchy(t)
	c := ltpMkdir(t, h, "/child")
	limit := int64(1000)
	if testing.Short() {
		limit = 300
	}
	stop := make(chan struct{})
	stopNow := sync.OnceFunc(func() { close(stop) })
	t.Cleanup(stopNow)

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
	root, err := c.Spawn("timed_forkbomb", bomb)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bomb forking", func() bool { return total.Load() >= 32 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.FreezeContext(ctx); err != nil {
		t.Fatalf("FreezeContext while forking (%d forks): %v", total.Load(), err)
	}
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Fatalf("state %q, want FROZEN", got)
	}
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
	time.Sleep(10 * time.Millisecond) // only to show that nothing forks while FROZEN
	if got := len(ltpTaskPIDs(t, h, "/child")); got != pids {
		t.Errorf("tasks while FROZEN went from %d to %d", pids, got)
	}
	if got := total.Load(); got != forks {
		t.Errorf("forks attempted while FROZEN went from %d to %d", forks, got)
	}

	if err := ltpWriteState(h, "/child", "RUNNING"); err != nil {
		t.Fatalf("write RUNNING: %v", err)
	}
	if got := ltpReadState(t, h, "/child"); got != "RUNNING" {
		t.Errorf("state after thaw %q, want RUNNING", got)
	}
	ltpWaitNotFrozen(t, root)

	stopNow()
	waitFor(t, "every bomb task exited", func() bool { return len(c.PIDs()) == 0 })
	select {
	case <-root.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("bomb root did not exit")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(forkErrs) > 0 {
		t.Errorf("Fork failed %d times, first: %v", len(forkErrs), forkErrs[0])
	}
}
