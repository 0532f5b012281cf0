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
// helpers these reuse; where the two ports take the same steps, both tests
// play the script with the same function there (ltpFreezeThaw and the
// others), given ltpV1 here or ltpPatch there. The last tests check the
// v1-only rules the scripts touch: the hierarchy, and the FREEZING that a
// task in D or a move into a FROZEN cgroup leaves behind. Every private name
// here starts with "ltpV1".

import (
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// ltpV1 is the mainline v1 freezer, for the scenarios of ltp_test.go.
var ltpV1 = ltpKernel{
	version:     freezer.V1,
	thawed:      "THAWED",
	invalid:     syscall.EINVAL,
	wantStopped: ltpV1WantStopped,
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

// ltpV1WantCgroup asserts what path's freezer.state, freezer.self_freezing
// and freezer.parent_freezing read.
func ltpV1WantCgroup(t testing.TB, h *freezer.Hierarchy, path, state string, self, parent bool) {
	t.Helper()
	ltpWantState(t, h, path, state)
	ltpV1WantFlags(t, h, path, self, parent)
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

// ltpV1WantStopped is v1's wantStopped. While /child is FROZEN: since 6.1
// the kernel moves a stopped task to TASK_FROZEN, so ps shows 'D', and it is
// under the freeze (frozen, or holding its request). After the thaw: stopped
// ('T') with no freeze left.
func ltpV1WantStopped(t testing.TB, what string, tk *freezer.Task, frozen bool) {
	t.Helper()
	st := tk.Stat()
	if frozen && (st.State != 'D' || !(st.Frozen || st.Freezing) || st.Cgroup != "/child") {
		t.Errorf("%s: %+v (state %q), want 'D' in /child under the freeze", what, st, st.State)
	}
	if !frozen && (st.State != 'T' || st.Frozen || st.Freezing) {
		t.Errorf("%s: %+v (state %q), want stopped 'T', not frozen", what, st, st.State)
	}
}

// TestLTPV1WriteFreezing ports write_freezing.sh (B1): writing FREEZING to an
// empty THAWED cgroup fails and changes nothing. Unlike the patch's port: the
// error is EINVAL (not EIO), the state reads THAWED (not RUNNING), and the
// patch's word RUNNING is itself an invalid write.
func TestLTPV1WriteFreezing(t *testing.T) {
	ltpWriteFreezing(t, ltpV1, "FREEZING", "FREEZING\n", "RUNNING")
}

// TestLTPV1FreezeWriteFreezing ports freeze_write_freezing.sh (B2): FREEZING
// cannot be written, so writing it to a FROZEN cgroup fails and the cgroup
// stays FROZEN with its own freeze still set. Unlike the patch's port: EINVAL
// (not EIO).
func TestLTPV1FreezeWriteFreezing(t *testing.T) { ltpFreezeWriteFreezing(t, ltpV1) }

// TestLTPV1FreezeThaw ports freeze_thaw.sh (B3): freeze -> FROZEN, the sleep
// process frozen ('D'); thaw -> THAWED, the task not frozen and alive. The
// outcome is the patch's port's; the thaw is written THAWED (not RUNNING).
func TestLTPV1FreezeThaw(t *testing.T) { ltpFreezeThaw(t, ltpV1) }

// TestLTPV1FreezeSleepThaw ports freeze_sleep_thaw.sh (B4) on synctest's fake
// clock: the sleep 5 task is frozen for 10 s, stays there and frozen, and
// exits at the very instant of the thaw, its deadline having passed. The
// outcome is the patch's port's; the states read THAWED (not RUNNING), and
// the thaw is written THAWED.
func TestLTPV1FreezeSleepThaw(t *testing.T) { ltpFreezeSleepThaw(t, ltpV1) }

// TestLTPV1FreezeKillThaw ports freeze_kill_thaw.sh (B5): a killed frozen
// task stays frozen ('D') and listed, since v1's refrigerator is an
// uninterruptible sleep that no signal wakes; it is gone after the thaw. The
// outcome is the patch's port's; the thaw is written THAWED.
func TestLTPV1FreezeKillThaw(t *testing.T) { ltpFreezeKillThaw(t, ltpV1) }

// TestLTPV1FreezeMoveThaw ports freeze_move_thaw.sh (B6) with the script's
// alternative semantics, which are v1's: the move succeeds and the task adopts
// the destination's state. Where the patch's port gets EBUSY both ways, here
// a frozen task moved out of FROZEN child into THAWED child2 thaws there,
// child staying FROZEN (v1 leaves the source as it is); a running task moved
// into a FROZEN cgroup freezes there; and a frozen task moved between two
// FROZEN cgroups stays frozen throughout.
func TestLTPV1FreezeMoveThaw(t *testing.T) {
	h, c, tk := ltpV1.sleepingSample(t)
	c2 := ltpV1.mkdir(t, h, "/child2")

	ltpFreeze(t, h, c)
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
	ltpWantState(t, h, "/child", "FROZEN")
	ltpWantState(t, h, "/child2", "THAWED")

	ltpWrite(t, h, "/child", "THAWED")
	ltpWantState(t, h, "/child", "THAWED")
	if st := tk.Stat(); st.Frozen || st.Freezing || st.Cgroup != "/child2" {
		t.Errorf("task after thawing child: %+v, want running in /child2", st)
	}

	// Into FROZEN: child is empty, so FROZEN at once; the task freezes there.
	ltpWrite(t, h, "/child", "FROZEN")
	ltpWantState(t, h, "/child", "FROZEN")
	ltpV1Move(t, h, "/child", tk)
	waitFrozen(t, c)
	ltpAssertFrozen(t, tk)
	ltpInTasks(t, h, "/child", tk, true)
	ltpInTasks(t, h, "/child2", tk, false)
	ltpWantState(t, h, "/child2", "THAWED")

	// From FROZEN to FROZEN: the task never thaws.
	ltpWrite(t, h, "/child2", "FROZEN")
	ltpWantState(t, h, "/child2", "FROZEN")
	ltpV1Move(t, h, "/child2", tk)
	ltpAssertFrozen(t, tk)
	waitFrozen(t, c2)
	ltpAssertFrozen(t, tk)
	ltpWantState(t, h, "/child", "FROZEN")

	ltpWrite(t, h, "/child2", "THAWED")
	ltpWaitNotFrozen(t, tk)
	ltpAlive(t, tk)
	ltpInTasks(t, h, "/child2", tk, true)
	ltpWantState(t, h, "/child2", "THAWED")
}

// TestLTPV1FreezeCancel ports freeze_cancel.sh (B7) deterministically: a task
// in an uninterruptible wait holds the cgroup in FREEZING while a busy task
// freezes, and writing THAWED then cancels the freeze. Unlike the patch's
// port, the write of FROZEN succeeds (v1 has no EBUSY) and the thaw is written
// THAWED; as there, the blocked task's request is gone, so it does not freeze
// when released.
func TestLTPV1FreezeCancel(t *testing.T) { ltpFreezeCancel(t, ltpV1) }

// TestLTPV1FreezeSelfThaw ports freeze_self_thaw.sh (B8): a task moves itself
// into the cgroup and writes FROZEN to its own cgroup; the write returns, the
// task parks at its next safe point, and continues after the thaw. The
// outcome is the patch's port's; the thaw is written THAWED.
func TestLTPV1FreezeSelfThaw(t *testing.T) { ltpFreezeSelfThaw(t, ltpV1) }

// TestLTPV1StopFreezeThawCont ports stop_freeze_thaw_cont.sh (B9): a stopped
// task does not hold up FROZEN, stays stopped after the thaw, and only
// SIGCONT resumes it. Unlike the patch's port, where it shows 'T' throughout,
// in v1 it shows 'D' while the cgroup is FROZEN and 'T' again after the thaw;
// the thaw is written THAWED.
func TestLTPV1StopFreezeThawCont(t *testing.T) { ltpStopFreezeThawCont(t, ltpV1) }

// TestLTPV1StopFreezeSleepThawCont ports stop_freeze_sleep_thaw_cont.sh (B10)
// on synctest's fake clock: as B9 with 10 s spent FROZEN, past the task's 5 s
// timer: after the thaw it is still there and stopped, and it exits at the
// very instant of SIGCONT. Unlike the patch's port it shows 'D' while FROZEN,
// 'T' after the thaw; the states read THAWED.
func TestLTPV1StopFreezeSleepThawCont(t *testing.T) { ltpStopFreezeSleepThawCont(t, ltpV1) }

// TestLTPV1ForkFreeze ports fork_freeze.sh (B11): a cgroup whose tasks fork
// hard (a bounded fork bomb) still converges to FROZEN, every task frozen
// ('D'), children forked during FREEZING included; then it thaws and the bomb
// ends. The outcome is the patch's port's; in v1 the fork hook reads the
// flags the write set before it walked the tasks, and the thaw is written
// THAWED.
func TestLTPV1ForkFreeze(t *testing.T) { ltpForkFreeze(t, ltpV1) }

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
	h := ltpV1.mount(t)
	c := ltpV1.mkdir(t, h, "/child")
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

	ltpFreeze(t, h, c)
	ltpWantState(t, h, "/child", "FROZEN")
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

	ltpWrite(t, h, "/child", "THAWED")
	ltpWantState(t, h, "/child", "THAWED")
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
	h := ltpV1.mount(t)
	p := ltpV1.mkdir(t, h, "/parent")
	ltpWrite(t, h, "/parent", "FROZEN")
	ltpWantState(t, h, "/parent", "FROZEN")

	if err := h.Mkdir("/parent/child"); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	ltpV1WantCgroup(t, h, "/parent/child", "FROZEN", false, true)
	ltpV1WantCgroup(t, h, "/parent", "FROZEN", true, false)

	tk, w := spawnWorker(t, h.Root(), "worker")
	ltpWaitSleeping(t, tk)
	ltpV1Move(t, h, "/parent/child", tk)
	waitFrozen(t, p)
	ltpAssertFrozen(t, tk)
	ltpWantState(t, h, "/parent/child", "FROZEN")
	staysPut(t, "task in the new child of a FROZEN parent", w)

	ltpWrite(t, h, "/parent", "THAWED")
	ltpV1WantCgroup(t, h, "/parent", "THAWED", false, false)
	ltpV1WantCgroup(t, h, "/parent/child", "THAWED", false, false)
	runsAgain(t, "task after the parent's thaw", w)
}

// TestV1ThawChildClearsOnlySelf: THAWED written to a child clears only the
// child's own freeze. Under a FROZEN parent the child stays FROZEN
// (self_freezing 0, parent_freezing 1) and its task stays frozen; a child
// with its own freeze stays FROZEN when the parent thaws (self 1, parent 0),
// and thaws when it is written THAWED itself. The patch's hierarchy is flat.
func TestV1ThawChildClearsOnlySelf(t *testing.T) {
	h := ltpV1.mount(t)
	p := ltpV1.mkdir(t, h, "/parent")
	c := ltpV1.mkdir(t, h, "/parent/child")
	tk, w := spawnWorker(t, c, "worker")
	ltpWaitSleeping(t, tk)

	ltpFreeze(t, h, p)
	ltpV1WantCgroup(t, h, "/parent/child", "FROZEN", false, true)
	ltpAssertFrozen(t, tk)

	// The child's THAWED clears a bit it does not have: the parent holds it.
	ltpWrite(t, h, "/parent/child", "THAWED")
	ltpV1WantCgroup(t, h, "/parent/child", "FROZEN", false, true)
	staysPut(t, "task under a FROZEN parent after its cgroup's THAWED", w)
	ltpAssertFrozen(t, tk)

	// With its own freeze too, the child outlives the parent's thaw.
	ltpWrite(t, h, "/parent/child", "FROZEN")
	ltpV1WantFlags(t, h, "/parent/child", true, true)
	ltpWrite(t, h, "/parent", "THAWED")
	ltpV1WantCgroup(t, h, "/parent", "THAWED", false, false)
	ltpV1WantCgroup(t, h, "/parent/child", "FROZEN", true, false)
	staysPut(t, "task in a self-frozen child after the parent's THAWED", w)
	ltpAssertFrozen(t, tk)

	ltpWrite(t, h, "/parent/child", "THAWED")
	ltpV1WantCgroup(t, h, "/parent/child", "THAWED", false, false)
	runsAgain(t, "task after its cgroup's THAWED", w)
}

// TestV1MoveIntoFrozenRefreezes: a task moved into a FROZEN cgroup sends it,
// and each FROZEN ancestor, back to FREEZING until the task freezes. The task
// is in an uninterruptible wait, so the FREEZING lasts until the wait ends; a
// FROZEN sibling of the path is not touched. Then the task freezes and a read
// of the top marks the whole path FROZEN again. In the patch the move fails
// with EBUSY.
func TestV1MoveIntoFrozenRefreezes(t *testing.T) {
	h := ltpV1.mount(t)
	a := ltpV1.mkdir(t, h, "/a")
	ltpV1.mkdir(t, h, "/a/b")
	ltpV1.mkdir(t, h, "/a/b/c")
	ltpV1.mkdir(t, h, "/a/d")
	ltpWrite(t, h, "/a", "FROZEN")
	for _, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d"} {
		ltpWantState(t, h, p, "FROZEN")
	}

	release, releaseNow := holdGate(t) // closed before Shutdown: a D wait is not killable
	resumed := make(chan struct{}, 1)
	tk := ltpSpawnD(t, h.Root(), release, resumed)
	ltpV1Move(t, h, "/a/b/c", tk)
	if st := tk.Stat(); st.State != 'D' || st.Frozen || !st.Freezing {
		t.Errorf("task in D moved into FROZEN /a/b/c: %+v (state %q), want 'D' with a freeze request", st, st.State)
	}
	for _, p := range []string{"/a/b/c", "/a/b", "/a"} {
		ltpWantState(t, h, p, "FREEZING")
	}
	ltpWantState(t, h, "/a/d", "FROZEN")
	ltpV1WantFlags(t, h, "/a/b/c", false, true)
	ltpV1WantFlags(t, h, "/a", true, false)
	time.Sleep(quiet) // only to show that the FREEZING lasts while the task is in D
	ltpWantState(t, h, "/a", "FREEZING")

	releaseNow()
	waitFrozen(t, a)
	for _, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d"} {
		ltpWantState(t, h, p, "FROZEN")
	}
	ltpAssertFrozen(t, tk)
	ltpNotResumed(t, resumed, "task ran past the end of its wait in a FROZEN cgroup")

	ltpWrite(t, h, "/a", "THAWED")
	ltpWaitResumed(t, tk, resumed, "task did not resume after the thaw")
	ltpWaitNotFrozen(t, tk)
	ltpWantState(t, h, "/a/b/c", "THAWED")
}

// TestV1UninterruptibleKeepsFreezing: a task that cannot freeze now (an
// uninterruptible wait) keeps its cgroup FREEZING, and the writes of FROZEN
// succeed all the same, through the file and through Freeze: v1 has no
// EBUSY. The other task freezes meanwhile; the blocked one keeps its request
// and freezes when its wait ends, and the cgroup then reads FROZEN. In the
// patch the write fails with EBUSY.
func TestV1UninterruptibleKeepsFreezing(t *testing.T) {
	h := ltpV1.mount(t)
	c := ltpV1.mkdir(t, h, "/child")
	release, releaseNow := holdGate(t) // closed before Shutdown: a D wait is not killable
	resumed := make(chan struct{}, 1)
	dtask := ltpSpawnD(t, c, release, resumed)
	stk, w := spawnWorker(t, c, "sleeper")
	ltpWaitSleeping(t, stk)

	ltpWrite(t, h, "/child", "FROZEN")
	if err := c.Freeze(); err != nil {
		t.Errorf("Freeze with a task in D: %v, want nil (v1 has no EBUSY)", err)
	}
	waitFor(t, "sleeping task frozen", stk.Frozen)
	ltpAssertFrozen(t, stk)
	ltpWantState(t, h, "/child", "FREEZING")
	if st := dtask.Stat(); st.State != 'D' || st.Frozen || !st.Freezing {
		t.Errorf("task in D: %+v (state %q), want 'D' with a freeze request", st, st.State)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Errorf("State() = %v, want FREEZING", s)
	}
	staysPut(t, "frozen sleeper beside a task in D", w) // also lets time pass
	ltpWantState(t, h, "/child", "FREEZING")

	releaseNow()
	waitFrozen(t, c)
	ltpWantState(t, h, "/child", "FROZEN")
	ltpAssertFrozen(t, dtask)
	ltpNotResumed(t, resumed, "task ran past the end of its wait with a freeze request")

	ltpWrite(t, h, "/child", "THAWED")
	ltpWaitResumed(t, dtask, resumed, "task did not resume after the thaw")
	runsAgain(t, "sleeper after the thaw", w)
	ltpWantState(t, h, "/child", "THAWED")
}
