package freezer_test

// Regression tests for the findings of the library's first review: each
// failed before its fix.

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// TestReviewKilledTaskDefersFreeze: a killed task's deferred calls still run
// its code, so they must still freeze. Before the fix a killed task's defer
// sleeping in Wait ignored the freeze request and kept the cgroup FREEZING.
func TestReviewKilledTaskDefersFreeze(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "jobs")
	inDefer := make(chan struct{})
	release := make(chan struct{})
	tk, err := c.Spawn("dying", func(t *freezer.Task) {
		defer func() {
			close(inDefer)
			t.Wait(release) // an interruptible wait in a defer of a dying task
		}()
		sleeper(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the task to sleep", func() bool { return tk.Stat().State == 'S' })
	tk.Kill()
	<-inDefer
	waitFor(t, "the defer to wait", func() bool { return tk.Stat().State == 'S' })
	if err := c.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	waitFrozen(t, c)
	if st := tk.Stat(); !st.Frozen {
		t.Fatalf("dying task in its defer: %+v, want frozen", st)
	}
	// Signals to a dying task are dropped: Stop does not stop it.
	tk.Stop()
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	close(release)
	select {
	case <-tk.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("dying task did not exit after its defer: %+v", tk.Stat())
	}
}

// TestReviewNoFreezeAfterShutdown: once Shutdown has begun nothing may freeze
// a killed task again, or Shutdown would wait for ever. A Freeze after it
// fails with ENODEV, and so does a FreezeProcesses.
func TestReviewNoFreezeAfterShutdown(t *testing.T) {
	h := freezer.New(freezer.WithLockChecks())
	c, err := h.Root().Mkdir("jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Spawn("s", sleeper); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := c.Freeze(); !errors.Is(err, syscall.ENODEV) {
		t.Errorf("Freeze after Shutdown: %v, want ENODEV", err)
	}
	if err := h.FreezeProcesses(ctx); !errors.Is(err, syscall.ENODEV) {
		t.Errorf("FreezeProcesses after Shutdown: %v, want ENODEV", err)
	}
	if err := c.Thaw(); err != nil {
		t.Errorf("Thaw after Shutdown: %v, want nil", err)
	}
}

// TestReviewResumeCancelsSuspend: a FreezeProcesses still waiting for a task
// in an uninterruptible wait gives up when ThawProcesses ends the suspend,
// instead of freezing everything again behind the resume's back.
func TestReviewResumeCancelsSuspend(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "jobs")
	release := make(chan struct{})
	defer close(release)
	d, err := c.Spawn("dwait", func(t *freezer.Task) { t.WaitUninterruptible(release); sleeper(t) })
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Spawn("s", sleeper)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the D wait", func() bool { return d.Stat().State == 'D' })
	done := make(chan error, 1)
	go func() { done <- h.FreezeProcesses(context.Background()) }()
	waitFor(t, "the suspend to freeze the sleeper", s.Frozen)
	h.ThawProcesses()
	select {
	case err := <-done:
		if !errors.Is(err, syscall.ECANCELED) {
			t.Fatalf("FreezeProcesses ended by a resume: %v, want ECANCELED", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FreezeProcesses did not give up after the resume")
	}
	for _, tk := range []*freezer.Task{d, s} {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("after the resume: %+v, want neither frozen nor freezing", st)
		}
	}
}

// TestReviewFreezeContextLeavesOthersFreeze: FreezeContext thaws back only a
// freeze it started; a cgroup already FREEZING when it was called stays so.
func TestReviewFreezeContextLeavesOthersFreeze(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "jobs")
	release := make(chan struct{})
	defer close(release)
	d, err := c.Spawn("dwait", func(t *freezer.Task) { t.WaitUninterruptible(release); sleeper(t) })
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the D wait", func() bool { return d.Stat().State == 'D' })
	if err := c.Freeze(); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("Freeze: %v, want EBUSY", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = c.FreezeContext(ctx)
	var be *freezer.BusyError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &be) {
		t.Fatalf("FreezeContext: %v, want a deadline BusyError", err)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Errorf("after FreezeContext gave up on someone else's freeze: %v, want FREEZING", s)
	}
	if !d.Freezing() {
		t.Error("the D task lost the freeze request it had before FreezeContext")
	}
}
