package freezer_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cgfreezer/freezer"
)

// This file is a bounded concurrency stress test: driver goroutines spawn,
// attach, kill, stop, continue, trace, untrace, freeze, thaw, read, mkdir
// and rmdir at random while the tasks themselves fork, vfork, sleep, wait,
// block in D and exit. At quiescent points (drivers paused, every task
// parked, frozen or stopped) it checks DESIGN.md's invariants. Every private
// name here starts with "st".

// TestStressInvariants runs stDrivers drivers for a fixed number of phases
// and operations, and at the end of each phase checks that FROZEN means
// every task is frozen enough, that every live task is in exactly one cgroup
// with iteration, the tasks files and the pid hash agreeing, and, after a
// thaw of every cgroup, that no task is frozen or has a freeze request. The
// lock checker panics on any inversion; goleak checks after Shutdown.
func TestStressInvariants(t *testing.T) {
	phases, opsPerDriver := 4, 300
	if testing.Short() {
		phases, opsPerDriver = 3, 120
	}
	if n, err := strconv.Atoi(os.Getenv("FREEZER_STRESS_PHASES")); err == nil && n > 0 {
		phases = n // a long run: FREEZER_STRESS_PHASES=100 go test -race -run TestStressInvariants
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d phases, %d drivers x %d operations per phase", seed, phases, stDrivers, opsPerDriver)

	h := newHierarchy(t)
	w := stNewWorld(t, h)
	for _, p := range []string{"/s0", "/s1", "/s2", "/s3"} {
		w.mkdir(p)
	}
	// A few tasks of every kind to start with.
	for i, k := range stKinds {
		if _, err := w.spawn(w.cgroup(fmt.Sprintf("/s%d", i%4)), k); err != nil {
			t.Fatalf("spawn %s: %v", k, err)
		}
	}

	var stats stOpStats
	for phase := range phases {
		w.resume()
		var wg sync.WaitGroup
		for d := range stDrivers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(phase*stDrivers+d)))
				for range opsPerDriver {
					w.randomOp(r, &stats)
				}
			}()
		}
		wg.Wait()
		w.pause()
		w.settle()
		w.checkFrozenMeansFrozenEnough()
		w.checkMembership()
		if phase%2 == 1 || phase == phases-1 {
			w.thawAllAndCheck()
			w.settle()
			w.checkMembership()
		}
		if t.Failed() {
			t.Fatalf("phase %d failed; seed %d", phase, seed)
		}
	}
	t.Logf("operations: %v; tasks created: %d", stats.String(), w.created.Load())

	// Shut down: open every gate, then Shutdown, then look for leaks.
	w.release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, e := range w.allEntries() {
		select {
		case <-e.tk.Done():
		default:
			t.Errorf("task %d (%s) alive after Shutdown: %+v", e.tk.PID(), e.tk.Name(), e.tk.Stat())
		}
	}
	goleak.VerifyNone(t)
}

const (
	stDrivers  = 4
	stMaxLive  = 64 // no spawn or fork beyond this many live tasks
	stMaxForks = 3  // children a forker makes per resume
)

// ---------------------------------------------------------------------------
// The world: the hierarchy, the tasks the test knows of, and the pause gate.

type stKind string

const (
	stBusy     stKind = "busy"     // a CPU loop with safe points
	stSleeper  stKind = "sleeper"  // short interruptible sleeps
	stWaiter   stKind = "waiter"   // interruptible waits on the phase channel
	stDSleeper stKind = "dsleeper" // short uninterruptible sleeps
	stDWaiter  stKind = "dwaiter"  // an uninterruptible wait until the phase ends
	stSelector stKind = "selector" // its own select on Interrupt
	stForker   stKind = "forker"   // forks children that run briefly and exit
	stVforker  stKind = "vforker"  // vforks children that run briefly and exit
	stExiter   stKind = "exiter"   // returns after a few rounds
	stNoFreeze stKind = "nofreeze" // a NoFreeze sleeper
	stChild    stKind = "child"    // made by a forker or vforker
)

var stKinds = []stKind{stBusy, stSleeper, stWaiter, stDSleeper, stDWaiter, stSelector, stForker, stVforker, stExiter, stNoFreeze}

// stEntry is what the test knows of a task beyond its Stat.
type stEntry struct {
	tk      *freezer.Task
	kind    stKind
	parked  atomic.Bool // set while it waits at the pause point
	inVfork atomic.Bool // set around Vfork: a 'D' with this set is a vfork wait
	killed  atomic.Bool // Kill was sent
}

type stWorld struct {
	t *testing.T
	h *freezer.Hierarchy

	paused  atomic.Bool
	mu      sync.Mutex
	resumeC chan struct{}              // closed when the drivers run
	phaseC  chan struct{}              // closed when the drivers stop
	entries map[*freezer.Task]*stEntry // every task the test has seen
	list    []*stEntry                 // the same, for random picks
	cgroups map[string]*freezer.Cgroup // latest handle per path, removed ones included

	created atomic.Int64
}

func stNewWorld(t *testing.T, h *freezer.Hierarchy) *stWorld {
	w := &stWorld{
		t: t, h: h,
		resumeC: make(chan struct{}),
		phaseC:  make(chan struct{}),
		entries: map[*freezer.Task]*stEntry{},
		cgroups: map[string]*freezer.Cgroup{},
	}
	w.paused.Store(true)
	// Open every gate before the hierarchy's Shutdown (cleanups run last
	// first), so no task stays in a wait on a channel of the test.
	t.Cleanup(w.release)
	return w
}

func stClose(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

// resume lets drivers and tasks run: a new phase.
func (w *stWorld) resume() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.phaseC = make(chan struct{})
	w.paused.Store(false)
	stClose(w.resumeC)
}

// release opens every gate for good, so that no task stays in a wait on a
// channel of the test: before Shutdown.
func (w *stWorld) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.paused.Store(false)
	stClose(w.resumeC)
	stClose(w.phaseC)
}

// pause stops the tasks' own activity at their pause points and ends the
// phase for the tasks waiting on it. The drivers have already returned.
func (w *stWorld) pause() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.resumeC = make(chan struct{})
	w.paused.Store(true)
	stClose(w.phaseC)
}

func (w *stWorld) gates() (resume, phase <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.resumeC, w.phaseC
}

func (w *stWorld) entry(tk *freezer.Task) *stEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.entries[tk]
}

// register records a task; called by the task itself as its first action, so
// that a task the test does not know yet has not run any of its code.
func (w *stWorld) register(tk *freezer.Task, kind stKind) *stEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e, ok := w.entries[tk]; ok {
		return e
	}
	e := &stEntry{tk: tk, kind: kind}
	w.entries[tk] = e
	w.list = append(w.list, e)
	return e
}

func (w *stWorld) allEntries() []*stEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.list)
}

// randomEntry picks a task the test knows, preferring live ones: a few
// tries, then whatever came up (exited tasks are fair targets too).
func (w *stWorld) randomEntry(r *rand.Rand) *stEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.list) == 0 {
		return nil
	}
	var e *stEntry
	for range 4 {
		e = w.list[r.IntN(len(w.list))]
		select {
		case <-e.tk.Done():
		default:
			return e
		}
	}
	return e
}

func (w *stWorld) cgroup(path string) *freezer.Cgroup {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cgroups[path]
}

func (w *stWorld) mkdir(path string) {
	if err := w.h.Mkdir(path); err != nil && !errors.Is(err, syscall.EEXIST) && !errors.Is(err, syscall.ENOENT) {
		w.t.Errorf("Mkdir(%q): %v", path, err)
		return
	}
	c, err := w.h.Lookup(path)
	if err != nil {
		return // removed again meanwhile, or its parent is gone
	}
	w.mu.Lock()
	w.cgroups[path] = c
	w.mu.Unlock()
}

// live reports how many tasks are alive, by the pid hash.
func (w *stWorld) live() int {
	n := 0
	for _, e := range w.allEntries() {
		select {
		case <-e.tk.Done():
		default:
			n++
		}
	}
	return n
}

// pausePoint parks the task while the world is paused.
func (w *stWorld) pausePoint(tk *freezer.Task, e *stEntry) {
	for w.paused.Load() {
		resume, _ := w.gates()
		e.parked.Store(true)
		tk.Wait(resume)
		e.parked.Store(false)
	}
}

// body returns the function of a task of the given kind.
func (w *stWorld) body(kind stKind) func(*freezer.Task) {
	return func(tk *freezer.Task) {
		e := w.register(tk, kind)
		r := rand.New(rand.NewPCG(uint64(tk.PID()), 7))
		for round := 0; ; round++ {
			w.pausePoint(tk, e)
			switch kind {
			case stBusy:
				for range 50 {
					tk.TryToFreeze()
				}
				runtime.Gosched()
			case stSleeper, stNoFreeze:
				tk.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
			case stWaiter:
				_, phase := w.gates()
				tk.Wait(phase)
			case stDSleeper:
				tk.SleepUninterruptible(time.Duration(r.IntN(500)) * time.Microsecond)
			case stDWaiter:
				_, phase := w.gates()
				tk.WaitUninterruptible(phase)
			case stSelector:
				timer := time.NewTimer(time.Millisecond)
				select {
				case <-tk.Interrupt():
				case <-timer.C:
				}
				timer.Stop()
				tk.TryToFreeze()
			case stForker:
				if round%stMaxForks == 0 && w.live() < stMaxLive {
					w.created.Add(1)
					child, err := tk.Fork("child", w.body(stChild))
					if err != nil {
						if !errors.Is(err, syscall.ENODEV) {
							w.t.Errorf("Fork: %v", err)
						}
						continue
					}
					_ = child // it runs briefly and exits by itself
				}
				tk.Sleep(500 * time.Microsecond)
			case stVforker:
				if w.live() < stMaxLive {
					w.created.Add(1)
					e.inVfork.Store(true)
					err := tk.Vfork("vchild", w.body(stChild))
					e.inVfork.Store(false)
					if err != nil && !errors.Is(err, syscall.ENODEV) {
						w.t.Errorf("Vfork: %v", err)
					}
				}
				tk.TryToFreeze()
			case stExiter:
				if round >= 5 {
					return
				}
				tk.Sleep(500 * time.Microsecond)
			case stChild:
				// A short life: a few safe points and a sleep, then exit.
				tk.Sleep(time.Duration(r.IntN(1000)) * time.Microsecond)
				return
			}
		}
	}
}

func (w *stWorld) spawn(c *freezer.Cgroup, kind stKind) (*freezer.Task, error) {
	var opts []freezer.TaskOption
	if kind == stNoFreeze {
		opts = append(opts, freezer.NoFreeze())
	}
	w.created.Add(1)
	tk, err := c.Spawn(string(kind), w.body(kind), opts...)
	if err != nil {
		return nil, err
	}
	w.register(tk, kind) // before it runs, so drivers can pick it at once
	return tk, nil
}

// ---------------------------------------------------------------------------
// Drivers.

type stOpStats struct {
	mu     sync.Mutex
	counts map[string]int
}

func (s *stOpStats) add(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[op]++
	if err != nil {
		s.counts[op+":"+stErrName(err)]++
	}
}

func (s *stOpStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.counts))
	for k := range s.counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, s.counts[k])
	}
	return b.String()
}

func stErrName(err error) string {
	for _, e := range []error{syscall.EBUSY, syscall.ENODEV, syscall.ESRCH, syscall.ENOENT, syscall.EEXIST, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			if errno, ok := e.(syscall.Errno); ok {
				return fzErrnoName(errno)
			}
			return "deadline"
		}
	}
	return "other"
}

var stPaths = []string{"/s0", "/s1", "/s2", "/s3", "/s0/x0", "/s0/x1", "/s1/x0"}

// randomOp performs one random operation and checks that its error, if any,
// is one the operation documents. The path API may also give ENODEV: the
// path resolved to a cgroup that another driver removed before the read or
// write ran, as with a file held open on cgroupfs.
func (w *stWorld) randomOp(r *rand.Rand, stats *stOpStats) {
	path := stPaths[r.IntN(len(stPaths))]
	c := w.cgroup(path)
	e := w.randomEntry(r)
	check := func(op string, err error, allowed ...error) {
		stats.add(op, err)
		if err == nil {
			return
		}
		for _, a := range allowed {
			if errors.Is(err, a) {
				return
			}
		}
		w.t.Errorf("%s %s: unexpected error %v", op, path, err)
	}
	if c == nil && r.IntN(4) != 0 {
		w.mkdir(path)
		stats.add("mkdir", nil)
		return
	}
	switch op := r.IntN(20); {
	case op < 3: // spawn
		if c == nil || w.live() >= stMaxLive {
			return
		}
		kind := stKinds[r.IntN(len(stKinds))]
		_, err := w.spawn(c, kind)
		check("spawn", err, syscall.EBUSY, syscall.ENODEV)
	case op < 5: // attach, by method or by the tasks file
		if c == nil || e == nil {
			return
		}
		if r.IntN(2) == 0 {
			check("attach", c.Attach(e.tk), syscall.EBUSY, syscall.ESRCH, syscall.ENODEV)
		} else {
			err := w.h.WriteFile(path+"/tasks", []byte(strconv.Itoa(e.tk.PID())+"\n"))
			check("write tasks", err, syscall.EBUSY, syscall.ESRCH, syscall.ENOENT, syscall.ENODEV)
		}
	case op == 5:
		if e != nil {
			// Kill only tasks whose gates the test controls: every kind.
			e.killed.Store(true)
			e.tk.Kill()
			stats.add("kill", nil)
		}
	case op == 6:
		if e != nil {
			e.tk.Stop()
			stats.add("stop", nil)
		}
	case op == 7:
		if e != nil {
			e.tk.Continue()
			stats.add("continue", nil)
		}
	case op == 8:
		if e != nil {
			e.tk.Trace()
			stats.add("trace", nil)
		}
	case op == 9:
		if e != nil {
			e.tk.Untrace()
			stats.add("untrace", nil)
		}
	case op < 13: // freeze, by method or by freezer.state
		if c == nil {
			return
		}
		if r.IntN(2) == 0 {
			check("freeze", c.Freeze(), syscall.EBUSY, syscall.ENODEV)
		} else {
			check("write FROZEN", w.h.WriteFile(path+"/freezer.state", []byte("FROZEN\n")), syscall.EBUSY, syscall.ENOENT, syscall.ENODEV)
		}
	case op < 15: // thaw
		if c == nil {
			return
		}
		if r.IntN(2) == 0 {
			check("thaw", c.Thaw(), syscall.ENODEV)
		} else {
			check("write RUNNING", w.h.WriteFile(path+"/freezer.state", []byte("RUNNING")), syscall.ENOENT, syscall.ENODEV)
		}
	case op == 15: // blocking helpers with a short deadline
		if c == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(500))*time.Microsecond)
		if r.IntN(2) == 0 {
			check("FreezeContext", c.FreezeContext(ctx), context.DeadlineExceeded, syscall.ENODEV)
		} else {
			check("WaitFrozen", c.WaitFrozen(ctx), context.DeadlineExceeded, syscall.ENODEV)
		}
		cancel()
	case op == 16: // reads
		if c != nil {
			s, err := c.State()
			check("state", err, syscall.ENODEV)
			if err == nil && s != freezer.Running && s != freezer.Freezing && s != freezer.Frozen {
				w.t.Errorf("State(%s) = %v", path, s)
			}
		}
		_, err := w.h.ReadFile(path + "/tasks")
		check("read tasks", err, syscall.ENOENT, syscall.ENODEV)
		if e != nil {
			if st := e.tk.Stat(); st.PID != e.tk.PID() || !strings.ContainsRune("RSDTtZ", rune(st.State)) {
				w.t.Errorf("Stat = %+v", st)
			}
		}
	case op == 17: // iterate and signal inside the loop, as Tasks allows
		if c == nil {
			return
		}
		n := 0
		for tk := range c.Tasks() {
			_ = tk.Stat()
			n++
		}
		stats.add("iterate", nil)
	case op == 18: // mkdir
		w.mkdir(path)
		stats.add("mkdir", nil)
	case op == 19: // rmdir, only of the dynamic cgroups, after moving their tasks out
		if strings.Count(path, "/") < 2 {
			return
		}
		if c != nil && r.IntN(2) == 0 {
			var ts []*freezer.Task
			for tk := range c.Tasks() {
				ts = append(ts, tk)
			}
			for _, tk := range ts {
				check("evacuate", c.Parent().Attach(tk), syscall.EBUSY, syscall.ESRCH, syscall.ENODEV)
			}
		}
		check("rmdir", w.h.Rmdir(path), syscall.EBUSY, syscall.ENOENT)
	}
}

// ---------------------------------------------------------------------------
// Quiescence and the invariants.

// liveTasks returns every task in a live cgroup, with the cgroup's path.
func (w *stWorld) liveTasks() map[*freezer.Task]string {
	out := map[*freezer.Task]string{}
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		for tk := range c.Tasks() {
			out[tk] = c.Path()
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(w.h.Root())
	return out
}

// settled reports whether a task can do nothing more by itself while the
// world is paused: it is frozen, stopped or traced, parked at its pause point
// with nothing pending, or a vfork parent waiting for a child (the child is
// checked in its own right).
func (w *stWorld) settled(tk *freezer.Task) (bool, string) {
	st := tk.Stat()
	e := w.entry(tk)
	switch {
	case st.Frozen, st.State == 'T', st.State == 't':
		return true, ""
	case e == nil:
		return false, fmt.Sprintf("%+v: has not run yet", st)
	case e.parked.Load() && st.State == 'S' && !st.Freezing && !e.killed.Load():
		return true, ""
	case e.inVfork.Load() && st.State == 'D':
		return true, ""
	}
	return false, fmt.Sprintf("%+v (%s, parked %v, vfork %v, killed %v)", st, e.kind, e.parked.Load(), e.inVfork.Load(), e.killed.Load())
}

// settle waits until every live task has settled.
func (w *stWorld) settle() {
	w.t.Helper()
	var last []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		last = last[:0]
		for tk := range w.liveTasks() {
			if ok, why := w.settled(tk); !ok {
				last = append(last, why)
			}
		}
		if len(last) == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("tasks did not settle at a quiescent point:\n%s", strings.Join(last, "\n"))
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// frozenEnough is DESIGN.md's "frozen enough", from the task's Stat and what
// the test knows: frozen, or a freeze request while stopped, traced or in a
// vfork wait.
func (w *stWorld) frozenEnough(tk *freezer.Task) (bool, freezer.TaskStat) {
	st := tk.Stat()
	if st.Frozen {
		return true, st
	}
	e := w.entry(tk)
	vfork := e != nil && e.inVfork.Load() && st.State == 'D'
	return st.Freezing && (st.State == 'T' || st.State == 't' || vfork), st
}

// checkFrozenMeansFrozenEnough: a cgroup that reads FROZEN has only tasks
// that are frozen enough. Nothing can change a FROZEN cgroup while the world
// is paused, so reading the state and then the tasks is consistent.
func (w *stWorld) checkFrozenMeansFrozenEnough() {
	w.t.Helper()
	frozen, kinds := 0, map[string]int{}
	for _, p := range stPaths {
		c, err := w.h.Lookup(p)
		if err != nil {
			continue
		}
		s, err := c.State()
		if err != nil {
			w.t.Errorf("State(%s): %v", p, err)
			continue
		}
		if s != freezer.Frozen {
			continue
		}
		frozen++
		for tk := range c.Tasks() {
			ok, st := w.frozenEnough(tk)
			if !ok {
				w.t.Errorf("%s reads FROZEN, but task %+v is not frozen enough", p, st)
			}
			switch {
			case st.Frozen:
				kinds["frozen"]++
			default:
				kinds["request+"+string(st.State)]++
			}
		}
	}
	w.t.Logf("quiescent: %d live tasks, %d cgroups FROZEN with tasks %v", len(w.liveTasks()), frozen, kinds)
}

// checkMembership: every live task is in exactly one cgroup; each cgroup's
// iteration agrees with its tasks file and with the tasks' own Stat; and the
// union over cgroups is exactly the set of PIDs the hierarchy knows.
func (w *stWorld) checkMembership() {
	w.t.Helper()
	where := map[int]string{}
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		var it []int
		for tk := range c.Tasks() {
			it = append(it, tk.PID())
			if st := tk.Stat(); st.Cgroup != c.Path() || st.State == 'Z' {
				w.t.Errorf("%s iterates task %+v", c.Path(), st)
			}
			if got := tk.Cgroup(); got != c {
				w.t.Errorf("%s iterates task %d whose Cgroup() is %v", c.Path(), tk.PID(), got)
			}
		}
		slices.Sort(it)
		b, err := w.h.ReadFile(strings.TrimSuffix(c.Path(), "/") + "/tasks")
		if err != nil {
			w.t.Errorf("read %s tasks: %v", c.Path(), err)
		} else if got := fzPIDLines(it); string(b) != got {
			w.t.Errorf("%s: tasks file %q, iteration %q", c.Path(), b, got)
		}
		for _, pid := range it {
			if prev, dup := where[pid]; dup {
				w.t.Errorf("task %d is in both %s and %s", pid, prev, c.Path())
			}
			where[pid] = c.Path()
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(w.h.Root())

	// The PIDs the hierarchy knows: a probe's PID bounds them, since nothing
	// forks while the world is paused.
	probe, err := w.h.Root().Spawn("probe", func(*freezer.Task) {})
	if err != nil {
		w.t.Fatalf("Spawn probe: %v", err)
	}
	<-probe.Done()
	for pid := 1; pid < probe.PID(); pid++ {
		tk, ok := w.h.Task(pid)
		p, listed := where[pid]
		switch {
		case ok && !listed:
			w.t.Errorf("task %+v is live but in no cgroup's tasks", tk.Stat())
		case !ok && listed:
			w.t.Errorf("task %d is in %s but not live", pid, p)
		case ok && tk.PID() != pid:
			w.t.Errorf("Task(%d) returned task %d", pid, tk.PID())
		}
	}
	if _, ok := w.h.Task(probe.PID()); ok {
		w.t.Errorf("exited probe %d is still live", probe.PID())
	}
}

// thawAllAndCheck thaws every cgroup and checks at once that no task is
// frozen or has a freeze request: a thaw clears both under the task's locks,
// and nothing sends a new request while the world is paused.
func (w *stWorld) thawAllAndCheck() {
	w.t.Helper()
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		if c.Parent() != nil {
			if err := c.Thaw(); err != nil {
				w.t.Errorf("Thaw(%s): %v", c.Path(), err)
			}
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(w.h.Root())
	for tk := range w.liveTasks() {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			w.t.Errorf("after the last thaw task %+v is frozen or freezing", st)
		}
	}
	for _, p := range stPaths {
		if c, err := w.h.Lookup(p); err == nil {
			if s := state(w.t, c); s != freezer.Running {
				w.t.Errorf("after thaw %s is %v", p, s)
			}
		}
	}
}
