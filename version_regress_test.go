package freezer_test

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
)

// Regression tests of the versions' rules: each is named after what the
// library must do and guards a bug it once had there. Every private name
// here starts with "vr".

// vrEachVersion runs cell as a subtest on a hierarchy of each version.
func vrEachVersion(t *testing.T, cell func(t *testing.T, h *freezer.Hierarchy)) {
	for _, v := range []freezer.Version{freezer.Patch2008, freezer.V1, freezer.V2} {
		t.Run(v.String(), func(t *testing.T) { cell(t, newHierarchy(t, freezer.WithVersion(v))) })
	}
}

// vrMkdir creates a child of c or fails the test.
func vrMkdir(t testing.TB, c *freezer.Cgroup, name string) *freezer.Cgroup {
	t.Helper()
	d, err := c.Mkdir(name)
	if err != nil {
		t.Fatalf("Mkdir(%s, %q): %v", c.Path(), name, err)
	}
	return d
}

// vrRecv waits, with a deadline, until ch is closed or sends.
func vrRecv[T any](t testing.TB, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// vrInTasksLoop calls f for every task of c inside a c.Tasks() loop, which
// holds css_set_lock, on a goroutine of its own so that a deadlock fails the
// test instead of hanging it.
func vrInTasksLoop(t testing.TB, c *freezer.Cgroup, what string, f func(*freezer.Task)) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		for tk := range c.Tasks() {
			f(tk)
		}
	}()
	select {
	case r := <-done:
		if r != nil {
			t.Fatalf("%s inside a Tasks loop panicked: %v", what, r)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s inside a Tasks loop did not return", what)
	}
}

// vrWantEvents checks c's Events.
func vrWantEvents(t testing.TB, c *freezer.Cgroup, want freezer.Events) {
	t.Helper()
	got, err := c.Events()
	if err != nil {
		t.Fatalf("Events(%s): %v", c.Path(), err)
	}
	if got != want {
		t.Errorf("%s: Events() = %+v, want %+v", c.Path(), got, want)
	}
}

// TestV2SignalsInsideTasksLoop: Kill and Continue, which a Cgroup.Tasks loop
// body may call, and Untrace work there although the loop holds
// css_set_lock for reading. Each moves v2's frozen counter, and bringing
// cgroup.events up to date takes css_set_lock for writing, so the call must
// leave that to the task it wakes instead of deadlocking (or, under the lock
// checks, panicking).
func TestV2SignalsInsideTasksLoop(t *testing.T) {
	t.Run("Kill", func(t *testing.T) {
		// A frozen task killed leaves the trap at once: no longer counted.
		h := newHierarchy(t, freezer.WithVersion(freezer.V2))
		c := mkdir(t, h, "c")
		tk := spawn(t, c, "frozen", sleeper)
		if err := c.Freeze(); err != nil {
			t.Fatal(err)
		}
		waitFrozen(t, c)
		vrInTasksLoop(t, c, "Kill", (*freezer.Task).Kill)
		waitDone(t, tk)
		vrWantEvents(t, c, freezer.Events{Populated: false, Frozen: true})
	})
	t.Run("Continue", func(t *testing.T) {
		// A stopped task is counted; continued, it is not.
		h := newHierarchy(t, freezer.WithVersion(freezer.V2))
		c := mkdir(t, h, "c")
		tk, w := spawnWorker(t, c, "stopped")
		tk.Stop()
		waitFor(t, "the task to stop", func() bool { return tk.Stat().State == 'T' })
		vrInTasksLoop(t, c, "Continue", (*freezer.Task).Continue)
		runsAgain(t, "the continued task", w)
		vrWantEvents(t, c, freezer.Events{Populated: true, Frozen: false})
	})
	t.Run("Untrace", func(t *testing.T) {
		// A task in a traced stop is counted; detached, it is not.
		h := newHierarchy(t, freezer.WithVersion(freezer.V2))
		c := mkdir(t, h, "c")
		tk, w := spawnWorker(t, c, "traced")
		tk.Trace()
		waitFor(t, "the task to trap", func() bool { return tk.Stat().State == 't' })
		vrInTasksLoop(t, c, "Untrace", (*freezer.Task).Untrace)
		runsAgain(t, "the detached task", w)
		vrWantEvents(t, c, freezer.Events{Populated: true, Frozen: false})
	})
}

// TestV2KillVforkParentInFrozenCgroup: cgroup.kill of a frozen v2 cgroup
// ends a vfork parent too. The child dies at once (a fatal signal breaks the
// freezer trap); the parent's vfork wait then ends with both the kill and
// the freeze request pending, and the kill goes first, as get_signal takes a
// fatal signal before the freezer trap: the parent must die, not go into the
// trap with its kill pending for ever.
func TestV2KillVforkParentInFrozenCgroup(t *testing.T) {
	h := newHierarchy(t, freezer.WithVersion(freezer.V2))
	c := mkdir(t, h, "c")
	childUp := make(chan struct{})
	parent := spawn(t, c, "parent", func(tk *freezer.Task) {
		_ = tk.Vfork("child", func(ct *freezer.Task) {
			close(childUp)
			sleeper(ct)
		})
		sleeper(tk)
	})
	vrRecv(t, "the vfork child", childUp)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	waitFrozen(t, c)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, parent)
	waitFor(t, "the cgroup to empty", func() bool { return len(c.PIDs()) == 0 })
	vrWantEvents(t, c, freezer.Events{Populated: false, Frozen: true})
}

// vrWatch watches c's events on a goroutine of its own until ctx ends, and
// returns the channel it delivers them on. Inside a synctest bubble,
// synctest.Wait then returns only once the watcher has delivered every event
// it has been woken for and waits for the next change.
func vrWatch(ctx context.Context, c *freezer.Cgroup) <-chan freezer.Events {
	ch := make(chan freezer.Events, 16)
	go func() {
		for ev := range c.WatchEvents(ctx) {
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// vrEventsNow returns the events the watcher has delivered so far.
func vrEventsNow(ch <-chan freezer.Events) []freezer.Events {
	var got []freezer.Events
	for {
		select {
		case ev := <-ch:
			got = append(got, ev)
		default:
			return got
		}
	}
}

// TestPopulatedHoldsDuringMove: a task moved between two children of p
// never leaves p's subtree, so p stays populated throughout: a move
// populates the destination before it empties the source, and p's
// cgroup.events is not notified (it would be twice, populated 0 and
// populated 1 again, had p read empty in between). In a synctest bubble,
// where the watcher of p has taken every notification once synctest.Wait
// returns, the moves there and back must deliver nothing, and the move out
// of p one event, populated 0.
func TestPopulatedHoldsDuringMove(t *testing.T) {
	for _, v := range []freezer.Version{freezer.Patch2008, freezer.V1, freezer.V2} {
		t.Run(v.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHierarchy(t, freezer.WithVersion(v))
				p := mkdir(t, h, "p")
				a := vrMkdir(t, p, "a")
				b := vrMkdir(t, p, "b")
				tk := spawn(t, a, "mover", sleeper)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				events := vrWatch(ctx, p)
				synctest.Wait()
				if got, want := vrEventsNow(events), []freezer.Events{{Populated: true}}; !slices.Equal(got, want) {
					t.Fatalf("p's first events %+v, want %+v", got, want)
				}

				for _, dst := range []*freezer.Cgroup{b, a} {
					if err := dst.Attach(tk); err != nil {
						t.Fatal(err)
					}
				}
				synctest.Wait()
				if got := vrEventsNow(events); len(got) != 0 {
					t.Errorf("moves between p's children notified p: its watcher saw %+v", got)
				}

				if err := h.Root().Attach(tk); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if got, want := vrEventsNow(events), []freezer.Events{{Populated: false}}; !slices.Equal(got, want) {
					t.Errorf("after the move out of p its watcher saw %+v, want %+v", got, want)
				}
			})
		})
	}
}

// vrDyingTask is a task that, once killed, runs a deferred call which waits
// for release in plain Go (no safe point) and then reaches a safe point.
// inDefer is closed when the deferred call begins.
func vrDyingTask(inDefer chan<- struct{}, release <-chan struct{}) func(*freezer.Task) {
	return func(tk *freezer.Task) {
		defer func() {
			close(inDefer)
			<-release
			tk.TryToFreeze()
		}()
		sleeper(tk)
	}
}

// TestV2KilledTaskDoesNotFreezeInDefer: a v2 task that has taken a kill
// takes no freeze request while its deferred calls run, as a task on its way
// through do_exit never enters the freezer trap again; otherwise it would
// freeze at its next safe point, and, already killed, no kill could end it.
func TestV2KilledTaskDoesNotFreezeInDefer(t *testing.T) {
	h := newHierarchy(t, freezer.WithVersion(freezer.V2))
	c := mkdir(t, h, "c")
	inDefer := make(chan struct{})
	release, open := holdGate(t)
	tk := spawn(t, c, "dying", vrDyingTask(inDefer, release))
	waitFor(t, "the task to sleep", func() bool { return tk.Stat().State == 'S' })
	tk.Kill()
	vrRecv(t, "the deferred call", inDefer)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if st := tk.Stat(); st.Freezing {
		t.Errorf("killed task took a freeze request: %+v", st)
	}
	open()
	waitDone(t, tk)
	waitFrozen(t, c)
	vrWantEvents(t, c, freezer.Events{Populated: false, Frozen: true})
}

// TestKilledTaskFreezesInDefer: in the patch and v1 the freezer outranks a
// kill, so a killed task's deferred calls, which still run its code, still
// freeze; the task dies once thawed.
func TestKilledTaskFreezesInDefer(t *testing.T) {
	for _, v := range []freezer.Version{freezer.Patch2008, freezer.V1} {
		t.Run(v.String(), func(t *testing.T) { killedTaskFreezesInDefer(t, v) })
	}
}

func killedTaskFreezesInDefer(t *testing.T, v freezer.Version) {
	h := newHierarchy(t, freezer.WithVersion(v))
	c := mkdir(t, h, "c")
	inDefer := make(chan struct{})
	release, open := holdGate(t)
	tk := spawn(t, c, "dying", vrDyingTask(inDefer, release))
	waitFor(t, "the task to sleep", func() bool { return tk.Stat().State == 'S' })
	tk.Kill()
	vrRecv(t, "the deferred call", inDefer)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if st := tk.Stat(); !st.Freezing {
		t.Errorf("killed task took no freeze request: %+v", st)
	}
	open()
	waitFrozen(t, c)
	if st := tk.Stat(); !st.Frozen {
		t.Errorf("killed task in its deferred call: %+v, want frozen", st)
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tk)
}

// TestV2MoveIsAtomicWithMigration: v2 migrates a moved task's freezer state
// (cgroup_freezer_migrate_task) in the same css_set_lock section as the
// move, so no reader sees a frozen cgroup holding a newcomer that is not
// frozen. A task in an uninterruptible wait moves into a frozen cgroup
// again and again; each time a reader, which has been polling for the task
// to arrive, reads the cgroup's events at once, while the task stays: they
// must not say frozen 1.
func TestV2MoveIsAtomicWithMigration(t *testing.T) {
	const moves = 500
	h := newHierarchy(t, freezer.WithVersion(freezer.V2))
	dst := mkdir(t, h, "dst")
	spawn(t, dst, "frozen", sleeper)
	if err := dst.Freeze(); err != nil {
		t.Fatal(err)
	}
	waitFrozen(t, dst)
	// The moving task's home keeps a sleeper, so that no move out of it or
	// back empties it of tasks not counted frozen.
	home := mkdir(t, h, "home")
	spawn(t, home, "sleeper", sleeper)
	hold, _ := holdGate(t)
	d := spawn(t, home, "d", func(tk *freezer.Task) { tk.WaitUninterruptible(hold) })
	waitFor(t, "the task's D wait", func() bool { return d.Stat().State == 'D' })

	stop := make(chan struct{})
	defer close(stop)
	moving := make(chan struct{}) // one per move, sent with the task at home
	seen := make(chan bool)       // one per move: whether dst read frozen 1
	go func() {
		for {
			select {
			case <-moving:
			case <-stop:
				return
			}
			for d.Cgroup() != dst {
				select {
				case <-stop:
					return
				default:
				}
			}
			ev, err := dst.Events()
			select {
			case seen <- err == nil && ev.Frozen:
			case <-stop:
				return
			}
		}
	}()
	n := 0
	for range moves {
		moving <- struct{}{}
		if err := dst.Attach(d); err != nil {
			t.Fatal(err)
		}
		if vrRecv(t, "the reader", seen) {
			n++
		}
		if err := home.Attach(d); err != nil {
			t.Fatal(err)
		}
	}
	if n > 0 {
		t.Errorf("%d of %d times dst read frozen 1 with the task in an uninterruptible wait just moved in", n, moves)
	}
}

// TestKilledTaskCannotForkInDefer: a killed task cannot fork from its
// deferred calls in v1 and v2 (EINTR, as copy_process refuses a task with a
// fatal signal pending), so no child escapes cgroup.kill; the patch's model
// predates the rule and lets it fork.
func TestKilledTaskCannotForkInDefer(t *testing.T) {
	vrEachVersion(t, func(t *testing.T, h *freezer.Hierarchy) {
		c := mkdir(t, h, "c")
		type forked struct {
			child *freezer.Task
			err   error
		}
		res := make(chan forked, 1)
		tk := spawn(t, c, "dying", func(tk *freezer.Task) {
			defer func() {
				child, err := tk.Fork("child", func(*freezer.Task) {})
				res <- forked{child, err}
			}()
			sleeper(tk)
		})
		// Killed before it runs, a task dies with no deferred call set.
		waitFor(t, "the task to sleep", func() bool { return tk.Stat().State == 'S' })
		if h.Version() == freezer.V2 {
			if err := c.Kill(); err != nil {
				t.Fatal(err)
			}
		} else {
			tk.Kill()
		}
		r := vrRecv(t, "the fork", res)
		waitDone(t, tk)
		if h.Version() == freezer.Patch2008 {
			if r.err != nil {
				t.Fatalf("fork from a killed task's deferred call: %v, want success", r.err)
			}
			waitDone(t, r.child)
			return
		}
		if !errors.Is(r.err, syscall.EINTR) {
			pid := 0
			if r.child != nil {
				pid = r.child.PID()
			}
			t.Errorf("fork from a killed task's deferred call: child %d, %v; want EINTR", pid, r.err)
		}
	})
}

// TestV1MoveWakesAncestorWatchers: in v1 a move into a freezing descendant
// sends each FROZEN ancestor back to FREEZING (freezer_attach), and each
// must wake its watchers: in a synctest bubble, where the watcher of the
// ancestor has taken every notification once synctest.Wait returns, it
// must have seen the ancestor leave frozen.
func TestV1MoveWakesAncestorWatchers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHierarchy(t, freezer.WithVersion(freezer.V1))
		p := mkdir(t, h, "p")
		k := vrMkdir(t, p, "k")
		spawn(t, vrMkdir(t, p, "k2"), "frozen", sleeper)
		if err := p.Freeze(); err != nil {
			t.Fatal(err)
		}
		waitFrozen(t, p)
		hold, _ := holdGate(t)
		d := spawn(t, h.Root(), "d", func(tk *freezer.Task) { tk.WaitUninterruptible(hold) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		events := vrWatch(ctx, p)
		synctest.Wait()
		if st := d.Stat(); st.State != 'D' {
			t.Fatalf("the task to move: %+v, want D", st)
		}
		if got, want := vrEventsNow(events), []freezer.Events{{Populated: true, Frozen: true}}; !slices.Equal(got, want) {
			t.Fatalf("%s's first events %+v, want %+v", p.Path(), got, want)
		}

		// d cannot freeze in its wait: k and p go back to FREEZING.
		if err := k.Attach(d); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got, want := vrEventsNow(events), []freezer.Events{{Populated: true, Frozen: false}}; !slices.Equal(got, want) {
			t.Errorf("after the move into %s, %s's watcher saw %+v, want %+v", k.Path(), p.Path(), got, want)
		}
		wantState(t, p, freezer.Freezing)
	})
}
