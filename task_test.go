package freezer_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/google/go-cmp/cmp"
)

// tkWaitLetter waits, with a deadline, until tk's Stat shows letter.
func tkWaitLetter(t testing.TB, tk *freezer.Task, letter byte) {
	t.Helper()
	waitFor(t, "task "+tk.Name()+" in state "+string(letter), func() bool { return tk.Stat().State == letter })
}

// tkIsDone reports whether tk has exited, without waiting.
func tkIsDone(tk *freezer.Task) bool {
	select {
	case <-tk.Done():
		return true
	default:
		return false
	}
}

// tkRecv receives from ch with a deadline.
func tkRecv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// /proc/PID/stat letters for every kind of task, as ps shows them on a v1
// kernel: R, S, D (uninterruptible, vfork parent, frozen), T, t and Z.
func TestTaskStatLetters(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "stat")
	hold, _ := holdGate(t)

	t.Run("busy R", func(t *testing.T) {
		tk := spawn(t, c, "busy", busy)
		want := freezer.TaskStat{PID: tk.PID(), Name: "busy", Cgroup: "/stat", State: 'R'}
		if diff := cmp.Diff(want, tk.Stat()); diff != "" {
			t.Errorf("Stat (-want +got):\n%s", diff)
		}
		tk.Kill()
		waitDone(t, tk)
	})

	t.Run("Sleep S", func(t *testing.T) {
		tk := spawn(t, c, "sleeper", sleeper)
		tkWaitLetter(t, tk, 'S')
		want := freezer.TaskStat{PID: tk.PID(), Name: "sleeper", Cgroup: "/stat", State: 'S'}
		if diff := cmp.Diff(want, tk.Stat()); diff != "" {
			t.Errorf("Stat (-want +got):\n%s", diff)
		}
	})

	t.Run("Wait S", func(t *testing.T) {
		tk := spawn(t, c, "waiter", func(tk *freezer.Task) { tk.Wait(hold) })
		tkWaitLetter(t, tk, 'S')
	})

	t.Run("WaitUninterruptible D", func(t *testing.T) {
		tk := spawn(t, c, "dwait", func(tk *freezer.Task) { tk.WaitUninterruptible(hold) })
		tkWaitLetter(t, tk, 'D')
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("D wait: %+v, want neither frozen nor freezing", st)
		}
	})

	t.Run("SleepUninterruptible D", func(t *testing.T) {
		// In a bubble, so that an hour of uninterruptible sleep costs nothing.
		synctest.Test(t, func(t *testing.T) {
			h := freezer.New(freezer.WithLockChecks())
			c, err := h.Root().Mkdir("d")
			if err != nil {
				t.Fatal(err)
			}
			tk := spawn(t, c, "dsleep", func(tk *freezer.Task) { tk.SleepUninterruptible(time.Hour) })
			synctest.Wait()
			if st := tk.Stat(); st.State != 'D' {
				t.Errorf("SleepUninterruptible: %+v, want D", st)
			}
			time.Sleep(time.Hour)
			synctest.Wait()
			if !tkIsDone(tk) {
				t.Errorf("task still alive after its sleep: %+v", tk.Stat())
			}
			shutdown(t, h)
		})
	})

	t.Run("Stop T", func(t *testing.T) {
		tk := spawn(t, c, "stopped", sleeper)
		tkWaitLetter(t, tk, 'S')
		tk.Stop()
		tkWaitLetter(t, tk, 'T')
		tk.Continue()
		tkWaitLetter(t, tk, 'S')
	})

	t.Run("Trace t", func(t *testing.T) {
		tk := spawn(t, c, "traced", busy)
		tk.Trace()
		tkWaitLetter(t, tk, 't')
		tk.Untrace()
		waitFor(t, "untraced task running", func() bool { return tk.Stat().State == 'R' })
	})

	t.Run("vfork parent D", func(t *testing.T) {
		childc := make(chan *freezer.Task, 1)
		parent := spawn(t, c, "vforker", func(tk *freezer.Task) {
			tk.Vfork("vchild", func(ct *freezer.Task) {
				childc <- ct
				ct.Wait(hold)
			})
			busy(tk)
		})
		child := <-childc
		tkWaitLetter(t, child, 'S')
		tkWaitLetter(t, parent, 'D')
		if st := parent.Stat(); st.Frozen || st.Freezing {
			t.Errorf("vfork parent: %+v, want neither frozen nor freezing", st)
		}
	})

	t.Run("frozen D", func(t *testing.T) {
		fc := mkdir(t, h, "stat-frozen")
		tk := spawn(t, fc, "frozen", sleeper)
		if err := fc.Freeze(); err != nil {
			t.Fatal(err)
		}
		waitFrozen(t, fc)
		want := freezer.TaskStat{PID: tk.PID(), Name: "frozen", Cgroup: "/stat-frozen", State: 'D', Frozen: true}
		if diff := cmp.Diff(want, tk.Stat()); diff != "" {
			t.Errorf("Stat (-want +got):\n%s", diff)
		}
		if err := fc.Thaw(); err != nil {
			t.Fatal(err)
		}
		tkWaitLetter(t, tk, 'S')
	})

	t.Run("exited Z", func(t *testing.T) {
		tk := spawn(t, c, "short", func(*freezer.Task) {})
		waitDone(t, tk)
		want := freezer.TaskStat{PID: tk.PID(), Name: "short", State: 'Z'}
		if diff := cmp.Diff(want, tk.Stat()); diff != "" {
			t.Errorf("Stat (-want +got):\n%s", diff)
		}
		if tk.Cgroup() != nil {
			t.Errorf("Cgroup() = %v after exit, want nil", tk.Cgroup().Path())
		}
		if _, ok := h.Task(tk.PID()); ok {
			t.Errorf("Task(%d) still found after exit", tk.PID())
		}
	})
}

// An interrupted nanosleep restarts for the time left: time spent frozen
// counts, so a sleep that ends while frozen returns as soon as it is thawed.
func TestTaskSleepThroughFreeze(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		c, err := h.Root().Mkdir("sleep")
		if err != nil {
			t.Fatal(err)
		}
		woke := make(chan time.Time, 1)
		start := time.Now()
		tk := spawn(t, c, "sleeper", func(tk *freezer.Task) {
			tk.Sleep(10 * time.Second)
			woke <- time.Now()
			tk.Wait(make(chan struct{}))
		})

		time.Sleep(3 * time.Second)
		synctest.Wait()
		if err := c.Freeze(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if s := state(t, c); s != freezer.Frozen {
			t.Fatalf("state at 3s: %v, want FROZEN", s)
		}
		if !tk.Frozen() {
			t.Fatalf("task not frozen at 3s: %+v", tk.Stat())
		}

		time.Sleep(5 * time.Second)
		if err := c.Thaw(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case w := <-woke:
			t.Fatalf("woke at %v after the thaw at 8s, want 10s", w.Sub(start))
		default:
		}
		if st := tk.Stat(); st.State != 'S' {
			t.Errorf("after thaw at 8s: %+v, want S (sleeping the 2s left)", st)
		}

		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case w := <-woke:
			if got := w.Sub(start); got != 10*time.Second {
				t.Errorf("woke at %v, want exactly 10s", got)
			}
		default:
			t.Fatalf("not awake at 10s: %+v", tk.Stat())
		}
		shutdown(t, h)
	})
}

// A sleep whose deadline passes while the task is frozen returns at the thaw.
func TestTaskSleepDeadlinePassedWhileFrozen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		c, err := h.Root().Mkdir("sleep")
		if err != nil {
			t.Fatal(err)
		}
		woke := make(chan time.Time, 1)
		start := time.Now()
		spawn(t, c, "sleeper", func(tk *freezer.Task) {
			tk.Sleep(10 * time.Second)
			woke <- time.Now()
		})
		time.Sleep(3 * time.Second)
		if err := c.Freeze(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if s := state(t, c); s != freezer.Frozen {
			t.Fatalf("state at 3s: %v, want FROZEN", s)
		}
		time.Sleep(12 * time.Second) // now 15s, 5s past the deadline
		synctest.Wait()
		select {
		case w := <-woke:
			t.Fatalf("woke at %v while frozen", w.Sub(start))
		default:
		}
		if err := c.Thaw(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case w := <-woke:
			if got := w.Sub(start); got != 15*time.Second {
				t.Errorf("woke at %v, want 15s (at the thaw)", got)
			}
		default:
			t.Fatal("sleep whose deadline passed while frozen did not return at the thaw")
		}
		shutdown(t, h)
	})
}

// Wait(ch): a ch that becomes ready while the task is frozen is seen right
// after the thaw, and not before.
func TestTaskWaitReadyWhileFrozen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		c, err := h.Root().Mkdir("wait")
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan struct{})
		var returned atomic.Bool
		tk := spawn(t, c, "waiter", func(tk *freezer.Task) {
			tk.Wait(ch)
			returned.Store(true)
		})
		synctest.Wait()
		if err := c.Freeze(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if !tk.Frozen() {
			t.Fatalf("waiter not frozen: %+v", tk.Stat())
		}
		close(ch)
		synctest.Wait()
		if returned.Load() {
			t.Fatal("Wait returned while frozen")
		}
		if !tk.Frozen() || state(t, c) != freezer.Frozen {
			t.Fatalf("closing ch thawed the task: %+v, cgroup %v", tk.Stat(), state(t, c))
		}
		thawAt := time.Now()
		if err := c.Thaw(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if !returned.Load() {
			t.Fatalf("Wait did not return after the thaw: %+v", tk.Stat())
		}
		if d := time.Since(thawAt); d != 0 {
			t.Errorf("Wait returned %v after the thaw, want at once", d)
		}
		shutdown(t, h)
	})
}

// Interrupt is ready while a freeze request or a signal is pending, and not
// once it has been taken at a safe point.
func TestTaskInterruptReadiness(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "intr")
	report := make(chan bool, 3)
	exit, release := holdGate(t)
	ready := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	tk := spawn(t, c, "selector", func(tk *freezer.Task) {
		report <- ready(tk.Interrupt())
		<-tk.Interrupt()
		report <- ready(tk.Interrupt()) // the stop is still pending
		tk.TryToFreeze()                // takes the stop: T until continued
		report <- ready(tk.Interrupt())
		<-exit
	})
	if tkRecv(t, report, "first report") {
		t.Fatal("Interrupt ready with nothing pending")
	}
	tk.Stop()
	if !tkRecv(t, report, "report after Stop") {
		t.Fatal("Interrupt not ready again while the stop is pending")
	}
	tkWaitLetter(t, tk, 'T')
	tk.Continue()
	if tkRecv(t, report, "report after Continue") {
		t.Fatal("Interrupt ready after the stop was taken and continued")
	}
	release()
	waitDone(t, tk)
}

// A task blocked in a select of its own on Interrupt is as freezable as one in
// Wait: a freeze request wakes it, and it freezes at its TryToFreeze.
func TestTaskInterruptSelectFreezes(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "intr")
	own, release := holdGate(t)
	var froze atomic.Int32
	started := make(chan struct{})
	tk := spawn(t, c, "selector", func(tk *freezer.Task) {
		close(started) // past the first safe point, before the select
		for {
			select {
			case <-own:
				return
			case <-tk.Interrupt():
				if tk.TryToFreeze() {
					froze.Add(1)
				}
			}
		}
	})
	tkRecv(t, started, "task to start")
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	waitFrozen(t, c)
	if st := tk.Stat(); !st.Frozen {
		t.Fatalf("selecting task not frozen: %+v", st)
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "TryToFreeze to report the freeze", func() bool { return froze.Load() == 1 })
	release()
	waitDone(t, tk)
}

// SIGKILL exits through runtime.Goexit: the task's defers run, nothing after
// the safe point runs, Done closes and the task leaves its cgroup.
func TestTaskKillRunsDefers(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "kill")
	var deferred, after atomic.Bool
	tk := spawn(t, c, "victim", func(tk *freezer.Task) {
		defer deferred.Store(true)
		tk.Sleep(time.Hour)
		after.Store(true)
	})
	tkWaitLetter(t, tk, 'S')
	tk.Kill()
	waitDone(t, tk)
	if !deferred.Load() {
		t.Error("deferred call did not run")
	}
	if after.Load() {
		t.Error("code after the killed Sleep ran")
	}
	if st := tk.Stat(); st.State != 'Z' || st.Cgroup != "" {
		t.Errorf("killed task: %+v, want Z in no cgroup", st)
	}
	if pids := c.PIDs(); len(pids) != 0 {
		t.Errorf("cgroup still lists %v", pids)
	}
	if err := c.Remove(); err != nil {
		t.Errorf("Remove after the kill: %v", err)
	}
}

// Kill does not wake an uninterruptible wait: the task dies when the wait ends.
func TestTaskKillDoesNotWakeD(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "killd")
	hold, release := holdGate(t)
	var deferred, after atomic.Bool
	tk := spawn(t, c, "dwait", func(tk *freezer.Task) {
		defer deferred.Store(true)
		tk.WaitUninterruptible(hold)
		after.Store(true)
	})
	tkWaitLetter(t, tk, 'D')
	tk.Kill()
	time.Sleep(20 * time.Millisecond) // only to show that it does not die
	if tkIsDone(tk) || deferred.Load() {
		t.Fatal("Kill woke an uninterruptible wait")
	}
	if st := tk.Stat(); st.State != 'D' {
		t.Errorf("killed D task: %+v, want still D", st)
	}
	release()
	waitDone(t, tk)
	if !deferred.Load() {
		t.Error("deferred call did not run")
	}
	if after.Load() {
		t.Error("code after the D wait ran: the kill was not taken at its safe point")
	}
}

// The review's fork race, the deterministic half: a child forked in a FREEZING
// cgroup freezes before any of its function runs.
func TestTaskForkInFreezingCgroup(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "fork")
	goFork, fork := holdGate(t)
	endChild, end := holdGate(t)
	var ran atomic.Bool
	var forkErr atomic.Pointer[error]
	started := make(chan struct{})
	parent := spawn(t, c, "parent", func(tk *freezer.Task) {
		close(started)
		<-goFork // between safe points: holds the cgroup FREEZING
		_, err := tk.Fork("child", func(ct *freezer.Task) {
			ran.Store(true)
			ct.Wait(endChild)
		})
		forkErr.Store(&err)
		busy(tk)
	})
	tkRecv(t, started, "parent to start")
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Fatalf("state with the parent between safe points: %v, want FREEZING", s)
	}
	fork()
	waitFrozen(t, c)
	pids := c.PIDs()
	if len(pids) != 2 || pids[0] != parent.PID() {
		t.Fatalf("PIDs %v, want the parent %d and its child", pids, parent.PID())
	}
	child, ok := h.Task(pids[1])
	if !ok {
		t.Fatalf("child %d not found", pids[1])
	}
	if st := child.Stat(); !st.Frozen || st.State != 'D' {
		t.Errorf("child: %+v, want frozen D", st)
	}
	time.Sleep(10 * time.Millisecond) // only to show that fn does not run
	if ran.Load() {
		t.Fatal("child ran its function in a FREEZING cgroup")
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "child to run after the thaw", ran.Load)
	waitFor(t, "Fork to return", func() bool { return forkErr.Load() != nil })
	if err := *forkErr.Load(); err != nil {
		t.Errorf("Fork: %v", err)
	}
	end()
	waitDone(t, child)
}

// Spawn into a FREEZING cgroup is allowed and the task freezes before its
// function runs; into a FROZEN one it fails with EBUSY.
func TestTaskSpawnIntoFreezingAndFrozen(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "spawn")
	hold, _ := holdGate(t)
	d := spawn(t, c, "dwait", func(tk *freezer.Task) { tk.WaitUninterruptible(hold) })
	tkWaitLetter(t, d, 'D')
	if err := c.Freeze(); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("Freeze with a D task: %v, want EBUSY", err)
	}
	var ran atomic.Bool
	tk := spawn(t, c, "late", func(*freezer.Task) { ran.Store(true) })
	waitFor(t, "spawned task to freeze", tk.Frozen)
	if ran.Load() {
		t.Fatal("task spawned into FREEZING ran its function")
	}

	e := mkdir(t, h, "spawn-frozen")
	if err := e.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, e); s != freezer.Frozen {
		t.Fatalf("empty cgroup after Freeze: %v, want FROZEN", s)
	}
	_, err := e.Spawn("refused", busy)
	var pe *fs.PathError
	if !errors.Is(err, syscall.EBUSY) || !errors.As(err, &pe) {
		t.Fatalf("Spawn into FROZEN: %v, want *fs.PathError EBUSY", err)
	}
	if pids := e.PIDs(); len(pids) != 0 {
		t.Errorf("refused spawn left tasks %v", pids)
	}
	if s := state(t, e); s != freezer.Frozen {
		t.Errorf("state after refused spawn: %v, want FROZEN", s)
	}
}

// A NoFreeze task (a kernel thread with PF_NOFREEZE) makes a freeze EBUSY,
// gets no request, and keeps running.
func TestTaskNoFreeze(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "nofreeze")
	var n atomic.Int64
	tk := spawn(t, c, "kthread", func(tk *freezer.Task) {
		for {
			n.Add(1)
			tk.TryToFreeze()
		}
	}, freezer.NoFreeze())
	err := c.Freeze()
	var be *freezer.BusyError
	if !errors.Is(err, syscall.EBUSY) || !errors.As(err, &be) {
		t.Fatalf("Freeze with a NoFreeze task: %v, want EBUSY with a *BusyError", err)
	}
	if diff := cmp.Diff([]int{tk.PID()}, be.PIDs()); diff != "" {
		t.Errorf("busy PIDs (-want +got):\n%s", diff)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Errorf("state: %v, want FREEZING", s)
	}
	before := n.Load()
	waitFor(t, "NoFreeze task to keep running", func() bool { return n.Load() > before+1000 })
	if st := tk.Stat(); st.Frozen || st.Freezing {
		t.Errorf("NoFreeze task: %+v, want neither frozen nor freezing", st)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Errorf("state while the NoFreeze task runs: %v, want FREEZING", s)
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, c); s != freezer.Running {
		t.Errorf("state after thaw: %v, want RUNNING", s)
	}
}

// Continue of a stopped task with a freeze request sends it straight into the
// refrigerator: the cgroup never stops reading FROZEN.
func TestTaskContinueIntoRefrigerator(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "cont")
	tk := spawn(t, c, "stopped", sleeper)
	tkWaitLetter(t, tk, 'S')
	tk.Stop()
	tkWaitLetter(t, tk, 'T')
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, c); s != freezer.Frozen {
		t.Fatalf("state with only a stopped task: %v, want FROZEN at once", s)
	}
	want := freezer.TaskStat{PID: tk.PID(), Name: "stopped", Cgroup: "/cont", State: 'T', Freezing: true}
	if diff := cmp.Diff(want, tk.Stat()); diff != "" {
		t.Errorf("stopped task with a request (-want +got):\n%s", diff)
	}

	// Watch the state throughout the Continue and the task's way into the
	// refrigerator.
	stop := make(chan struct{})
	seen := make(chan freezer.State, 1)
	go func() {
		for {
			select {
			case <-stop:
				close(seen)
				return
			default:
			}
			if s, err := c.State(); err != nil || s != freezer.Frozen {
				select {
				case seen <- s:
				default:
				}
			}
		}
	}()
	tk.Continue()
	if st := tk.Stat(); !st.Frozen || st.Freezing || st.State != 'D' {
		t.Errorf("right after Continue: %+v, want frozen D", st)
	}
	waitFor(t, "continued task to stay frozen", func() bool { return tk.Stat().Frozen })
	close(stop)
	for s := range seen {
		t.Errorf("cgroup read %v during the Continue, want FROZEN throughout", s)
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	tkWaitLetter(t, tk, 'S')
}

// A vfork parent with a freeze request is frozen enough while it waits; when
// its child exits during the freeze it must go into the refrigerator, not run
// on (DESIGN.md: "it enters the refrigerator as soon as the child is gone").
func TestTaskVforkChildExitsDuringFreeze(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "vfork")
	gate, release := holdGate(t)
	var after atomic.Bool
	childc := make(chan *freezer.Task, 1)
	parent := spawn(t, c, "vforker", func(tk *freezer.Task) {
		if err := tk.Vfork("vchild", func(ct *freezer.Task) {
			childc <- ct
			<-gate // between safe points: the child exits without freezing
		}); err != nil {
			t.Errorf("Vfork: %v", err)
		}
		after.Store(true)
		busy(tk)
	})
	child := tkRecv(t, childc, "vfork child")
	tkWaitLetter(t, parent, 'D')
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Fatalf("state with a running child: %v, want FREEZING", s)
	}
	if st := parent.Stat(); !st.Freezing || st.State != 'D' {
		t.Fatalf("vfork parent: %+v, want D with a freeze request", st)
	}
	release()
	waitDone(t, child)
	waitFrozen(t, c)
	time.Sleep(20 * time.Millisecond) // only to show that the parent does not run
	if after.Load() {
		t.Errorf("vfork parent ran on after its child exited in a FROZEN cgroup: %+v", parent.Stat())
	}
	if st := parent.Stat(); !st.Frozen {
		t.Errorf("vfork parent: %+v, want frozen", st)
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "vfork parent to run after the thaw", after.Load)
}

// panicHandler is a slog handler that panics on the first record with a given
// message, as a buggy user logger might.
type panicHandler struct {
	msg   string
	fired *atomic.Bool
}

func (panicHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h panicHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg && h.fired.CompareAndSwap(false, true) {
		panic("logger panic on " + r.Message)
	}
	return nil
}

func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h panicHandler) WithGroup(string) slog.Handler      { return h }

// TestTaskLoggerPanicInRefrigerator: a logger that panics while a task enters
// or leaves the refrigerator unwinds a task that holds none of its locks. The
// task's own code recovers, returns, and the task exits and leaves its
// cgroup; with the locks still held its exit would deadlock on them, and so
// would every later Stat, Thaw and Shutdown.
func TestTaskLoggerPanicInRefrigerator(t *testing.T) {
	for _, msg := range []string{"refrigerator enter", "refrigerator exit"} {
		t.Run(msg, func(t *testing.T) {
			var fired atomic.Bool
			h := newHierarchy(t, freezer.WithLogger(slog.New(panicHandler{msg, &fired})))
			c := mkdir(t, h, "a")
			var recovered atomic.Value
			inside := make(chan struct{}) // the recover is in place
			tk, err := c.Spawn("w", func(tk *freezer.Task) {
				defer func() { recovered.Store(recover()) }()
				close(inside)
				for {
					tk.TryToFreeze()
					runtime.Gosched()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			<-inside
			if err := c.Freeze(); err != nil {
				t.Fatal(err)
			}
			if msg == "refrigerator exit" {
				waitFrozen(t, c)
				if err := c.Thaw(); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-tk.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the task did not exit after its logger panicked: its locks were left held")
			}
			if v, _ := recovered.Load().(string); v != "logger panic on "+msg {
				t.Errorf("task recovered %v, want the logger's panic", recovered.Load())
			}
			if st := tk.Stat(); st.State != 'Z' || st.Cgroup != "" {
				t.Errorf("after exit: %+v, want state Z and no cgroup", st)
			}
			if err := c.Thaw(); err != nil {
				t.Errorf("Thaw after the panic: %v", err)
			}
		})
	}
}
