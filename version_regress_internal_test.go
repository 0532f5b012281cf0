package freezer

import (
	"sync"
	"testing"
	"time"
)

// vrWaitFor polls cond until it holds or a generous deadline passes (the
// internal tests cannot use helpers_test.go's waitFor).
func vrWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestPatchMoveDropsRequestWithinTheMove: in the patch a task moved out of a
// FREEZING cgroup loses its freeze request within the move, under
// css_set_lock and its own locks (freezerSubsys.migrateLocked), not in an
// attach hook run afterwards. Otherwise the task, running between the move
// and the hook, would honour the request in its new FREEZING cgroup, a read
// could store that cgroup FROZEN, and the hook would then thaw the task,
// leaving the cgroup stored FROZEN while its task ran. The test makes
// attachLocked's steps itself and lets the task run, and the destination's
// other task freeze, in between.
func TestPatchMoveDropsRequestWithinTheMove(t *testing.T) {
	h, src := lkHierarchy(t)
	dst, err := h.Root().Mkdir("dst")
	if err != nil {
		t.Fatal(err)
	}
	// The gates are opened at the latest when the test ends, before the
	// hierarchy shuts down.
	run, wake := make(chan struct{}), make(chan struct{})
	openRun, openWake := sync.OnceFunc(func() { close(run) }), sync.OnceFunc(func() { close(wake) })
	t.Cleanup(openRun)
	t.Cleanup(openWake)
	started := make(chan struct{})
	mover, err := src.Spawn("mover", func(tk *Task) {
		close(started)
		<-run // running, far from a safe point
		tk.TryToFreeze()
		for {
			tk.Sleep(time.Hour)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	blocker, err := dst.Spawn("blocker", func(tk *Task) {
		tk.WaitUninterruptible(wake)
		for {
			tk.Sleep(time.Hour)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the mover did not start")
	}
	vrWaitFor(t, "the blocker's D wait", func() bool { return blocker.Stat().State == 'D' })
	if err := src.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Freeze(); err == nil { // EBUSY: dst stays FREEZING
		t.Fatal("Freeze of a cgroup with a task in D succeeded, want EBUSY")
	}
	if !mover.Freezing() {
		t.Fatalf("the mover has no freeze request: %+v", mover.Stat())
	}

	func() {
		h.cgroupMutex.Lock()
		defer h.cgroupMutex.Unlock()
		from, intr, err := dst.moveLocked(mover)
		if err != nil || from != src {
			t.Fatalf("moveLocked: from %v, %v", from, err)
		}
		if intr != nil {
			close(intr)
		}
		// Between the move and the attach hooks the task runs, and
		// dst's other task freezes.
		if mover.Freezing() {
			t.Errorf("the moved task still has its freeze request after the move: %+v", mover.Stat())
		}
		openRun()
		vrWaitFor(t, "the mover to run past its safe point into its sleep", func() bool {
			st := mover.Stat()
			return st.State == 'S' || st.Frozen
		})
		openWake()
		vrWaitFor(t, "the blocker to freeze", blocker.Frozen)
		if s := h.fz.state(dst); s != Freezing {
			t.Errorf("before the attach hooks dst reads %v, want FREEZING (mover %+v)", s, mover.Stat())
		}
		for _, ss := range h.subsys {
			ss.Attach(dst, from, mover)
		}
	}()

	if s, err := dst.State(); err != nil || s == Frozen {
		t.Errorf("dst reads %v, %v while its task %+v runs", s, err, mover.Stat())
	}
	if st := mover.Stat(); st.Frozen || st.Freezing || st.State != 'S' {
		t.Errorf("the moved task: %+v, want running (asleep), no request", st)
	}
}
