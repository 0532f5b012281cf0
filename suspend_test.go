package freezer_test

// System suspend (patch 4/4): FreezeProcesses and ThawProcesses against cgroup
// freezes, uninterruptible waits, NoFreeze tasks and forks.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/google/go-cmp/cmp"
)

// suspBusy is a CPU-bound task counting its loops; it freezes only at its
// safe point.
func suspBusy(n *atomic.Int64) func(*freezer.Task) {
	return func(t *freezer.Task) {
		for {
			n.Add(1)
			t.TryToFreeze()
		}
	}
}

// suspBusyStill checks that a busy task's counter does not move for a while.
func suspBusyStill(t *testing.T, what string, n *atomic.Int64) {
	t.Helper()
	n0 := n.Load()
	time.Sleep(quiet)
	if n1 := n.Load(); n1 != n0 {
		t.Errorf("%s ran %d loops while it should not run", what, n1-n0)
	}
}

// suspBubblePoke pokes w inside a synctest bubble and reports how many runs
// it made once everything has settled.
func suspBubblePoke(w *worker) int64 {
	n0 := w.runs.Load()
	select {
	case w.poke <- struct{}{}:
	default:
	}
	synctest.Wait()
	return w.runs.Load() - n0
}

// suspAllTasks returns every task of the hierarchy.
func suspAllTasks(h *freezer.Hierarchy) []*freezer.Task {
	var ts []*freezer.Task
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		for tk := range c.Tasks() {
			ts = append(ts, tk)
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(h.Root())
	return ts
}

// suspFreeze freezes the hierarchy for suspend with a generous deadline.
func suspFreeze(t *testing.T, h *freezer.Hierarchy) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.FreezeProcesses(ctx); err != nil {
		t.Fatalf("FreezeProcesses: %v", err)
	}
}

// TestSuspendWithFrozenCgroup: a suspend freezes every task, and the resume
// thaws all but those of a FROZEN cgroup, which only its own thaw releases.
func TestSuspendWithFrozenCgroup(t *testing.T) {
	h := newHierarchy(t)
	a := mkdir(t, h, "a")
	b := mkdir(t, h, "b")

	aTask, aw := spawnWorker(t, a, "a-sleeper")
	var aBusy atomic.Int64
	aBusyTask, err := a.Spawn("a-busy", suspBusy(&aBusy))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Freeze(); err != nil {
		t.Fatal(err)
	}
	waitFrozen(t, a)

	bTask, bw := spawnWorker(t, b, "b-sleeper")
	var bBusy atomic.Int64
	bBusyTask, err := b.Spawn("b-busy", suspBusy(&bBusy))
	if err != nil {
		t.Fatal(err)
	}
	rTask, rw := spawnWorker(t, h.Root(), "root-sleeper")
	waitFor(t, "b-busy running", func() bool { return bBusy.Load() > 0 })
	waitFor(t, "b-sleeper sleeping", func() bool { return bTask.Stat().State == 'S' })

	suspFreeze(t, h)
	all := suspAllTasks(h)
	if len(all) != 5 {
		t.Fatalf("%d tasks in the hierarchy, want 5", len(all))
	}
	for _, tk := range all {
		if st := tk.Stat(); !st.Frozen || st.State != 'D' {
			t.Errorf("after FreezeProcesses: %+v, want frozen D", st)
		}
	}
	// The suspend is not a cgroup state.
	wantState(t, a, freezer.Frozen)
	wantState(t, b, freezer.Running)
	staysPut(t, "b-sleeper during suspend", bw)
	suspBusyStill(t, "b-busy during suspend", &bBusy)

	h.ThawProcesses()
	runsAgain(t, "b-sleeper", bw)
	runsAgain(t, "root-sleeper", rw)
	n := bBusy.Load()
	waitFor(t, "b-busy runs again", func() bool { return bBusy.Load() > n })
	for _, tk := range []*freezer.Task{bTask, bBusyTask, rTask} {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("after ThawProcesses: %+v, want thawed", st)
		}
	}
	// The cgroup freeze survives the resume.
	wantState(t, a, freezer.Frozen)
	for _, tk := range []*freezer.Task{aTask, aBusyTask} {
		if st := tk.Stat(); !st.Frozen {
			t.Errorf("task of FROZEN cgroup after ThawProcesses: %+v, want frozen", st)
		}
	}
	staysPut(t, "a-sleeper after resume", aw)
	suspBusyStill(t, "a-busy after resume", &aBusy)

	if err := a.Thaw(); err != nil {
		t.Fatal(err)
	}
	runsAgain(t, "a-sleeper", aw)
	n = aBusy.Load()
	waitFor(t, "a-busy runs again", func() bool { return aBusy.Load() > n })
}

// TestSuspendFreezingCgroupSurvivesFailedSuspend: a cgroup held FREEZING by a
// task in an uninterruptible wait keeps its frozen tasks frozen through the
// thaw of a failed suspend (cgroup_freezing_or_frozen, the 2010 fix); the
// freeze completes when the wait ends.
func TestSuspendFreezingCgroupSurvivesFailedSuspend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		defer func() {
			if err := h.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		}()
		gate := make(chan struct{})
		var once sync.Once
		open := func() { once.Do(func() { close(gate) }) }
		defer open()

		f, err := h.Root().Mkdir("f")
		if err != nil {
			t.Fatal(err)
		}
		dw := newWorker()
		d, err := f.Spawn("dwait", func(tk *freezer.Task) {
			tk.WaitUninterruptible(gate)
			dw.run(tk)
		})
		if err != nil {
			t.Fatal(err)
		}
		fTask, fw := spawnWorker(t, f, "f-sleeper")
		rTask, rw := spawnWorker(t, h.Root(), "root-sleeper")
		synctest.Wait()

		err = f.Freeze()
		var be *freezer.BusyError
		if !errors.Is(err, syscall.EBUSY) || !errors.As(err, &be) {
			t.Fatalf("Freeze with a D task: %v, want EBUSY with a *BusyError", err)
		}
		if diff := cmp.Diff([]int{d.PID()}, be.PIDs()); diff != "" {
			t.Fatalf("busy PIDs (-want +got):\n%s", diff)
		}
		synctest.Wait()
		wantState(t, f, freezer.Freezing)
		if !fTask.Frozen() {
			t.Fatalf("f-sleeper not frozen in FREEZING cgroup: %+v", fTask.Stat())
		}

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err = h.FreezeProcesses(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &be) {
			t.Fatalf("FreezeProcesses with a D task: %v, want DeadlineExceeded with a *BusyError", err)
		}
		if diff := cmp.Diff([]int{d.PID()}, be.PIDs()); diff != "" {
			t.Fatalf("FreezeProcesses busy PIDs (-want +got):\n%s", diff)
		}
		synctest.Wait()

		// The failed suspend thawed the root's task but not the FREEZING cgroup's.
		if st := rTask.Stat(); st.Frozen || st.Freezing {
			t.Errorf("root task after failed suspend: %+v, want thawed", st)
		}
		if n := suspBubblePoke(rw); n != 1 {
			t.Errorf("root task ran %d times after failed suspend, want 1", n)
		}
		wantState(t, f, freezer.Freezing)
		if st := fTask.Stat(); !st.Frozen {
			t.Errorf("FREEZING cgroup's task after failed suspend: %+v, want frozen", st)
		}
		if n := suspBubblePoke(fw); n != 0 {
			t.Errorf("FREEZING cgroup's task ran %d times after failed suspend", n)
		}
		if !d.Freezing() {
			t.Errorf("D task lost its cgroup's freeze request: %+v", d.Stat())
		}

		// The wait ends: the D task takes its cgroup's request and f is FROZEN.
		open()
		synctest.Wait()
		wantState(t, f, freezer.Frozen)
		if st := d.Stat(); !st.Frozen {
			t.Errorf("D task after its wait: %+v, want frozen", st)
		}
		if err := f.Thaw(); err != nil {
			t.Fatal(err)
		}
		if n := suspBubblePoke(fw); n != 1 {
			t.Errorf("f-sleeper ran %d times after thaw, want 1", n)
		}
		if n := suspBubblePoke(dw); n != 1 {
			t.Errorf("D task ran %d times after thaw, want 1", n)
		}
	})
}

// TestSuspendTimeout: a task in an uninterruptible wait refuses to freeze; the
// suspend gives up at its deadline, names that task, and thaws every other
// task. A second suspend meanwhile is EBUSY; one after the wait succeeds.
func TestSuspendTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		defer func() {
			if err := h.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		}()
		gate := make(chan struct{})
		var once sync.Once
		open := func() { once.Do(func() { close(gate) }) }
		defer open()

		b, err := h.Root().Mkdir("b")
		if err != nil {
			t.Fatal(err)
		}
		dw := newWorker()
		d, err := b.Spawn("dwait", func(tk *freezer.Task) {
			tk.WaitUninterruptible(gate)
			dw.run(tk)
		})
		if err != nil {
			t.Fatal(err)
		}
		others := map[string]*worker{}
		var otherTasks []*freezer.Task
		for i, c := range []*freezer.Cgroup{b, b, h.Root()} {
			tk, w := spawnWorker(t, c, fmt.Sprintf("sleeper%d", i))
			others[tk.Name()] = w
			otherTasks = append(otherTasks, tk)
		}
		slept, err := b.Spawn("nap", sleeper)
		if err != nil {
			t.Fatal(err)
		}
		otherTasks = append(otherTasks, slept)
		synctest.Wait()

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		res := make(chan error, 1)
		go func() { res <- h.FreezeProcesses(ctx) }()
		synctest.Wait()
		// Mid-suspend: every other task is frozen; d holds the suspend up.
		for _, tk := range otherTasks {
			if st := tk.Stat(); !st.Frozen {
				t.Errorf("mid-suspend: %+v, want frozen", st)
			}
		}
		if st := d.Stat(); st.State != 'D' || st.Frozen {
			t.Errorf("D task mid-suspend: %+v, want D, not frozen", st)
		}
		if err := h.FreezeProcesses(context.Background()); !errors.Is(err, syscall.EBUSY) {
			t.Errorf("second FreezeProcesses during a suspend: %v, want EBUSY", err)
		}

		err = <-res
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("FreezeProcesses: %v, want DeadlineExceeded", err)
		}
		var be *freezer.BusyError
		if !errors.As(err, &be) {
			t.Fatalf("FreezeProcesses: %v, want a *BusyError", err)
		}
		if diff := cmp.Diff([]int{d.PID()}, be.PIDs()); diff != "" {
			t.Fatalf("busy PIDs (-want +got):\n%s", diff)
		}
		if msg := err.Error(); !strings.Contains(msg, strconv.Itoa(d.PID())) || !strings.Contains(msg, "dwait") {
			t.Errorf("error %q does not name the refusing task (%d, dwait)", msg, d.PID())
		}

		synctest.Wait()
		for _, tk := range append(otherTasks, d) {
			if st := tk.Stat(); st.Frozen || st.Freezing {
				t.Errorf("after failed suspend: %+v, want thawed", st)
			}
		}
		for name, w := range others {
			if n := suspBubblePoke(w); n != 1 {
				t.Errorf("%s ran %d times after failed suspend, want 1", name, n)
			}
		}
		if st := slept.Stat(); st.State != 'S' {
			t.Errorf("nap after failed suspend: %+v, want S", st)
		}
		wantState(t, b, freezer.Running)

		// The wait ends: d runs unfrozen, and a new suspend now succeeds.
		open()
		if n := suspBubblePoke(dw); n != 1 {
			t.Errorf("D task ran %d times after its wait, want 1", n)
		}
		if err := h.FreezeProcesses(context.Background()); err != nil {
			t.Fatalf("FreezeProcesses after the wait: %v", err)
		}
		for _, tk := range append(otherTasks, d) {
			if !tk.Frozen() {
				t.Errorf("after FreezeProcesses: %+v, want frozen", tk.Stat())
			}
		}
		h.ThawProcesses()
		if n := suspBubblePoke(dw); n != 1 {
			t.Errorf("D task ran %d times after resume, want 1", n)
		}
	})
}

// TestSuspendNoFreeze: NoFreeze tasks are skipped (the suspend succeeds and
// they keep running, holding their cgroup FREEZING); a task forked during the
// suspend freezes before its code runs; the resume leaves the FREEZING
// cgroup's frozen task frozen.
func TestSuspendNoFreeze(t *testing.T) {
	h := newHierarchy(t)
	g := mkdir(t, h, "g")
	nf, nw := spawnWorker(t, g, "nofreeze", freezer.NoFreeze())
	gTask, gw := spawnWorker(t, g, "g-sleeper")
	rTask, rw := spawnWorker(t, h.Root(), "root-sleeper")

	err := g.Freeze()
	var be *freezer.BusyError
	if !errors.Is(err, syscall.EBUSY) || !errors.As(err, &be) {
		t.Fatalf("Freeze with a NoFreeze task: %v, want EBUSY with a *BusyError", err)
	}
	if diff := cmp.Diff([]int{nf.PID()}, be.PIDs()); diff != "" {
		t.Fatalf("busy PIDs (-want +got):\n%s", diff)
	}
	waitFor(t, "g-sleeper frozen", gTask.Frozen)
	wantState(t, g, freezer.Freezing)

	suspFreeze(t, h)
	if st := rTask.Stat(); !st.Frozen {
		t.Errorf("root task during suspend: %+v, want frozen", st)
	}
	if st := nf.Stat(); st.Frozen || st.Freezing {
		t.Errorf("NoFreeze task during suspend: %+v, want neither frozen nor freezing", st)
	}
	runsAgain(t, "NoFreeze task during suspend", nw)
	staysPut(t, "root task during suspend", rw)

	// A task forked during the suspend freezes before its function runs.
	var ran atomic.Bool
	late, err := h.Root().Spawn("late", func(tk *freezer.Task) {
		ran.Store(true)
		sleeper(tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "task forked during suspend frozen", late.Frozen)
	time.Sleep(quiet)
	if ran.Load() {
		t.Fatal("task forked during the suspend ran its function before the resume")
	}

	h.ThawProcesses()
	runsAgain(t, "root task after resume", rw)
	waitFor(t, "forked task runs after resume", ran.Load)
	wantState(t, g, freezer.Freezing)
	if st := gTask.Stat(); !st.Frozen {
		t.Errorf("FREEZING cgroup's task after resume: %+v, want frozen", st)
	}
	staysPut(t, "FREEZING cgroup's task after resume", gw)

	if err := g.Thaw(); err != nil {
		t.Fatal(err)
	}
	runsAgain(t, "g-sleeper after thaw", gw)
}

// TestSuspendForkRace: tasks forking hard while the suspend freezes them:
// FreezeProcesses converges, every task (children forked meanwhile included)
// is frozen, and no task is forked until the resume.
func TestSuspendForkRace(t *testing.T) {
	const forks = 50
	h := newHierarchy(t)
	b := mkdir(t, h, "b")
	var forked atomic.Int64
	forker := func(tk *freezer.Task) {
		for range forks {
			if _, err := tk.Fork("child", sleeper); err == nil {
				forked.Add(1)
			}
		}
		sleeper(tk)
	}
	for _, c := range []*freezer.Cgroup{b, b, h.Root()} {
		if _, err := c.Spawn("forker", forker); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "forks under way", func() bool { return forked.Load() > 0 })

	suspFreeze(t, h)
	all := suspAllTasks(h)
	for _, tk := range all {
		if st := tk.Stat(); !st.Frozen {
			t.Errorf("after FreezeProcesses: %+v, want frozen", st)
		}
	}
	n := forked.Load()
	time.Sleep(quiet)
	if got := len(suspAllTasks(h)); got != len(all) || forked.Load() != n {
		t.Fatalf("tasks forked during the suspend: %d tasks, was %d", got, len(all))
	}

	h.ThawProcesses()
	waitFor(t, "every fork done", func() bool { return forked.Load() == 3*forks })
	waitFor(t, "all tasks thawed", func() bool {
		for _, tk := range suspAllTasks(h) {
			if tk.Frozen() || tk.Freezing() {
				return false
			}
		}
		return true
	})
	if got := len(suspAllTasks(h)); got != 3+3*forks {
		t.Fatalf("%d tasks, want %d", got, 3+3*forks)
	}
}

// TestSuspendTwice: a second FreezeProcesses while one is in effect is EBUSY
// and leaves the first in effect; after the resume a new suspend works.
func TestSuspendTwice(t *testing.T) {
	h := newHierarchy(t)
	tk, w := spawnWorker(t, h.Root(), "sleeper")
	suspFreeze(t, h)
	if err := h.FreezeProcesses(context.Background()); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("second FreezeProcesses: %v, want EBUSY", err)
	}
	if !tk.Frozen() {
		t.Fatalf("after the refused second suspend: %+v, want frozen", tk.Stat())
	}
	staysPut(t, "task during suspend", w)
	h.ThawProcesses()
	runsAgain(t, "task after resume", w)

	suspFreeze(t, h)
	if !tk.Frozen() {
		t.Fatalf("after a new suspend: %+v, want frozen", tk.Stat())
	}
	h.ThawProcesses()
	runsAgain(t, "task after second resume", w)
}
