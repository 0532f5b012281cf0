package freezer_test

// Ports of the peer freezer test suites (/work/shared/reference/peer-tests.md):
// the kernel's cgroup freezer selftests (A*) and Apache Mesos's cgroups tests
// (C*), in the 2008 patch's v1 terms. Where the peers assume a later kernel
// (a frozen task killed without a thaw), DESIGN.md's v1 semantics win.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// peerGate is a channel that the test opens once; it is opened at cleanup at
// the latest (before Shutdown, which cleanup runs later), so that no task
// waits on it for ever.
func peerGate(t *testing.T) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(ch) }) }
	t.Cleanup(open)
	return ch, open
}

// peerTasks returns the tasks of c, ascending by PID.
func peerTasks(c *freezer.Cgroup) []*freezer.Task {
	var ts []*freezer.Task
	for tk := range c.Tasks() {
		ts = append(ts, tk)
	}
	slices.SortFunc(ts, func(a, b *freezer.Task) int { return a.PID() - b.PID() })
	return ts
}

// peerExited reports whether tk has exited.
func peerExited(tk *freezer.Task) bool {
	select {
	case <-tk.Done():
		return true
	default:
		return false
	}
}

// peerWantStat checks the state letter and the frozen/freezing flags of tk.
func peerWantStat(t *testing.T, what string, tk *freezer.Task, letter byte, frozen, freezing bool) {
	t.Helper()
	st := tk.Stat()
	if st.State != letter || st.Frozen != frozen || st.Freezing != freezing {
		t.Fatalf("%s: Stat %+v (State %q), want State %q Frozen %v Freezing %v",
			what, st, st.State, letter, frozen, freezing)
	}
}

// peerWaitLetter waits until tk's Stat shows the letter.
func peerWaitLetter(t *testing.T, tk *freezer.Task, letter byte) {
	t.Helper()
	waitFor(t, fmt.Sprintf("task %d in state %q", tk.PID(), letter), func() bool { return tk.Stat().State == letter })
}

// peerReadTasks reads the tasks file of c through the path API.
func peerReadTasks(t *testing.T, h *freezer.Hierarchy, c *freezer.Cgroup) string {
	t.Helper()
	b, err := h.ReadFile(c.Path() + "/tasks")
	if err != nil {
		t.Fatalf("ReadFile(%s/tasks): %v", c.Path(), err)
	}
	return string(b)
}

func peerFreeze(t *testing.T, c *freezer.Cgroup) {
	t.Helper()
	if err := c.Freeze(); err != nil {
		t.Fatalf("Freeze(%s): %v", c.Path(), err)
	}
}

func peerThaw(t *testing.T, c *freezer.Cgroup) {
	t.Helper()
	if err := c.Thaw(); err != nil {
		t.Fatalf("Thaw(%s): %v", c.Path(), err)
	}
}

// TestSelftestSimple ports test_cgfreezer_simple: 100 sleeping tasks must each
// be woken to freeze, and the cgroup reads FROZEN exactly when the last parks.
func TestSelftestSimple(t *testing.T) {
	const n = 100
	h := newHierarchy(t)
	c := mkdir(t, h, "simple")
	tasks := make([]*freezer.Task, n)
	workers := make([]*worker, n)
	for i := range n {
		tasks[i], workers[i] = spawnWorker(t, c, "sleeper")
	}
	// The last to park: a task on CPU (between safe points) until released.
	release, open := peerGate(t)
	started := make(chan struct{})
	lw := newWorker()
	laggard, err := c.Spawn("laggard", func(tk *freezer.Task) {
		close(started)
		<-release
		lw.run(tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	for _, tk := range tasks {
		peerWaitLetter(t, tk, 'S')
	}
	wantState(t, c, freezer.Running)

	peerFreeze(t, c)
	for _, tk := range tasks {
		waitFor(t, "sleeper frozen", tk.Frozen)
	}
	// Every sleeper is parked but the laggard is not: FREEZING, not FROZEN.
	wantState(t, c, freezer.Freezing)
	peerWantStat(t, "laggard before release", laggard, 'R', false, true)
	time.Sleep(quiet)
	wantState(t, c, freezer.Freezing)

	open()
	waitFrozen(t, c)
	peerWantStat(t, "laggard", laggard, 'D', true, false)
	for i, tk := range tasks {
		peerWantStat(t, fmt.Sprintf("sleeper %d", i), tk, 'D', true, false)
	}
	staysPut(t, "frozen sleeper 0", workers[0])

	peerThaw(t, c)
	wantState(t, c, freezer.Running)
	for i, w := range workers {
		runsAgain(t, fmt.Sprintf("sleeper %d", i), w)
	}
	runsAgain(t, "laggard", lw)
	for _, tk := range append(tasks, laggard) {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("after thaw: %+v", st)
		}
	}
}

// peerForkbomb returns forkbomb_fn: a task function doing fork(); fork();
// so that four tasks run loop, the three children named name. Fork errors
// are sent to errs while it has room.
func peerForkbomb(name string, loop func(*freezer.Task), errs chan<- error) func(*freezer.Task) {
	fork := func(tk *freezer.Task, fn func(*freezer.Task)) {
		if _, err := tk.Fork(name, fn); err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	}
	second := func(tk *freezer.Task) { // the first fork's child, which forks once more
		fork(tk, loop)
		loop(tk)
	}
	return func(tk *freezer.Task) {
		fork(tk, second)
		fork(tk, loop)
		loop(tk)
	}
}

// peerRounds is how many rounds a test plays: n, or short with -short.
func peerRounds(n, short int) int {
	if testing.Short() {
		return short
	}
	return n
}

// peerNoForkError fails the test if the fork bomb of round r has sent a
// fork error to errs.
func peerNoForkError(t *testing.T, r int, errs <-chan error) {
	t.Helper()
	select {
	case err := <-errs:
		t.Fatalf("round %d: fork: %v", r, err)
	default:
	}
}

// TestSelftestForkbomb ports test_cgfreezer_forkbomb: a freeze racing
// fork();fork(); reaches FROZEN. In v1 a kill of frozen tasks takes effect
// only after the thaw, after which the cgroup empties and can be removed.
func TestSelftestForkbomb(t *testing.T) {
	h := newHierarchy(t)
	for r := range peerRounds(20, 5) {
		name := fmt.Sprintf("forkbomb%d", r)
		c := mkdir(t, h, name)
		started := make(chan struct{})
		errs := make(chan error, 8)
		bomb := peerForkbomb("forkbomb", sleeper, errs)
		if _, err := c.Spawn("forkbomb", func(tk *freezer.Task) {
			close(started)
			bomb(tk)
		}); err != nil {
			t.Fatal(err)
		}
		if r == 0 {
			// One round with the bomb complete, as the selftest's 100 ms wait.
			waitFor(t, "4 tasks", func() bool { return len(c.PIDs()) == 4 })
		} else {
			<-started // the forks race the freeze
		}
		peerFreeze(t, c)
		waitFrozen(t, c)

		tasks := peerTasks(c)
		if len(tasks) < 1 || len(tasks) > 4 {
			t.Fatalf("round %d: %d tasks, want 1..4", r, len(tasks))
		}
		if r == 0 && len(tasks) != 4 {
			t.Fatalf("round 0: %d tasks, want 4", len(tasks))
		}
		for _, tk := range tasks {
			if st := tk.Stat(); !st.Frozen {
				t.Fatalf("round %d: task in FROZEN cgroup not frozen: %+v", r, st)
			}
		}
		pids := c.PIDs()
		for _, tk := range tasks {
			tk.Kill()
		}
		// v1: killed frozen tasks stay, frozen, until the thaw.
		time.Sleep(quiet)
		if got := c.PIDs(); !slices.Equal(got, pids) {
			t.Fatalf("round %d: tasks while frozen after kill %v, want %v", r, got, pids)
		}
		for _, tk := range tasks {
			if peerExited(tk) || !tk.Frozen() {
				t.Fatalf("round %d: killed task died or left the refrigerator before the thaw: %+v", r, tk.Stat())
			}
		}
		wantState(t, c, freezer.Frozen)

		peerThaw(t, c)
		waitDone(t, tasks...)
		if got := peerReadTasks(t, h, c); got != "" {
			t.Fatalf("round %d: tasks file after kill and thaw: %q, want empty", r, got)
		}
		if err := h.Rmdir("/" + name); err != nil {
			t.Fatalf("round %d: Rmdir: %v", r, err)
		}
		peerNoForkError(t, r, errs)
	}
}

// TestSelftestPtrace ports test_cgfreezer_ptrace: tracing a frozen task and
// detaching again leaves the cgroup FROZEN throughout, with no transient read
// of anything else; a trace still pending at the thaw traps afterwards.
func TestSelftestPtrace(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "ptrace")
	tk, w := spawnWorker(t, c, "child")
	peerWaitLetter(t, tk, 'S')
	peerFreeze(t, c)
	waitFrozen(t, c)

	// A reader that records every read during Trace and Untrace.
	stop := make(chan struct{})
	done := make(chan struct{})
	var reads, bad atomic.Int64
	var badState atomic.Value
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			s, err := c.State()
			if err != nil || s != freezer.Frozen {
				bad.Add(1)
				badState.Store(fmt.Sprint(s, err))
			}
			reads.Add(1)
		}
	}()
	waitFor(t, "reader running", func() bool { return reads.Load() > 0 })

	tk.Trace()
	n := reads.Load()
	waitFor(t, "reads while traced", func() bool { return reads.Load() > n+10 })
	peerWantStat(t, "traced while frozen", tk, 'D', true, false)
	tk.Untrace()
	n = reads.Load()
	waitFor(t, "reads after detach", func() bool { return reads.Load() > n+10 })
	close(stop)
	<-done
	if b := bad.Load(); b != 0 {
		t.Fatalf("%d of %d reads were not FROZEN (e.g. %v)", b, reads.Load(), badState.Load())
	}
	wantState(t, c, freezer.Frozen)
	peerWantStat(t, "after detach", tk, 'D', true, false)
	staysPut(t, "frozen after detach", w)

	// Traced while frozen, then thawed: the trap is taken after the thaw.
	tk.Trace()
	peerThaw(t, c)
	wantState(t, c, freezer.Running)
	peerWaitLetter(t, tk, 't')
	peerWantStat(t, "trapped after thaw", tk, 't', false, false)
	tk.Untrace()
	runsAgain(t, "detached task", w)
}

// TestSelftestStopped ports test_cgfreezer_stopped: a stopped task does not
// make its cgroup FROZEN, counts as frozen during a freeze, and a thaw leaves
// it stopped.
func TestSelftestStopped(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "stopped")
	tk, w := spawnWorker(t, c, "child")
	tk.Stop()
	peerWaitLetter(t, tk, 'T')
	wantState(t, c, freezer.Running)

	peerFreeze(t, c)
	waitFrozen(t, c)
	peerWantStat(t, "stopped while frozen", tk, 'T', false, true)

	peerThaw(t, c)
	wantState(t, c, freezer.Running)
	peerWantStat(t, "after thaw", tk, 'T', false, false)
	staysPut(t, "stopped after thaw", w)
	peerWantStat(t, "still stopped", tk, 'T', false, false)

	tk.Continue()
	runsAgain(t, "continued task", w)
}

// TestSelftestPtraced ports test_cgfreezer_ptraced: a task in a traced stop
// before the freeze counts as frozen, stays traced across the thaw, and can
// be detached afterwards.
func TestSelftestPtraced(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "ptraced")
	tk, w := spawnWorker(t, c, "child")
	tk.Trace()
	peerWaitLetter(t, tk, 't')
	wantState(t, c, freezer.Running)

	peerFreeze(t, c)
	waitFrozen(t, c)
	peerWantStat(t, "traced while frozen", tk, 't', false, true)

	peerThaw(t, c)
	wantState(t, c, freezer.Running)
	peerWantStat(t, "after thaw", tk, 't', false, false)
	staysPut(t, "traced after thaw", w)

	tk.Untrace()
	runsAgain(t, "detached task", w)
	if st := tk.Stat(); st.State == 't' || st.State == 'T' {
		t.Errorf("after detach: %+v", st)
	}
}

// TestSelftestVfork ports test_cgfreezer_vfork: a vfork parent waiting for its
// sleeping child does not hold up the freeze.
func TestSelftestVfork(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "vfork")
	w := newWorker()
	parent, err := c.Spawn("vfork-parent", func(tk *freezer.Task) {
		_ = tk.Vfork("vfork-child", w.run)
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "2 tasks", func() bool { return len(c.PIDs()) == 2 })
	var child *freezer.Task
	for _, tk := range peerTasks(c) {
		if tk != parent {
			child = tk
		}
	}
	peerWaitLetter(t, parent, 'D')
	peerWaitLetter(t, child, 'S')

	if err := c.Freeze(); err != nil {
		t.Fatalf("Freeze with a vfork parent: %v, want nil (the parent is skip-counted)", err)
	}
	waitFrozen(t, c)
	peerWantStat(t, "vfork parent", parent, 'D', false, true)
	peerWantStat(t, "vfork child", child, 'D', true, false)
	staysPut(t, "frozen vfork child", w)

	peerThaw(t, c)
	wantState(t, c, freezer.Running)
	runsAgain(t, "vfork child", w)
	peerWantStat(t, "vfork parent after thaw", parent, 'D', false, false)
}

// peerBusy is a CPU-bound task that counts its loops and freezes only at its
// safe point.
func peerBusy(n *atomic.Int64) func(*freezer.Task) {
	return func(t *freezer.Task) {
		for {
			n.Add(1)
			t.TryToFreeze()
		}
	}
}

// TestMesosFreeze ports ROOT_CGROUPS_Freeze: a CPU-bound task freezes at its
// safe point, thaws, and dies of a kill.
func TestMesosFreeze(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "mesos")
	var n atomic.Int64
	tk, err := c.Spawn("busy", peerBusy(&n))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "busy task running", func() bool { return n.Load() > 0 })

	peerFreeze(t, c)
	waitFrozen(t, c)
	peerWantStat(t, "frozen busy task", tk, 'D', true, false)
	n0 := n.Load()
	time.Sleep(quiet)
	if n1 := n.Load(); n1 != n0 {
		t.Fatalf("frozen busy task ran %d loops", n1-n0)
	}

	peerThaw(t, c)
	wantState(t, c, freezer.Running)
	waitFor(t, "busy task runs again", func() bool { return n.Load() > n0 })

	tk.Kill()
	waitDone(t, tk)
	if got := c.PIDs(); len(got) != 0 {
		t.Fatalf("tasks after kill: %v", got)
	}
}

// peerMesosForkbomb starts fork();fork(); of busy tasks in c and waits for the
// four of them.
func peerMesosForkbomb(t *testing.T, c *freezer.Cgroup) []*freezer.Task {
	t.Helper()
	var n atomic.Int64
	errs := make(chan error, 4)
	report := func(err error) {
		if err != nil {
			errs <- err
		}
	}
	loop := peerBusy(&n)
	second := func(tk *freezer.Task) {
		_, err := tk.Fork("busy", loop)
		report(err)
		loop(tk)
	}
	if _, err := c.Spawn("busy", func(tk *freezer.Task) {
		_, err := tk.Fork("busy", second)
		report(err)
		_, err = tk.Fork("busy", loop)
		report(err)
		loop(tk)
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 tasks", func() bool {
		select {
		case err := <-errs:
			t.Fatalf("fork: %v", err)
		default:
		}
		return len(c.PIDs()) == 4
	})
	return peerTasks(c)
}

// TestMesosKill ports Kill: a group kill of four busy tasks ends every one.
func TestMesosKill(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "mesos")
	tasks := peerMesosForkbomb(t, c)
	for tk := range c.Tasks() {
		tk.Kill()
	}
	waitDone(t, tasks...)
	if got := peerReadTasks(t, h, c); got != "" {
		t.Fatalf("tasks file after kill: %q, want empty", got)
	}
	if err := h.Rmdir(c.Path()); err != nil {
		t.Fatalf("Rmdir: %v", err)
	}
}

// peerDestroy is cgroups::destroy as Mesos's TasksKiller does it: freeze,
// kill every task, thaw, wait for them all, then rmdir.
func peerDestroy(t *testing.T, h *freezer.Hierarchy, c *freezer.Cgroup) []*freezer.Task {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.FreezeContext(ctx); err != nil {
		t.Fatalf("FreezeContext(%s): %v", c.Path(), err)
	}
	wantState(t, c, freezer.Frozen)
	tasks := peerTasks(c)
	for _, tk := range tasks {
		tk.Kill()
	}
	peerThaw(t, c)
	waitDone(t, tasks...)
	if got := peerReadTasks(t, h, c); got != "" {
		t.Fatalf("tasks file after destroy: %q, want empty", got)
	}
	if err := h.Rmdir(c.Path()); err != nil {
		t.Fatalf("Rmdir(%s): %v", c.Path(), err)
	}
	if _, err := h.Lookup(c.Path()); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Lookup after Rmdir: %v, want ENOENT", err)
	}
	return tasks
}

// TestMesosDestroy ports Destroy: freeze, kill, thaw and rmdir of a cgroup of
// four busy tasks completes and leaves no task behind.
func TestMesosDestroy(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "mesos")
	tasks := peerMesosForkbomb(t, c)
	if got := peerDestroy(t, h, c); len(got) != len(tasks) {
		t.Fatalf("destroy killed %d tasks, want %d", len(got), len(tasks))
	}
	for _, tk := range tasks {
		if st := tk.Stat(); st.State != 'Z' {
			t.Errorf("after destroy: %+v, want Z", st)
		}
	}
}

// TestMesosDestroyStoppedProcess ports DestroyStoppedProcess: a stopped task
// neither holds up the freeze nor survives the kill.
func TestMesosDestroyStoppedProcess(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "mesos")
	tk, _ := spawnWorker(t, c, "child")
	tk.Stop()
	peerWaitLetter(t, tk, 'T')
	peerDestroy(t, h, c)
	if st := tk.Stat(); st.State != 'Z' {
		t.Fatalf("after destroy: %+v, want Z", st)
	}
}

// TestMesosDestroyTracedProcess ports DestroyTracedProcess: as the stopped
// case, with the task in a traced stop.
func TestMesosDestroyTracedProcess(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "mesos")
	tk, _ := spawnWorker(t, c, "child")
	tk.Trace()
	peerWaitLetter(t, tk, 't')
	peerDestroy(t, h, c)
	if st := tk.Stat(); st.State != 'Z' {
		t.Fatalf("after destroy: %+v, want Z", st)
	}
}
