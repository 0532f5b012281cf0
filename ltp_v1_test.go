package freezer_test

// Ports of LTP's cgroup v1 freezer scripts (testcases/kernel/controllers/
// freezer/), scenarios B1–B12 of shared/reference/peer-tests.md, in the terms
// of the mainline v1 freezer (freezer.WithVersion(freezer.V1), kernel/cgroup/
// legacy_freezer.c): the states read THAWED, FREEZING and FROZEN; an invalid
// write, FREEZING among them, fails with EINVAL; there is no EBUSY; moves in
// and out of frozen cgroups are allowed and the task adopts the destination's
// state (B6's "alternative semantics"); a frozen task shows 'D' and a kill
// takes effect after the thaw; a stopped task in a frozen cgroup shows 'D'
// while frozen and 'T' after the thaw (DESIGN.md's WithVersion table). The
// patch's ports, with RUNNING, EIO and EBUSY, are in ltp_test.go, whose
// helpers these reuse. The last tests check the v1-only rules the scripts
// touch: the hierarchy, and the FREEZING that a task in D or a move into a
// FROZEN cgroup leaves behind. Every private name here starts with "ltpV1".

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
)

// ltpV1New mounts a checked v1 hierarchy that is shut down when the test ends.
func ltpV1New(t testing.TB) *freezer.Hierarchy {
	t.Helper()
	return newHierarchy(t, freezer.WithVersion(freezer.V1))
}

// ltpV1NewBubble mounts a checked v1 hierarchy inside a synctest bubble; the
// caller must shut it down before the bubble function returns.
func ltpV1NewBubble() *freezer.Hierarchy {
	return freezer.New(freezer.WithLockChecks(), freezer.WithVersion(freezer.V1))
}

// ltpV1Mkdir is ltpMkdir in v1 terms: it creates the cgroup through the
// cgroupfs view and asserts, as every LTP script does first, that it starts
// THAWED.
func ltpV1Mkdir(t testing.TB, h *freezer.Hierarchy, path string) *freezer.Cgroup {
	t.Helper()
	if err := h.Mkdir(path); err != nil {
		t.Fatalf("Mkdir(%q): %v", path, err)
	}
	c, err := h.Lookup(path)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", path, err)
	}
	if got := ltpReadState(t, h, path); got != "THAWED" {
		t.Fatalf("new cgroup %s reads %q, want THAWED", path, got)
	}
	return c
}

// ltpV1Write writes s to path's freezer.state and fails the test on an error:
// v1 never refuses THAWED or FROZEN.
func ltpV1Write(t testing.TB, h *freezer.Hierarchy, path, s string) {
	t.Helper()
	if err := ltpWriteState(h, path, s); err != nil {
		t.Fatalf("write %s to %s/freezer.state: %v, want success (v1 has no EBUSY)", s, path, err)
	}
}

// ltpV1WantState asserts what path's freezer.state reads.
func ltpV1WantState(t testing.TB, h *freezer.Hierarchy, path, want string) {
	t.Helper()
	if got := ltpReadState(t, h, path); got != want {
		t.Errorf("%s/freezer.state reads %q, want %q", path, got, want)
	}
}

// ltpV1WantFlags asserts what path's freezer.self_freezing and
// freezer.parent_freezing read.
func ltpV1WantFlags(t testing.TB, h *freezer.Hierarchy, path string, self, parent bool) {
	t.Helper()
	for _, f := range []struct {
		file string
		want bool
	}{{"freezer.self_freezing", self}, {"freezer.parent_freezing", parent}} {
		b, err := h.ReadFile(path + "/" + f.file)
		if err != nil {
			t.Errorf("read %s/%s: %v", path, f.file, err)
			continue
		}
		want := "0\n"
		if f.want {
			want = "1\n"
		}
		if string(b) != want {
			t.Errorf("%s/%s reads %q, want %q", path, f.file, b, want)
		}
	}
}

// ltpV1Move writes tk's PID to path's tasks file, which v1 always allows.
func ltpV1Move(t testing.TB, h *freezer.Hierarchy, path string, tk *freezer.Task) {
	t.Helper()
	if err := h.WriteFile(path+"/tasks", []byte(strconv.Itoa(tk.PID()))); err != nil {
		t.Fatalf("write PID %d to %s/tasks: %v, want success (v1 allows every move)", tk.PID(), path, err)
	}
	if got := tk.Stat().Cgroup; got != path {
		t.Errorf("task %d in %s after the move, want %s", tk.PID(), got, path)
	}
}

// ltpV1SpawnD spawns a task in c that waits uninterruptibly ('D') until gate
// closes, then sleeps for ever; resumed is sent to when its wait has ended
// and it has passed the safe point after it. It waits until the task is in D.
func ltpV1SpawnD(t testing.TB, c *freezer.Cgroup, gate <-chan struct{}, resumed chan<- struct{}) *freezer.Task {
	t.Helper()
	tk := spawn(t, c, "dwait", func(tk *freezer.Task) {
		tk.WaitUninterruptible(gate)
		resumed <- struct{}{}
		sleeper(tk)
	})
	waitFor(t, "task "+strconv.Itoa(tk.PID())+" in D", func() bool { return tk.Stat().State == 'D' })
	return tk
}

// TestLTPV1WriteFreezing ports write_freezing.sh (B1): writing FREEZING to an
// empty THAWED cgroup fails and changes nothing. Unlike the patch's port: the
// error is EINVAL (not EIO), the state reads THAWED (not RUNNING), and the
// patch's word RUNNING is itself an invalid write.
func TestLTPV1WriteFreezing(t *testing.T) {
	h := ltpV1New(t)
	ltpV1Mkdir(t, h, "/child")
	for _, s := range []string{"FREEZING", "FREEZING\n", "RUNNING"} {
		err := ltpWriteState(h, "/child", s)
		ltpExpectErrno(t, err, "/child/freezer.state", syscall.EINVAL)
		ltpV1WantState(t, h, "/child", "THAWED")
		ltpV1WantFlags(t, h, "/child", false, false)
	}
}

// TestLTPV1FreezeWriteFreezing ports freeze_write_freezing.sh (B2): FREEZING
// cannot be written, so writing it to a FROZEN cgroup fails and the cgroup
// stays FROZEN with its own freeze still set. Unlike the patch's port: EINVAL
// (not EIO).
func TestLTPV1FreezeWriteFreezing(t *testing.T) {
	h := ltpV1New(t)
	ltpV1Mkdir(t, h, "/child")
	ltpV1Write(t, h, "/child", "FROZEN")
	if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
		t.Fatalf("empty cgroup after FROZEN: state %q, want FROZEN", got)
	}
	err := ltpWriteState(h, "/child", "FREEZING")
	ltpExpectErrno(t, err, "/child/freezer.state", syscall.EINVAL)
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpV1WantFlags(t, h, "/child", true, false)
}

// TestLTPV1FreezeThaw ports freeze_thaw.sh (B3): freeze -> FROZEN, the sleep
// process frozen ('D'); thaw -> THAWED, the task not frozen and alive. The
// outcome is the patch's port's; the thaw is written THAWED (not RUNNING).
func TestLTPV1FreezeThaw(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	ltpV1Write(t, h, "/child", "FROZEN")
	waitFrozen(t, c)
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpAssertFrozen(t, tk)

	ltpV1Write(t, h, "/child", "THAWED")
	ltpV1WantState(t, h, "/child", "THAWED")
	ltpWaitNotFrozen(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
}

// TestLTPV1FreezeSleepThaw ports freeze_sleep_thaw.sh (B4) on synctest's fake
// clock: the sleep 5 task is frozen for 10 s, stays there and frozen, and
// exits at the very instant of the thaw, its deadline having passed. The
// outcome is the patch's port's; the states read THAWED (not RUNNING).
func TestLTPV1FreezeSleepThaw(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := ltpV1NewBubble()
		defer shutdown(t, h)
		ltpV1Mkdir(t, h, "/child")
		start := time.Now()
		tk := ltpStartSample(t, h, "/child")
		synctest.Wait()
		if st := tk.Stat().State; st != 'S' {
			t.Fatalf("sample state %q before freeze, want 'S'", st)
		}

		ltpV1Write(t, h, "/child", "FROZEN")
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
		ltpV1WantState(t, h, "/child", "FROZEN")

		ltpV1Write(t, h, "/child", "THAWED")
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
		ltpV1WantState(t, h, "/child", "THAWED")
	})
}

// TestLTPV1FreezeKillThaw ports freeze_kill_thaw.sh (B5): a killed frozen
// task stays frozen ('D') and listed, since v1's refrigerator is an
// uninterruptible sleep that no signal wakes; it is gone after the thaw. The
// outcome is the patch's port's; the thaw is written THAWED.
func TestLTPV1FreezeKillThaw(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	ltpV1Write(t, h, "/child", "FROZEN")
	waitFrozen(t, c)
	ltpAssertFrozen(t, tk)

	tk.Kill()
	select { // a short wait, only to show that the task did NOT exit
	case <-tk.Done():
		t.Fatalf("killed frozen task exited before the thaw")
	case <-time.After(quiet):
	}
	ltpAssertFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	ltpV1WantState(t, h, "/child", "FROZEN")

	ltpV1Write(t, h, "/child", "THAWED")
	waitDone(t, tk)
	ltpInTasks(t, h, "/child", tk, false)
	if _, ok := h.Task(tk.PID()); ok {
		t.Errorf("h.Task(%d) still finds the killed task", tk.PID())
	}
	ltpV1WantState(t, h, "/child", "THAWED")
}

// TestLTPV1FreezeMoveThaw ports freeze_move_thaw.sh (B6) with the script's
// alternative semantics, which are v1's: the move succeeds and the task adopts
// the destination's state. Where the patch's port gets EBUSY both ways, here
// a frozen task moved out of FROZEN child into THAWED child2 thaws there,
// child staying FROZEN (v1 leaves the source as it is); a running task moved
// into a FROZEN cgroup freezes there; and a frozen task moved between two
// FROZEN cgroups stays frozen throughout.
func TestLTPV1FreezeMoveThaw(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	c2 := ltpV1Mkdir(t, h, "/child2")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	ltpV1Write(t, h, "/child", "FROZEN")
	waitFrozen(t, c)
	ltpAssertFrozen(t, tk)

	// Out of FROZEN into THAWED: the task thaws in child2.
	ltpV1Move(t, h, "/child2", tk)
	ltpInTasks(t, h, "/child", tk, false)
	ltpInTasks(t, h, "/child2", tk, true)
	ltpWaitNotFrozen(t, tk)
	ltpWaitSleeping(t, tk)
	if st := tk.Stat(); st.Freezing {
		t.Errorf("task moved into THAWED child2: %+v, want no freeze request", st)
	}
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpV1WantState(t, h, "/child2", "THAWED")

	ltpV1Write(t, h, "/child", "THAWED")
	ltpV1WantState(t, h, "/child", "THAWED")
	if st := tk.Stat(); st.Frozen || st.Freezing || st.Cgroup != "/child2" {
		t.Errorf("task after thawing child: %+v, want running in /child2", st)
	}

	// Into FROZEN: child is empty, so FROZEN at once; the task freezes there.
	ltpV1Write(t, h, "/child", "FROZEN")
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpV1Move(t, h, "/child", tk)
	waitFrozen(t, c)
	ltpAssertFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	ltpInTasks(t, h, "/child2", tk, false)
	ltpV1WantState(t, h, "/child2", "THAWED")

	// From FROZEN to FROZEN: the task never thaws.
	ltpV1Write(t, h, "/child2", "FROZEN")
	ltpV1WantState(t, h, "/child2", "FROZEN")
	ltpV1Move(t, h, "/child2", tk)
	ltpAssertFrozen(t, tk)
	waitFrozen(t, c2)
	ltpAssertFrozen(t, tk)
	ltpV1WantState(t, h, "/child", "FROZEN")

	ltpV1Write(t, h, "/child2", "THAWED")
	ltpWaitNotFrozen(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child2", tk, true)
	ltpV1WantState(t, h, "/child2", "THAWED")
}

// TestLTPV1FreezeCancel ports freeze_cancel.sh (B7) deterministically: a task
// in an uninterruptible wait holds the cgroup in FREEZING while a busy task
// freezes, and writing THAWED then cancels the freeze. Unlike the patch's
// port, the write of FROZEN succeeds (v1 has no EBUSY) and the thaw is written
// THAWED; as there, the blocked task's request is gone, so it does not freeze
// when released.
func TestLTPV1FreezeCancel(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	release, releaseNow := holdGate(t) // closed before Shutdown: a D wait is not killable
	resumed := make(chan struct{}, 1)
	dtask := ltpV1SpawnD(t, c, release, resumed)
	var spins atomic.Int64
	btask := spawn(t, c, "busy", func(tk *freezer.Task) {
		for {
			spins.Add(1)
			tk.TryToFreeze()
		}
	})

	ltpV1Write(t, h, "/child", "FROZEN")
	waitFor(t, "busy task frozen", btask.Frozen)
	if got := ltpReadState(t, h, "/child"); got != "FREEZING" {
		t.Fatalf("state %q with a task in D, want FREEZING", got)
	}
	if st := dtask.Stat(); st.Frozen || !st.Freezing || st.State != 'D' {
		t.Errorf("blocked task %+v, want D with a pending freeze request", st)
	}

	ltpV1Write(t, h, "/child", "THAWED")
	ltpV1WantState(t, h, "/child", "THAWED")
	if st := dtask.Stat(); st.Frozen || st.Freezing {
		t.Errorf("blocked task after cancel %+v, want no freeze request", st)
	}
	ltpWaitNotFrozen(t, btask)
	n := spins.Load()
	waitFor(t, "busy task running again", func() bool { return spins.Load() > n })

	releaseNow()
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatalf("released task did not resume (froze on a cancelled request?): %+v", dtask.Stat())
	}
	if st := dtask.Stat(); st.Frozen || st.Freezing {
		t.Errorf("released task %+v, want not frozen", st)
	}
	ltpV1WantState(t, h, "/child", "THAWED")
}

// TestLTPV1FreezeSelfThaw ports freeze_self_thaw.sh (B8): a task moves itself
// into the cgroup and writes FROZEN to its own cgroup; the write returns, the
// task parks at its next safe point, and continues after the thaw. The
// outcome is the patch's port's; the thaw is written THAWED.
func TestLTPV1FreezeSelfThaw(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
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

	ltpV1Write(t, h, "/child", "THAWED")
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
	ltpV1WantState(t, h, "/child", "THAWED")
}

// ltpV1WantStoppedFrozen asserts v1's view of a stopped task in a FROZEN
// cgroup: since 6.1 the kernel moves it to TASK_FROZEN, so ps shows 'D', and
// it is under the freeze (frozen, or holding its request).
func ltpV1WantStoppedFrozen(t testing.TB, tk *freezer.Task) {
	t.Helper()
	if st := tk.Stat(); st.State != 'D' || !(st.Frozen || st.Freezing) || st.Cgroup != "/child" {
		t.Errorf("stopped task in FROZEN /child: %+v (state %q), want 'D' under the freeze", st, st.State)
	}
}

// ltpV1WantStopped asserts that tk is stopped ('T') with no freeze left.
func ltpV1WantStopped(t testing.TB, what string, tk *freezer.Task) {
	t.Helper()
	if st := tk.Stat(); st.State != 'T' || st.Frozen || st.Freezing {
		t.Errorf("%s: %+v (state %q), want stopped 'T', not frozen", what, st, st.State)
	}
}

// TestLTPV1StopFreezeThawCont ports stop_freeze_thaw_cont.sh (B9): a stopped
// task does not hold up FROZEN, stays stopped after the thaw, and only
// SIGCONT resumes it. Unlike the patch's port, where it shows 'T' throughout,
// in v1 it shows 'D' while the cgroup is FROZEN and 'T' again after the thaw;
// the thaw is written THAWED.
func TestLTPV1StopFreezeThawCont(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	tk := ltpStartSample(t, h, "/child")
	ltpWaitSleeping(t, tk)

	tk.Stop()
	waitFor(t, "task stopped (T)", func() bool { return tk.Stat().State == 'T' })

	ltpV1Write(t, h, "/child", "FROZEN")
	waitFrozen(t, c)
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpV1WantStoppedFrozen(t, tk)

	ltpV1Write(t, h, "/child", "THAWED")
	ltpV1WantState(t, h, "/child", "THAWED")
	ltpV1WantStopped(t, "task after thaw", tk)
	ltpAlive(t, tk)

	tk.Continue()
	ltpWaitSleeping(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	if st := tk.Stat(); st.Frozen || st.Freezing {
		t.Errorf("task after SIGCONT %+v, want not frozen", st)
	}
}

// TestLTPV1StopFreezeSleepThawCont ports stop_freeze_sleep_thaw_cont.sh (B10)
// on synctest's fake clock: as B9 with 10 s spent FROZEN, past the task's 5 s
// timer: after the thaw it is still there and stopped, and it exits at the
// very instant of SIGCONT. Unlike the patch's port it shows 'D' while FROZEN,
// 'T' after the thaw; the states read THAWED.
func TestLTPV1StopFreezeSleepThawCont(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := ltpV1NewBubble()
		defer shutdown(t, h)
		ltpV1Mkdir(t, h, "/child")
		start := time.Now()
		tk := ltpStartSample(t, h, "/child")
		synctest.Wait()

		tk.Stop()
		synctest.Wait()
		if st := tk.Stat().State; st != 'T' {
			t.Fatalf("state %q after SIGSTOP, want 'T'", st)
		}

		ltpV1Write(t, h, "/child", "FROZEN")
		synctest.Wait()
		if got := ltpReadState(t, h, "/child"); got != "FROZEN" {
			t.Fatalf("state %q, want FROZEN", got)
		}
		ltpV1WantStoppedFrozen(t, tk)

		time.Sleep(2 * ltpSampleSleep) // the script's sleep 10, in fake time
		synctest.Wait()
		ltpV1WantStoppedFrozen(t, tk)
		ltpV1WantState(t, h, "/child", "FROZEN")

		ltpV1Write(t, h, "/child", "THAWED")
		synctest.Wait()
		select {
		case <-tk.Done():
			t.Fatalf("stopped task exited at the thaw, before SIGCONT")
		default:
		}
		ltpV1WantStopped(t, "task after thaw", tk)
		ltpInTasks(t, h, "/child", tk, true)
		ltpV1WantState(t, h, "/child", "THAWED")

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

// TestLTPV1ForkFreeze ports fork_freeze.sh (B11): a cgroup whose tasks fork
// hard (a bounded fork bomb) still converges to FROZEN, every task frozen
// ('D'), children forked during FREEZING included; then it thaws and the bomb
// ends. The outcome is the patch's port's; in v1 the fork hook reads the
// flags the write set before it walked the tasks, and the thaw is written
// THAWED.
func TestLTPV1ForkFreeze(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
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
	time.Sleep(quiet) // only to show that nothing forks while FROZEN
	if got := len(ltpTaskPIDs(t, h, "/child")); got != pids {
		t.Errorf("tasks while FROZEN went from %d to %d", pids, got)
	}
	if got := total.Load(); got != forks {
		t.Errorf("forks attempted while FROZEN went from %d to %d", forks, got)
	}

	ltpV1Write(t, h, "/child", "THAWED")
	ltpV1WantState(t, h, "/child", "THAWED")
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

// TestLTPV1VforkFreeze ports vfork_freeze.sh with vfork.c (B12, a TODO in
// LTP's runner; the patch's ports have none): a tracer and a task C, waiting
// in vfork for a grandchild G that sits in a traced stop outside the cgroup,
// are moved into the cgroup and frozen. The vfork parent does not hold the
// freeze up: FROZEN; the tracer is frozen ('D') and C shows 'D' under the
// freeze. After THAWED neither is frozen; C still shows 'D', as it is still
// in its vfork wait (LTP's assert_task_not_frozen, which rejects any 'D',
// would fail here on a real kernel too). When the tracer detaches and G
// exits, C's vfork returns.
func TestLTPV1VforkFreeze(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	detach, detachNow := holdGate(t)
	gExit, gExitNow := holdGate(t)
	gReady, gReadyNow := holdGate(t)
	var g atomic.Pointer[freezer.Task]
	vforked := make(chan error, 1)

	tracer := spawn(t, h.Root(), "vfork_tracer", func(tk *freezer.Task) {
		tk.Wait(gReady) // PTRACE_O_TRACEVFORK reports the grandchild
		g.Load().Trace()
		tk.Wait(detach) // the tracer sleeps
		g.Load().Untrace()
		gExitNow()
		sleeper(tk)
	})
	vc := spawn(t, h.Root(), "vfork", func(tk *freezer.Task) {
		vforked <- tk.Vfork("vfork_child", func(gk *freezer.Task) {
			g.Store(gk)
			gReadyNow()
			gk.Wait(gExit)
		})
		sleeper(tk)
	})
	waitFor(t, "grandchild in a traced stop (t)", func() bool {
		gk := g.Load()
		return gk != nil && gk.Stat().State == 't'
	})
	ltpWaitSleeping(t, tracer)
	waitFor(t, "vfork parent in its vfork wait (D)", func() bool { return vc.Stat().State == 'D' })
	ltpV1Move(t, h, "/child", vc)
	ltpV1Move(t, h, "/child", tracer)

	ltpV1Write(t, h, "/child", "FROZEN")
	waitFrozen(t, c)
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpAssertFrozen(t, tracer)
	if st := vc.Stat(); st.State != 'D' || !(st.Frozen || st.Freezing) {
		t.Errorf("vfork parent in FROZEN cgroup %+v (state %q), want 'D' under the freeze", st, st.State)
	}
	if st := g.Load().Stat(); st.State != 't' || st.Frozen || st.Freezing || st.Cgroup != "/" {
		t.Errorf("grandchild outside the cgroup %+v (state %q), want traced 't' in / and not frozen", st, st.State)
	}
	select {
	case err := <-vforked:
		t.Fatalf("vfork returned (%v) while the grandchild is traced", err)
	default:
	}

	ltpV1Write(t, h, "/child", "THAWED")
	ltpV1WantState(t, h, "/child", "THAWED")
	ltpWaitNotFrozen(t, tracer)
	if st := vc.Stat(); st.State != 'D' || st.Frozen || st.Freezing {
		t.Errorf("vfork parent after thaw %+v (state %q), want 'D' in its vfork wait, not frozen", st, st.State)
	}

	detachNow()
	select {
	case err := <-vforked:
		if err != nil {
			t.Errorf("Vfork: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("vfork did not return after the detach: parent %+v, grandchild %+v", vc.Stat(), g.Load().Stat())
	}
	waitDone(t, g.Load())
	ltpWaitSleeping(t, vc)
	ltpAlive(t, vc)
	ltpAlive(t, tracer)
	ltpInTasks(t, h, "/child", vc, true)
	ltpInTasks(t, h, "/child", tracer, true)
}

// TestV1MkdirUnderFrozenParent: a cgroup made under a FROZEN parent starts
// FROZEN (it has no task yet) with parent_freezing 1 and self_freezing 0; a
// task moved into it freezes; thawing the parent thaws it, as it has no freeze
// of its own. In the patch a new cgroup reads RUNNING whatever its parent.
func TestV1MkdirUnderFrozenParent(t *testing.T) {
	h := ltpV1New(t)
	p := ltpV1Mkdir(t, h, "/parent")
	ltpV1Write(t, h, "/parent", "FROZEN")
	ltpV1WantState(t, h, "/parent", "FROZEN")

	if err := h.Mkdir("/parent/child"); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	ltpV1WantState(t, h, "/parent/child", "FROZEN")
	ltpV1WantFlags(t, h, "/parent/child", false, true)
	ltpV1WantFlags(t, h, "/parent", true, false)
	ltpV1WantState(t, h, "/parent", "FROZEN")

	tk, w := spawnWorker(t, h.Root(), "worker")
	ltpWaitSleeping(t, tk)
	ltpV1Move(t, h, "/parent/child", tk)
	waitFrozen(t, p)
	ltpAssertFrozen(t, tk)
	ltpV1WantState(t, h, "/parent/child", "FROZEN")
	staysPut(t, "task in the new child of a FROZEN parent", w)

	ltpV1Write(t, h, "/parent", "THAWED")
	ltpV1WantState(t, h, "/parent", "THAWED")
	ltpV1WantState(t, h, "/parent/child", "THAWED")
	ltpV1WantFlags(t, h, "/parent/child", false, false)
	runsAgain(t, "task after the parent's thaw", w)
}

// TestV1ThawChildClearsOnlySelf: THAWED written to a child clears only the
// child's own freeze. Under a FROZEN parent the child stays FROZEN
// (self_freezing 0, parent_freezing 1) and its task stays frozen; a child
// with its own freeze stays FROZEN when the parent thaws (self 1, parent 0),
// and thaws when it is written THAWED itself. The patch's hierarchy is flat.
func TestV1ThawChildClearsOnlySelf(t *testing.T) {
	h := ltpV1New(t)
	p := ltpV1Mkdir(t, h, "/parent")
	c := ltpV1Mkdir(t, h, "/parent/child")
	tk, w := spawnWorker(t, c, "worker")
	ltpWaitSleeping(t, tk)

	ltpV1Write(t, h, "/parent", "FROZEN")
	waitFrozen(t, p)
	ltpV1WantState(t, h, "/parent/child", "FROZEN")
	ltpV1WantFlags(t, h, "/parent/child", false, true)
	ltpAssertFrozen(t, tk)

	// The child's THAWED clears a bit it does not have: the parent holds it.
	ltpV1Write(t, h, "/parent/child", "THAWED")
	ltpV1WantState(t, h, "/parent/child", "FROZEN")
	ltpV1WantFlags(t, h, "/parent/child", false, true)
	staysPut(t, "task under a FROZEN parent after its cgroup's THAWED", w)
	ltpAssertFrozen(t, tk)

	// With its own freeze too, the child outlives the parent's thaw.
	ltpV1Write(t, h, "/parent/child", "FROZEN")
	ltpV1WantFlags(t, h, "/parent/child", true, true)
	ltpV1Write(t, h, "/parent", "THAWED")
	ltpV1WantState(t, h, "/parent", "THAWED")
	ltpV1WantState(t, h, "/parent/child", "FROZEN")
	ltpV1WantFlags(t, h, "/parent/child", true, false)
	staysPut(t, "task in a self-frozen child after the parent's THAWED", w)
	ltpAssertFrozen(t, tk)

	ltpV1Write(t, h, "/parent/child", "THAWED")
	ltpV1WantState(t, h, "/parent/child", "THAWED")
	ltpV1WantFlags(t, h, "/parent/child", false, false)
	runsAgain(t, "task after its cgroup's THAWED", w)
}

// TestV1MoveIntoFrozenRefreezes: a task moved into a FROZEN cgroup sends it,
// and each FROZEN ancestor, back to FREEZING until the task freezes. The task
// is in an uninterruptible wait, so the FREEZING lasts until the wait ends; a
// FROZEN sibling of the path is not touched. Then the task freezes and a read
// of the top marks the whole path FROZEN again. In the patch the move fails
// with EBUSY.
func TestV1MoveIntoFrozenRefreezes(t *testing.T) {
	h := ltpV1New(t)
	a := ltpV1Mkdir(t, h, "/a")
	ltpV1Mkdir(t, h, "/a/b")
	ltpV1Mkdir(t, h, "/a/b/c")
	ltpV1Mkdir(t, h, "/a/d")
	ltpV1Write(t, h, "/a", "FROZEN")
	for _, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d"} {
		ltpV1WantState(t, h, p, "FROZEN")
	}

	release, releaseNow := holdGate(t) // closed before Shutdown: a D wait is not killable
	resumed := make(chan struct{}, 1)
	tk := ltpV1SpawnD(t, h.Root(), release, resumed)
	ltpV1Move(t, h, "/a/b/c", tk)
	if st := tk.Stat(); st.State != 'D' || st.Frozen || !st.Freezing {
		t.Errorf("task in D moved into FROZEN /a/b/c: %+v (state %q), want 'D' with a freeze request", st, st.State)
	}
	for _, p := range []string{"/a/b/c", "/a/b", "/a"} {
		ltpV1WantState(t, h, p, "FREEZING")
	}
	ltpV1WantState(t, h, "/a/d", "FROZEN")
	ltpV1WantFlags(t, h, "/a/b/c", false, true)
	ltpV1WantFlags(t, h, "/a", true, false)
	time.Sleep(quiet) // only to show that the FREEZING lasts while the task is in D
	ltpV1WantState(t, h, "/a", "FREEZING")

	releaseNow()
	waitFrozen(t, a)
	for _, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d"} {
		ltpV1WantState(t, h, p, "FROZEN")
	}
	ltpAssertFrozen(t, tk)
	select {
	case <-resumed:
		t.Errorf("task ran past the end of its wait in a FROZEN cgroup")
	default:
	}

	ltpV1Write(t, h, "/a", "THAWED")
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatalf("task did not resume after the thaw: %+v", tk.Stat())
	}
	ltpWaitNotFrozen(t, tk)
	ltpV1WantState(t, h, "/a/b/c", "THAWED")
}

// TestV1UninterruptibleKeepsFreezing: a task that cannot freeze now (an
// uninterruptible wait) keeps its cgroup FREEZING, and the writes of FROZEN
// succeed all the same, through the file and through Freeze: v1 has no
// EBUSY. The other task freezes meanwhile; the blocked one keeps its request
// and freezes when its wait ends, and the cgroup then reads FROZEN. In the
// patch the write fails with EBUSY.
func TestV1UninterruptibleKeepsFreezing(t *testing.T) {
	h := ltpV1New(t)
	c := ltpV1Mkdir(t, h, "/child")
	release, releaseNow := holdGate(t) // closed before Shutdown: a D wait is not killable
	resumed := make(chan struct{}, 1)
	dtask := ltpV1SpawnD(t, c, release, resumed)
	stk, w := spawnWorker(t, c, "sleeper")
	ltpWaitSleeping(t, stk)

	ltpV1Write(t, h, "/child", "FROZEN")
	if err := c.Freeze(); err != nil {
		t.Errorf("Freeze with a task in D: %v, want nil (v1 has no EBUSY)", err)
	}
	waitFor(t, "sleeping task frozen", stk.Frozen)
	ltpAssertFrozen(t, stk)
	ltpV1WantState(t, h, "/child", "FREEZING")
	if st := dtask.Stat(); st.State != 'D' || st.Frozen || !st.Freezing {
		t.Errorf("task in D: %+v (state %q), want 'D' with a freeze request", st, st.State)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Errorf("State() = %v, want FREEZING", s)
	}
	staysPut(t, "frozen sleeper beside a task in D", w) // also lets time pass
	ltpV1WantState(t, h, "/child", "FREEZING")

	releaseNow()
	waitFrozen(t, c)
	ltpV1WantState(t, h, "/child", "FROZEN")
	ltpAssertFrozen(t, dtask)
	select {
	case <-resumed:
		t.Errorf("task ran past the end of its wait with a freeze request")
	default:
	}

	ltpV1Write(t, h, "/child", "THAWED")
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatalf("task did not resume after the thaw: %+v", dtask.Stat())
	}
	runsAgain(t, "sleeper after the thaw", w)
	ltpV1WantState(t, h, "/child", "THAWED")
}
