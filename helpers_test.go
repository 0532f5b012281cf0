package freezer_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// newHierarchy mounts a hierarchy with lock checks on, as every test must, and
// shuts it down when the test ends: goleak then sees no task goroutine.
func newHierarchy(t testing.TB, opts ...freezer.Option) *freezer.Hierarchy {
	t.Helper()
	h := freezer.New(append([]freezer.Option{freezer.WithLockChecks()}, opts...)...)
	t.Cleanup(func() { shutdown(t, h) })
	return h
}

// shutdown shuts h down within a minute, failing t if it cannot. Inside a
// synctest bubble, where newHierarchy's cleanup runs too, the minute is the
// fake clock's.
func shutdown(t testing.TB, h *freezer.Hierarchy) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
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
	waitForWithin(t, what, 10*time.Second, cond)
}

// waitForWithin is waitFor with a deadline d away, for tests whose steps take
// long under the race detector.
func waitForWithin(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
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

// quiet is how long a test watches to show that something does not happen.
// It never decides that something did happen.
const quiet = 20 * time.Millisecond

// worker is a sleeping task whose progress a test can observe: it waits in
// an interruptible wait for a poke and counts the pokes it has taken.
type worker struct {
	poke chan struct{}
	runs atomic.Int64
}

func newWorker() *worker { return &worker{poke: make(chan struct{}, 1)} }

func (w *worker) run(t *freezer.Task) {
	for {
		t.Wait(w.poke)
		w.runs.Add(1)
	}
}

// spawnWorker starts a worker in c.
func spawnWorker(t testing.TB, c *freezer.Cgroup, name string, opts ...freezer.TaskOption) (*freezer.Task, *worker) {
	t.Helper()
	w := newWorker()
	return spawn(t, c, name, w.run, opts...), w
}

// runsAgain pokes w and waits until it has taken every poke: the task ran
// code after the call.
func runsAgain(t testing.TB, what string, w *worker) {
	t.Helper()
	n0 := w.runs.Load()
	select {
	case w.poke <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: poke not taken", what)
	}
	waitFor(t, what+" runs", func() bool { return len(w.poke) == 0 && w.runs.Load() > n0 })
}

// staysPut pokes w and checks that it does not run for a while: a sleep that
// only shows that something did not happen.
func staysPut(t testing.TB, what string, w *worker) {
	t.Helper()
	n0 := w.runs.Load()
	select {
	case w.poke <- struct{}{}:
	default: // a poke is already pending
	}
	time.Sleep(quiet)
	if n := w.runs.Load(); n != n0 {
		t.Errorf("%s ran %d times while it should not run", what, n-n0)
	}
}

// wantState checks c's state.
func wantState(t testing.TB, c *freezer.Cgroup, want freezer.State) {
	t.Helper()
	if got := state(t, c); got != want {
		t.Fatalf("%s reads %v, want %v", c.Path(), got, want)
	}
}
