package freezer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// newHierarchy mounts a hierarchy with lock checks on, as every test must, and
// shuts it down when the test ends: goleak then sees no task goroutine.
func newHierarchy(t testing.TB, opts ...freezer.Option) *freezer.Hierarchy {
	t.Helper()
	h := freezer.New(append([]freezer.Option{freezer.WithLockChecks()}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return h
}

// mkdir creates a cgroup under the root or fails the test.
func mkdir(t testing.TB, h *freezer.Hierarchy, name string) *freezer.Cgroup {
	t.Helper()
	c, err := h.Root().Mkdir(name)
	if err != nil {
		t.Fatalf("Mkdir(%q): %v", name, err)
	}
	return c
}

// waitFor polls cond until it holds or a generous deadline passes. It is for
// conditions the library offers no event for (a task's Stat letter); the
// deadline only bounds a failing test, it never decides a passing one.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// waitFrozen waits, with a deadline, until c reads FROZEN.
func waitFrozen(t testing.TB, c *freezer.Cgroup) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitFrozen(ctx); err != nil {
		t.Fatalf("WaitFrozen(%s): %v", c.Path(), err)
	}
}

// state reads c's state or fails the test.
func state(t testing.TB, c *freezer.Cgroup) freezer.State {
	t.Helper()
	s, err := c.State()
	if err != nil {
		t.Fatalf("State(%s): %v", c.Path(), err)
	}
	return s
}

// busy is a task function: a CPU loop that freezes only at its safe points.
func busy(t *freezer.Task) {
	for {
		t.TryToFreeze()
	}
}

// sleeper sleeps in interruptible waits for ever.
func sleeper(t *freezer.Task) {
	for {
		t.Sleep(time.Hour)
	}
}

// spawn spawns a task in c or fails the test.
func spawn(t testing.TB, c *freezer.Cgroup, name string, fn func(*freezer.Task), opts ...freezer.TaskOption) *freezer.Task {
	t.Helper()
	tk, err := c.Spawn(name, fn, opts...)
	if err != nil {
		t.Fatalf("Spawn(%s, %q): %v", c.Path(), name, err)
	}
	return tk
}

// holdGate returns a channel for tasks to wait on and a function that closes
// it once; the test's cleanup closes it too, so that a failing test does not
// leave a task blocked on it (cleanups run before newHierarchy's Shutdown).
func holdGate(t testing.TB) (chan struct{}, func()) {
	t.Helper()
	ch := make(chan struct{})
	release := sync.OnceFunc(func() { close(ch) })
	t.Cleanup(release)
	return ch, release
}

// waitDone waits, with a deadline, until every task has exited.
func waitDone(t testing.TB, tasks ...*freezer.Task) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for _, tk := range tasks {
		select {
		case <-tk.Done():
		case <-deadline:
			t.Fatalf("task %d (%s) did not exit: %+v", tk.PID(), tk.Name(), tk.Stat())
		}
	}
}
