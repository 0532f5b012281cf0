package freezer_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// This file runs the library at the size a user reaches first, with the lock
// checker on as in every test: thousands of tasks that sleep 1 ms in a loop,
// so that each wakes a thousand times a second and takes its locks each time.
// Short mode scales them down. Every private name here starts with "sc".

// scSleepLoop is a task that sleeps 1 ms in a loop: an interruptible wait, so
// a freeze request wakes it early.
func scSleepLoop(t *freezer.Task) {
	for {
		t.Sleep(time.Millisecond)
	}
}

// scBound bounds one step of a scale test. It only stops a failing test; a
// passing one takes a small part of it, even under the race detector.
const scBound = 2 * time.Minute

// scCtx returns a context that ends scBound from now, and its cancel.
func scCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), scBound)
}

// scCount returns the number of tasks in c.
func scCount(c *freezer.Cgroup) int {
	n := 0
	for range c.Tasks() {
		n++
	}
	return n
}

// TestScaleForkStorm: one task forks until its cgroup holds 3,000 tasks, each
// sleeping 1 ms in a loop; then the cgroup is frozen, every task must be
// frozen, and Shutdown must kill and reap them all.
func TestScaleForkStorm(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	h := newHierarchy(t)
	c := mkdir(t, h, "storm")
	start := time.Now()
	var forked atomic.Int64
	spawn(t, c, "forker", func(tk *freezer.Task) {
		for i := 1; i < n; i++ {
			if _, err := tk.Fork("sleeper", scSleepLoop); err != nil {
				return // only when the hierarchy is shut down
			}
			forked.Add(1)
		}
		scSleepLoop(tk)
	})
	waitForWithin(t, "the fork storm", scBound, func() bool { return forked.Load() == int64(n-1) })
	if got := scCount(c); got != n {
		t.Fatalf("%s holds %d tasks, want %d", c.Path(), got, n)
	}
	forkTime := time.Since(start)

	start = time.Now()
	if err := c.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	ctx, cancel := scCtx()
	defer cancel()
	if err := c.WaitFrozen(ctx); err != nil {
		t.Fatalf("WaitFrozen: %v", err)
	}
	freezeTime := time.Since(start)
	for tk := range c.Tasks() {
		if st := tk.Stat(); !st.Frozen {
			t.Fatalf("%s reads FROZEN, but task %+v is not frozen", c.Path(), st)
		}
	}

	var tasks []*freezer.Task
	for tk := range c.Tasks() {
		tasks = append(tasks, tk)
	}
	start = time.Now()
	ctx, cancel = scCtx()
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, tk := range tasks {
		select {
		case <-tk.Done():
		default:
			t.Fatalf("after Shutdown, task %+v has not exited", tk.Stat())
		}
	}
	if got := scCount(c); got != 0 {
		t.Fatalf("after Shutdown %s holds %d tasks", c.Path(), got)
	}
	t.Logf("%d tasks: fork %v, freeze %v, shutdown %v", n, forkTime, freezeTime, time.Since(start))
}

// TestScaleFreezeThawForkingSleepers: four forkers start 2,000 children that
// sleep 1 ms in a loop while the test freezes and thaws their cgroup 200
// times, letting the forks go on between cycles until every child is born.
// Each freeze must reach FROZEN with every task frozen, forks in flight
// included, and each thaw must leave no task frozen.
func TestScaleFreezeThawForkingSleepers(t *testing.T) {
	const forkers = 4
	children, cycles := 2000, 200
	if testing.Short() {
		children, cycles = 200, 20
	}
	h := newHierarchy(t)
	c := mkdir(t, h, "cycles")
	var forked atomic.Int64
	for range forkers {
		spawn(t, c, "forker", func(tk *freezer.Task) {
			for range children / forkers {
				if _, err := tk.Fork("sleeper", scSleepLoop); err != nil {
					return
				}
				forked.Add(1)
			}
			scSleepLoop(tk)
		})
	}

	start := time.Now()
	last := forkers
	var tFreeze, tThaw, tFork time.Duration // where the time went
	for i := range cycles {
		t0 := time.Now()
		ctx, cancel := scCtx()
		err := c.FreezeContext(ctx)
		cancel()
		if err != nil {
			t.Fatalf("cycle %d: FreezeContext: %v", i, err)
		}
		// No task dies here, so the cgroup only grows: by the forks done
		// between two freezes, up to every child.
		n := 0
		for tk := range c.Tasks() {
			if !tk.Frozen() {
				t.Fatalf("cycle %d: %s reads FROZEN, but task %+v is not frozen", i, c.Path(), tk.Stat())
			}
			n++
		}
		if n < last || n > forkers+children {
			t.Fatalf("cycle %d: %d tasks in %s, after %d in the cycle before (at most %d)", i, n, c.Path(), last, forkers+children)
		}
		last = n
		tFreeze += time.Since(t0)
		t0 = time.Now()
		if err := c.Thaw(); err != nil {
			t.Fatalf("cycle %d: Thaw: %v", i, err)
		}
		for tk := range c.Tasks() {
			if tk.Frozen() {
				t.Fatalf("cycle %d: after Thaw task %+v is still frozen", i, tk.Stat())
			}
		}
		tThaw += time.Since(t0)
		// Let the forkers make progress, so that each freeze meets more
		// sleepers and forks in flight; the last quarter meets them all.
		t0 = time.Now()
		want := min(int64(children), int64((i+1)*children/(cycles*3/4)))
		waitForWithin(t, "forks between cycles", scBound, func() bool { return forked.Load() >= want })
		tFork += time.Since(t0)
	}
	cycleTime := time.Since(start)
	waitForWithin(t, "every child forked", scBound, func() bool { return forked.Load() == int64(children) })
	if got, want := scCount(c), forkers+children; got != want {
		t.Fatalf("%s holds %d tasks, want %d", c.Path(), got, want)
	}
	t.Logf("%d cycles against %d forking sleepers: %v (freeze %v, thaw %v, waiting for forks %v)",
		cycles, children, cycleTime, tFreeze, tThaw, tFork)
}
