package freezer_test

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// raceCycles is how many freeze/thaw cycles a stress test runs.
func raceCycles(long, short int) int {
	if testing.Short() {
		return short
	}
	return long
}

// raceSnapshot returns the Stat of every task in c. The iteration holds
// css_set_lock, so the list is one consistent set of tasks.
func raceSnapshot(c *freezer.Cgroup) []freezer.TaskStat {
	var out []freezer.TaskStat
	for tk := range c.Tasks() {
		out = append(out, tk.Stat())
	}
	return out
}

// raceFrozenEnough is the patch's frozen-enough test as Stat shows it: parked,
// or holding a request while stopped, traced or in a vfork wait.
func raceFrozenEnough(st freezer.TaskStat) bool {
	return st.Frozen || (st.Freezing && (st.State == 'D' || st.State == 'T' || st.State == 't'))
}

// raceCheckFrozen checks, at a quiescent point where c reads FROZEN and no one
// else writes its state, that every task is frozen enough and none runs, and
// that c still reads FROZEN afterwards.
func raceCheckFrozen(t *testing.T, c *freezer.Cgroup, when string) bool {
	t.Helper()
	ok := true
	for _, st := range raceSnapshot(c) {
		if !raceFrozenEnough(st) || st.State == 'R' || st.State == 'S' {
			t.Errorf("%s: task %+v in FROZEN %s is not frozen enough", when, st, c.Path())
			ok = false
		}
	}
	if s, err := c.State(); err != nil || s != freezer.Frozen {
		t.Errorf("%s: %s left FROZEN: %v %v", when, c.Path(), s, err)
		ok = false
	}
	return ok
}

// raceCheckThawed checks, right after a thaw of c returned, that c reads
// RUNNING and no task in it is frozen or has a freeze request: the thaw clears
// both under the task's locks before it returns, and a fork or attach that
// comes after it sees RUNNING.
func raceCheckThawed(t *testing.T, c *freezer.Cgroup, when string) bool {
	t.Helper()
	ok := true
	if s, err := c.State(); err != nil || s != freezer.Running {
		t.Errorf("%s: %s reads %v %v after Thaw, want RUNNING", when, c.Path(), s, err)
		ok = false
	}
	for _, st := range raceSnapshot(c) {
		if st.Frozen || st.Freezing {
			t.Errorf("%s: task %+v is frozen or freezing in RUNNING %s", when, st, c.Path())
			ok = false
		}
	}
	return ok
}

// The review's fork-versus-write race (Paul Menage on patch 3/4): tasks fork
// children in a loop while the cgroup is frozen and thawed over and over. A
// child must never be left frozen in a RUNNING cgroup, nor running in a FROZEN
// one.
func TestForkWriteRace(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "race")
	var stop atomic.Bool
	var forks atomic.Int64

	child := func(n int) func(*freezer.Task) {
		return func(tk *freezer.Task) {
			for range n {
				tk.TryToFreeze()
			}
		}
	}
	forker := func(tk *freezer.Task) {
		for i := 0; !stop.Load(); i++ {
			if _, err := tk.Fork("child", child(i%3*50)); err != nil {
				t.Errorf("Fork from a running task: %v", err)
				return
			}
			forks.Add(1)
			tk.TryToFreeze()
		}
	}
	vforker := func(tk *freezer.Task) {
		for !stop.Load() {
			if err := tk.Vfork("vchild", child(20)); err != nil {
				t.Errorf("Vfork from a running task: %v", err)
				return
			}
			forks.Add(1)
		}
	}
	var parents []*freezer.Task
	for i := range 3 {
		parents = append(parents, spawn(t, c, "forker"+strconv.Itoa(i), forker))
	}
	parents = append(parents, spawn(t, c, "vforker", vforker))

	// Spawns from outside race with the writes too: they may only fail with
	// EBUSY, when the cgroup reads FROZEN.
	var spawnWG sync.WaitGroup
	defer func() { // also on t.Fatal: no fork or spawn once Shutdown starts
		stop.Store(true)
		spawnWG.Wait()
	}()
	spawnWG.Add(1)
	go func() {
		defer spawnWG.Done()
		for !stop.Load() {
			_, err := c.Spawn("spawned", child(10))
			var pe *fs.PathError
			if err != nil && (!errors.Is(err, syscall.EBUSY) || !errors.As(err, &pe)) {
				t.Errorf("Spawn: %v, want nil or *fs.PathError EBUSY", err)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()

	// The cycles go on until forks have raced with them: a fast machine can
	// run the planned cycles before a forker has run at all.
	waitFor(t, "the forkers under way", func() bool { return forks.Load() > 0 })
	forks0 := forks.Load()
	deadline := time.Now().Add(10 * time.Second)
	cycles := raceCycles(150, 30)
	i := 0
	for ; (i < cycles || forks.Load() == forks0) && !t.Failed(); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("no fork during %d freeze/thaw cycles", i)
		}
		if err := c.Freeze(); err != nil {
			t.Fatalf("cycle %d: Freeze: %v", i, err)
		}
		if s := state(t, c); s == freezer.Running {
			t.Fatalf("cycle %d: RUNNING right after Freeze", i)
		}
		if i%3 == 0 {
			// Sometimes thaw while tasks and forks are on their way in.
			if err := c.Thaw(); err != nil {
				t.Fatal(err)
			}
			raceCheckThawed(t, c, "cycle "+strconv.Itoa(i)+" (early thaw)")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := c.WaitFrozen(ctx)
		cancel()
		if err != nil {
			t.Fatalf("cycle %d: WaitFrozen: %v; tasks %+v", i, err, raceSnapshot(c))
		}
		raceCheckFrozen(t, c, "cycle "+strconv.Itoa(i))
		if err := c.Thaw(); err != nil {
			t.Fatal(err)
		}
		raceCheckThawed(t, c, "cycle "+strconv.Itoa(i))
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	spawnWG.Wait()
	for _, p := range parents {
		select {
		case <-p.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("parent %d did not stop: %+v", p.PID(), p.Stat())
		}
	}
	t.Logf("%d cycles, %d forks during them", i, forks.Load()-forks0)
}

// Tasks moved back and forth between two cgroups that are frozen and thawed
// meanwhile (the review's can_attach question): an attach fails only with
// EBUSY, and no frozen task ever sits in a RUNNING cgroup after a thaw.
func TestAttachFreezeRace(t *testing.T) {
	h := newHierarchy(t)
	a := mkdir(t, h, "a")
	b := mkdir(t, h, "b")
	var tasks []*freezer.Task
	for i := range 6 {
		fn := busy
		if i%2 == 1 {
			fn = sleeper
		}
		tasks = append(tasks, spawn(t, a, "mover"+strconv.Itoa(i), fn))
	}

	var stop atomic.Bool
	var moved, refused atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the mover
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			tk := tasks[i%len(tasks)]
			dst := a
			if tk.Cgroup() == a {
				dst = b
			}
			var err error
			if i%4 == 0 {
				err = h.WriteFile(dst.Path()+"/tasks", []byte(strconv.Itoa(tk.PID())))
			} else {
				err = dst.Attach(tk)
			}
			var pe *fs.PathError
			switch {
			case err == nil:
				moved.Add(1)
			case errors.Is(err, syscall.EBUSY) && errors.As(err, &pe):
				refused.Add(1)
			default:
				t.Errorf("move of %d to %s: %v, want nil or *fs.PathError EBUSY", tk.PID(), dst.Path(), err)
				return
			}
		}
	}()

	cycles := raceCycles(100, 20)
	cycle := func(c *freezer.Cgroup) {
		for i := 0; i < cycles && !t.Failed(); i++ {
			when := c.Path() + " cycle " + strconv.Itoa(i)
			if err := c.Freeze(); err != nil {
				t.Errorf("%s: Freeze: %v", when, err)
				return
			}
			// Give the tasks a moment; the mover may keep the cgroup
			// FREEZING by bringing in tasks without a request, so the wait
			// is bounded and its failure is no error.
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			err := c.WaitFrozen(ctx)
			cancel()
			if err == nil {
				raceCheckFrozen(t, c, when)
			} else if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s: WaitFrozen: %v", when, err)
			}
			if err := c.Thaw(); err != nil {
				t.Errorf("%s: Thaw: %v", when, err)
				return
			}
			raceCheckThawed(t, c, when)
		}
	}
	var cyclers sync.WaitGroup
	cyclers.Add(2)
	go func() { defer cyclers.Done(); cycle(a) }()
	go func() { defer cyclers.Done(); cycle(b) }()
	cyclers.Wait()
	stop.Store(true)
	wg.Wait()

	if moved.Load() == 0 {
		t.Error("no move succeeded during the stress")
	}
	for _, tk := range tasks {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("task %+v frozen or freezing after both cgroups were thawed", st)
		}
	}
	t.Logf("%d cycles, %d moves, %d refused", cycles, moved.Load(), refused.Load())
}

// raceHookSub is a user subsystem bound after the freezer, so that its
// CanAttach and CanFork run after the freezer's checks and before the task is
// linked: once armed, it runs before there, to widen that window on purpose.
type raceHookSub struct {
	freezer.BaseSubsystem
	armed  atomic.Bool
	before func()
}

func (*raceHookSub) Name() string { return "racehook" }

func (s *raceHookSub) CanAttach(*freezer.Cgroup, *freezer.Task) error {
	if s.armed.CompareAndSwap(true, false) {
		s.before()
	}
	return nil
}

func (s *raceHookSub) CanFork(*freezer.Cgroup) error {
	if s.armed.CompareAndSwap(true, false) {
		s.before()
	}
	return nil
}

// raceReadWhileLinking sets up a FREEZING cgroup whose one task is held
// between safe points, arms the hook so that, inside the attach or fork of op,
// the held task freezes and a concurrent reader waits for FROZEN; it returns
// the cgroup's state as that reader saw it from inside the window ("" if the
// read did not complete while the core held the task's move), and op's error.
func raceReadWhileLinking(t *testing.T, op func(h *freezer.Hierarchy, dst *freezer.Cgroup, arm func()) error) (*freezer.Cgroup, string, error) {
	t.Helper()
	sub := &raceHookSub{}
	h := newHierarchy(t, freezer.WithSubsystem(sub))
	dst := mkdir(t, h, "dst")
	started := make(chan struct{})
	goY := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(goY) }) }
	t.Cleanup(release)
	spawn(t, dst, "held", func(tk *freezer.Task) {
		close(started)
		<-goY // between safe points: holds dst FREEZING
		busy(tk)
	})
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("held task did not start")
	}
	if err := dst.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, dst); s != freezer.Freezing {
		t.Fatalf("dst with a task between safe points: %v, want FREEZING", s)
	}

	read := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	go func() {
		if err := dst.WaitFrozen(ctx); err != nil {
			read <- err.Error()
			return
		}
		read <- freezer.Frozen.String()
	}()
	var saw string
	sub.before = func() {
		release() // the last task of dst freezes while the core links ours
		select {
		case saw = <-read:
		case <-time.After(300 * time.Millisecond): // the read waits for the move: fine
		}
	}
	armed := false
	err := op(h, dst, func() { armed = true; sub.armed.Store(true) })
	if !armed || sub.armed.Load() {
		t.Fatal("the hook did not run")
	}
	return dst, saw, err
}

// The review's can_attach question, with the read's lazy FREEZING to FROZEN
// step (the patch's read took cgroup_mutex, so it could not run inside an
// attach): a read that says FROZEN while a task is being attached must not be
// followed by that attach succeeding, and a FROZEN cgroup holds no running task.
func TestReviewAttachReadRace(t *testing.T) {
	var w *freezer.Task
	dst, saw, err := raceReadWhileLinking(t, func(h *freezer.Hierarchy, dst *freezer.Cgroup, arm func()) error {
		src, err := h.Root().Mkdir("src")
		if err != nil {
			return err
		}
		w, err = src.Spawn("moved", sleeper)
		if err != nil {
			return err
		}
		waitFor(t, "moved task asleep", func() bool { return w.Stat().State == 'S' })
		arm()
		return dst.Attach(w)
	})
	if err != nil && !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("Attach: %v, want nil or EBUSY", err)
	}
	if saw == "FROZEN" && err == nil {
		t.Errorf("dst read FROZEN during the attach, and the attach into it then succeeded")
	}
	s := state(t, dst)
	if st := w.Stat(); s == freezer.Frozen && st.Cgroup == "/dst" && !raceFrozenEnough(st) {
		t.Errorf("dst reads FROZEN with the attached task %+v running in it", st)
	}
	t.Logf("read inside the attach: %q; Attach: %v; dst now %v", saw, err, s)
}

// The review's fork race, with the read's lazy FREEZING to FROZEN step: a
// task spawned while a read says FROZEN must be refused (Spawn into FROZEN is
// EBUSY), and a FROZEN cgroup holds no task that is not frozen enough.
func TestReviewForkReadRace(t *testing.T) {
	var child *freezer.Task
	dst, saw, err := raceReadWhileLinking(t, func(h *freezer.Hierarchy, dst *freezer.Cgroup, arm func()) error {
		var err error
		arm()
		child, err = dst.Spawn("child", busy)
		return err
	})
	if err != nil && !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("Spawn: %v, want nil or EBUSY", err)
	}
	if saw == "FROZEN" && err == nil {
		t.Errorf("dst read FROZEN during the fork, and the spawn into it then succeeded")
	}
	if err == nil {
		// The child freezes at its first safe point; the cgroup must not
		// read FROZEN before it has.
		for range 1000 {
			s := state(t, dst)
			st := child.Stat()
			if s == freezer.Frozen && !raceFrozenEnough(st) {
				t.Errorf("dst reads FROZEN with the new task %+v not frozen", st)
				break
			}
			if st.Frozen {
				break
			}
		}
	}
	t.Logf("read inside the fork: %q; Spawn: %v", saw, err)
}
