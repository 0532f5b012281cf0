package freezer

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// runState is what a task is doing when it is not frozen or stopped: the part
// of the kernel's task->state that the freezer looks at.
type runState uint8

const (
	runRunning runState = iota // R: on CPU, between safe points
	runSleep                   // S: TASK_INTERRUPTIBLE, woken by the fake signal
	runDisk                    // D: TASK_UNINTERRUPTIBLE, not woken by it
	runVfork                   // D: a vfork parent waiting for its child (PF_FREEZER_SKIP)
	runDead                    // Z: exited and left its cgroup
)

// Pending bits, read by TryToFreeze with one atomic load: the fast path is
// "nothing pending". A bit is set and cleared under siglock; the freeze bit
// under task_lock as well.
const (
	pendFreeze uint32 = 1 << iota // TIF_FREEZE: a freeze request
	pendKill                      // SIGKILL
	pendTrap                      // PTRACE_INTERRUPT
	pendStop                      // SIGSTOP
)

// Task is a goroutine that the hierarchy can freeze: the kernel's task_struct.
// It is created by [Cgroup.Spawn], [Task.Fork] or [Task.Vfork], runs its
// function on a goroutine of its own, and exits, leaving its cgroup, when the
// function returns or when it is killed at a safe point.
//
// Methods in the first group ([Task.TryToFreeze], [Task.Sleep],
// [Task.SleepUninterruptible], [Task.Wait], [Task.WaitUninterruptible],
// [Task.Interrupt], [Task.Fork] and [Task.Vfork]) may be called only by the
// task's own goroutine, the kernel's "current". The others may be called by
// any goroutine.
//
// There is no useful zero Task; a Task must not be copied.
type Task struct {
	// The fields that a safe point, a freeze and a thaw touch come first and
	// fit one 64-byte cache line, and the struct fits the 128-byte size
	// class, so that with 100,000 tasks each step of a freeze costs one
	// cache miss per task, not three.

	pending atomic.Uint32 // pend* bits

	// Under task_lock and siglock.
	frozen   bool // PF_FROZEN: parked in the refrigerator
	skip     bool // PF_FREEZER_SKIP: a vfork parent waiting for its child
	stopped  bool // in a group stop (T)
	trapped  bool // in a ptrace stop (t)
	killed   bool // took SIGKILL: its defers run; no more signals, freezes still
	exiting  bool // PF_EXITING: in exit, past its last safe point
	counted  bool // counted in its cgroup's counters (see recalcLocked)
	run      runState
	noFreeze bool // PF_NOFREEZE, fixed at creation

	taskMu sync.Mutex // task_lock: take it with lockTask
	sigMu  sync.Mutex // siglock: take it with lockSig

	h *Hierarchy

	// Under task_lock and siglock; cgroup also changes only under
	// css_set_lock held for writing, so any of the three is enough to read
	// it.
	cgroup *Cgroup

	// Under css_set_lock: the cgroup's task list (the kernel's cg_list).
	next, prev *Task

	// Under task_lock and siglock. intr is closed when a pending bit is set
	// (for a freeze request, just after the locks are dropped); it is nil
	// until the task asks for it.
	intr      chan struct{}
	ptraced   bool // a tracer is attached
	stopBelow bool // a group stop that a ptrace stop replaced; restored on detach

	// Under task_lock and siglock, made when first needed, so that a task
	// that never stops and is never waited for carries neither.
	wake chan struct{} // capacity 1: the wake-up of a stopped task
	done chan struct{} // closed once the task has exited and left its cgroup

	pid  int
	name string

	// With lock checks: the record of the locks the task's goroutine holds,
	// set when it starts, for its own use (see heldFor).
	held *heldLocks
}

// TaskOption configures a task at [Cgroup.Spawn].
type TaskOption func(*Task)

// NoFreeze marks the task as never freezing, like a kernel thread with
// PF_NOFREEZE: freeze requests are not sent to it, a write of FROZEN to its
// cgroup returns EBUSY, and the cgroup stays FREEZING while the task is in it.
// System suspend ([Hierarchy.FreezeProcesses]) skips it. A task forked by a
// NoFreeze task is NoFreeze too, as a kernel thread's children are.
func NoFreeze() TaskOption {
	return func(t *Task) { t.noFreeze = true }
}

// TaskStat is a snapshot of a task, as /proc/PID/stat and /proc/PID/cgroup
// would show it. Its zero value describes no task.
type TaskStat struct {
	PID    int
	Name   string
	Cgroup string // path of the task's cgroup; "" once it has exited
	// State is the /proc state letter: 'R' running, 'S' interruptible wait,
	// 'D' uninterruptible wait, vfork wait or frozen (a v1 kernel shows a
	// frozen task as D), 'T' stopped, 't' traced, 'Z' exited.
	// A frozen task shows 'S' in cgroup v2, whose freezer is an
	// interruptible trap, and in v1 a stopped or traced task that a freeze
	// has reached shows 'D' too.
	State    byte
	Frozen   bool // parked in the refrigerator
	Freezing bool // has a freeze request it has not yet honoured
}

func newTask(h *Hierarchy, name string, opts []TaskOption) *Task {
	t := &Task{h: h, name: name}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	return t
}

// lock takes task_lock then siglock: every change that can move the task in
// or out of "frozen enough" needs both. With checks, both acquisitions are
// checked and recorded before the first lock is taken, and released after the
// second is dropped, so that the checker's work never lengthens the time
// task_lock is held: a goroutine preempted there, under the race detector
// with thousands of runnable tasks, made every other wait for a full round.
func (t *Task) lock()   { t.lockBoth(false) }
func (t *Task) unlock() { t.unlockBoth(false) }

// lockBoth is lock, and unlockBoth unlock; own is as for heldFor.
func (t *Task) lockBoth(own bool) {
	if lc := t.h.chk; lc != nil {
		lc.acquirePair(t.heldFor(own, true))
	}
	t.taskMu.Lock()
	t.sigMu.Lock()
}

func (t *Task) unlockBoth(own bool) {
	t.sigMu.Unlock()
	t.taskMu.Unlock()
	if lc := t.h.chk; lc != nil {
		lc.releasePair(t.heldFor(own, false))
	}
}

// lockTask takes task_lock, and lockSig siglock. A task's two locks are bare
// sync.Mutexes checked through the hierarchy's checker, rather than the mutex
// type: a task then carries 16 bytes of locks instead of 48 (see the layout
// of Task).
func (t *Task) lockTask()   { lockAs(t.h.chk, &t.taskMu, classTaskLock) }
func (t *Task) unlockTask() { unlockAs(t.h.chk, &t.taskMu, classTaskLock) }
func (t *Task) lockSig()    { lockAs(t.h.chk, &t.sigMu, classSigLock) }
func (t *Task) unlockSig()  { unlockAs(t.h.chk, &t.sigMu, classSigLock) }

// The task's own goroutine keeps its record of held locks in the task, so
// that the checks on the paths its wake-ups take (a wait, a safe point, the
// refrigerator, a stop) read no shared state, as lockdep's do with current's
// held_locks. The own* methods serve the methods that only t's goroutine may
// call. A goroutine that t's never ran, as in the checker's own tests, is
// looked up as usual; any other goroutine calling them breaks that rule, and
// the race detector says so.

// heldFor returns the running goroutine's record of held locks, making one if
// it has none and create is set. own says that the caller is an own* method,
// which may look at t.held: the record is there if this is t's goroutine. The
// hierarchy has a checker.
func (t *Task) heldFor(own, create bool) *heldLocks {
	lc := t.h.chk
	if own {
		// Only own* methods read t.held: t's goroutine writes it as it
		// starts, with nothing ordering that before other goroutines.
		if r := t.held; r != nil && lc.held.owns(r) {
			return r
		}
	}
	if create {
		return lc.held.current()
	}
	return lc.held.find()
}

func (t *Task) ownLockAs(mu *sync.Mutex, class lockClass) {
	if lc := t.h.chk; lc != nil {
		lc.acquireIn(t.heldFor(true, true), class)
	}
	mu.Lock()
}

func (t *Task) ownUnlockAs(mu *sync.Mutex, class lockClass) {
	mu.Unlock()
	if lc := t.h.chk; lc != nil {
		lc.releaseIn(t.heldFor(true, false), class)
	}
}

// ownLock is lock, and ownUnlock unlock, for t's own goroutine.
func (t *Task) ownLock()   { t.lockBoth(true) }
func (t *Task) ownUnlock() { t.unlockBoth(true) }

// ownAssertUnlocked is the checker's assertUnlocked for t's own goroutine.
func (t *Task) ownAssertUnlocked(where string) {
	if lc := t.h.chk; lc != nil {
		lc.assertNone(t.heldFor(true, false), where)
	}
}

// start runs the task's goroutine. The first thing it does is pass a safe
// point, as a forked task does on its return from fork: a task created in a
// FREEZING cgroup freezes before any of its own code runs.
func (t *Task) start(fn func(*Task)) {
	go func() {
		defer t.exit()
		if lc := t.h.chk; lc != nil {
			t.held = lc.held.adopt()
		}
		t.TryToFreeze()
		fn(t)
	}()
}

// exit is do_exit: the task leaves its cgroup, runs the exit hooks, and is
// gone. Deferred, it runs whether the function returned or was killed.
func (t *Task) exit() {
	h := t.h
	t.ownLock()
	t.exiting = true
	t.pending.Store(0)
	t.ownUnlock()

	h.cssSetLock.Lock()
	t.lockTask()
	c := t.cgroup
	for _, ss := range h.subsys {
		ss.Exit(c, t)
	}
	delete(h.tasks, t.pid)
	t.lockSig()
	// The cgroup's state is brought up to date before the task leaves it, so
	// that a change the task made on its way out (a v2 kill takes it out of
	// the trap) gets its own look, as the kernel's cgroup_leave_frozen does,
	// rather than being folded into the look after the unlink. And it is
	// brought up to date again before anyone can see the task gone, as
	// cgroup_exit does under css_set_lock: whoever waits on Done, or on the
	// notification that the cgroup is empty, reads it settled.
	h.fz.settleLocked()
	c.unlinkLocked(t)
	c.populate(-1)
	h.fz.settleLocked()
	t.cgroup = nil
	t.run = runDead
	// The record goes out before Done is closed: whoever waits for the
	// task has seen all of its records.
	if h.log != nil {
		h.debug("exit", slog.Int("pid", t.pid), slog.String("cgroup", c.path),
			slog.String("state", h.fz.stateName(c)), slog.Bool("killed", t.killed))
	}
	if t.done != nil {
		close(t.done)
	}
	t.unlockSig()
	t.unlockTask()
	h.cssSetLock.Unlock()
}

// PID returns the task's process id, unique within its hierarchy. It does not
// block.
func (t *Task) PID() int { return t.pid }

// Name returns the name given at creation (the kernel's comm). It does not
// block.
func (t *Task) Name() string { return t.name }

// Cgroup returns the cgroup the task is in (task_cgroup), or nil once it has
// exited. The answer may be stale as soon as it is returned if another
// goroutine moves the task. It takes the task's task_lock.
func (t *Task) Cgroup() *Cgroup {
	t.lockTask()
	defer t.unlockTask()
	return t.cgroup
}

// Done returns a channel that is closed once the task has exited and left its
// cgroup: what wait(2) on it would see. Done itself does not block beyond
// the task's siglock.
func (t *Task) Done() <-chan struct{} {
	t.lockSig()
	defer t.unlockSig()
	if t.done == nil {
		if t.run == runDead {
			return closedChan
		}
		t.done = make(chan struct{})
	}
	return t.done
}

// Frozen reports whether the task is parked in the refrigerator: the kernel's
// frozen(p) (PF_FROZEN). It takes the task's task_lock.
func (t *Task) Frozen() bool {
	t.lockTask()
	defer t.unlockTask()
	return t.frozen
}

// Freezing reports whether the task has a freeze request it has not yet
// honoured: the kernel's freezing(p) (TIF_FREEZE). A task that has entered the
// refrigerator is frozen, no longer freezing. It does not block.
func (t *Task) Freezing() bool {
	return t.pending.Load()&pendFreeze != 0
}

// Stat returns a snapshot of the task. It does not block beyond the task's own
// locks.
func (t *Task) Stat() TaskStat {
	t.lock()
	defer t.unlock()
	return t.statLocked()
}

func (t *Task) statLocked() TaskStat {
	st := TaskStat{
		PID:      t.pid,
		Name:     t.name,
		Frozen:   t.frozen,
		Freezing: t.pending.Load()&pendFreeze != 0,
	}
	if t.cgroup != nil {
		st.Cgroup = t.cgroup.path
	}
	switch {
	case t.run == runDead:
		st.State = 'Z'
	case t.frozen:
		st.State = t.h.rules.frozenLetter
	case t.h.rules.stoppedShowsFrozen && (t.stopped || t.trapped) && st.Freezing:
		st.State = t.h.rules.frozenLetter
	case t.trapped:
		st.State = 't'
	case t.stopped:
		st.State = 'T'
	case t.run == runSleep:
		st.State = 'S'
	case t.run == runDisk, t.run == runVfork:
		st.State = 'D'
	default:
		st.State = 'R'
	}
	return st
}

// setPendingLocked raises pending bits and interrupts an interruptible wait:
// signal_wake_up. The caller holds siglock. Signals to a killed task are
// dropped, as a dying task takes no more signals; its deferred calls still run
// user code, so it can still be frozen.
func (t *Task) setPendingLocked(bits uint32) {
	if intr := t.raisePendingLocked(bits); intr != nil {
		close(intr)
	}
}

// raisePendingLocked is setPendingLocked without the wake-up: it returns the
// interrupt channel of an interruptible wait, detached from the task, for the
// caller to close. freezeTask closes it after dropping the task's locks, so
// that the task it wakes does not find them still held and park on them.
func (t *Task) raisePendingLocked(bits uint32) chan struct{} {
	if t.killed {
		bits &= pendFreeze // freezeLocked keeps v2's from a killed task
	}
	if t.exiting || bits == 0 {
		return nil
	}
	t.pending.Or(bits)
	intr := t.intr
	t.intr = nil
	return intr
}

// Kill sends SIGKILL. The task exits at its next safe point: its goroutine
// calls runtime.Goexit, so its deferred calls run. Kill wakes an interruptible
// wait and a stop, but not an uninterruptible wait. A frozen task dies after
// it is thawed in the patch and in v1, whose refrigerator no signal wakes;
// in v2 it dies at once (the fatal signal breaks the freezer trap). It does
// not block.
func (t *Task) Kill() {
	t.lock()
	kick := t.killLocked()
	t.unlock()
	if kick != nil {
		kick.kick()
	}
}

// killLocked is Kill with the task's locks held. It returns the cgroup whose
// thaw broadcast must be kicked to let the task out of the refrigerator, or
// nil: a caller that kills many tasks kicks each cgroup once, not once per
// task, which would wake every frozen task of the cgroup each time.
func (t *Task) killLocked() *Cgroup {
	if t.killed || t.exiting {
		return nil
	}
	t.setPendingLocked(pendKill)
	if t.stopped || t.trapped {
		t.stopped, t.trapped, t.stopBelow = false, false, false
		t.releaseLocked()
	}
	if t.frozen && t.h.rules.killFrozen {
		// cgroup_leave_frozen(true) on the way to do_exit: no longer
		// counted, and out of the trap at once.
		t.frozen = false
		t.pending.And(^pendFreeze)
		t.recalcLocked()
		return t.cgroup
	}
	return nil
}

// killAll kills tasks, kicking each cgroup that holds one of them frozen
// once at the end.
func killAll(tasks []*Task) {
	kicks := make(map[*Cgroup]bool)
	for _, t := range tasks {
		t.lock()
		if c := t.killLocked(); c != nil {
			kicks[c] = true
		}
		t.unlock()
	}
	for c := range kicks {
		c.kick()
	}
}

// Stop sends SIGSTOP. The task stops (state 'T') at its next safe point, or at
// once if it is in an interruptible wait. A stopped task is frozen enough
// while it has a freeze request, and a thaw ([Cgroup.Thaw]) leaves it
// stopped. It does not block.
func (t *Task) Stop() {
	t.lock()
	defer t.unlock()
	if t.stopped {
		return
	}
	t.setPendingLocked(pendStop)
}

// Continue sends SIGCONT: a stopped task runs again and a stop not yet taken
// is dropped. A task continued while it has a freeze request goes straight
// into the refrigerator, so it never counts as unfrozen in between. It does
// not block.
func (t *Task) Continue() {
	t.lock()
	t.pending.And(^pendStop)
	t.stopBelow = false
	if t.stopped {
		t.stopped = false
		t.releaseLocked()
	}
	t.unlock()
}

// Trace attaches a tracer and interrupts the task, like PTRACE_SEIZE followed
// by PTRACE_INTERRUPT: the task enters a traced stop (state 't') at its next
// safe point, or at once if it is in an interruptible wait; a stopped task
// turns its stop into a traced stop. A frozen task stays frozen and traps
// after the thaw in the patch and in v1; in v2 it leaves the freezer trap for
// the traced stop at once, stays counted as frozen there, and goes back to
// the freezer on [Task.Untrace]. It does not block.
func (t *Task) Trace() {
	t.lock()
	kick := t.traceLocked()
	t.unlock()
	if kick != nil {
		kick.kick()
	}
}

// traceLocked is Trace with the task's locks held. It returns the cgroup
// whose thaw broadcast must be kicked, as killLocked does.
func (t *Task) traceLocked() *Cgroup {
	if t.ptraced || t.killed || t.exiting {
		return nil
	}
	t.ptraced = true
	switch {
	case t.stopped:
		t.stopped, t.trapped, t.stopBelow = false, true, true
	case t.frozen && t.h.rules.traceFrozen:
		// The trap outranks the freezer: the task goes into a traced stop
		// with its freeze request back, so a detach returns it to the
		// freezer. Its goroutine must leave the refrigerator for the stop's
		// park, where Untrace and Kill wake it.
		t.frozen, t.trapped = false, true
		t.pending.Or(pendFreeze)
		t.recalcLocked()
		return t.cgroup
	default:
		t.setPendingLocked(pendTrap)
	}
	return nil
}

// Untrace detaches the tracer (PTRACE_DETACH). A task in a traced stop
// resumes, or goes back to the group stop the trace interrupted; one with a
// freeze request goes straight into the refrigerator. It does not block.
func (t *Task) Untrace() {
	t.lock()
	t.untraceLocked()
	t.unlock()
}

func (t *Task) untraceLocked() {
	if !t.ptraced {
		return
	}
	t.ptraced = false
	t.pending.And(^pendTrap)
	if t.trapped {
		t.trapped = false
		if t.stopBelow {
			t.stopBelow, t.stopped = false, true
			return
		}
		t.releaseLocked()
	}
}

// Interrupt returns a channel that is ready while a freeze request or a signal
// is pending, for the task's own select statements: a task blocked in a
// select of its own that includes it is as interruptible as one in
// [Task.Wait]. After the channel fires, call [Task.TryToFreeze] to take what
// is pending, then Interrupt again for a fresh channel. Call it only from the
// task's own goroutine. It does not block.
func (t *Task) Interrupt() <-chan struct{} {
	t.ownLockAs(&t.sigMu, classSigLock)
	defer t.ownUnlockAs(&t.sigMu, classSigLock)
	return t.interruptLocked()
}

func (t *Task) interruptLocked() chan struct{} {
	if t.pending.Load() != 0 {
		return closedChan
	}
	if t.intr == nil {
		t.intr = make(chan struct{})
	}
	return t.intr
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// enterWait records that the task is about to block in state s and returns the
// channel that interrupts an interruptible wait.
func (t *Task) enterWait(s runState) <-chan struct{} {
	t.ownAssertUnlocked("wait")
	t.ownLockAs(&t.sigMu, classSigLock)
	defer t.ownUnlockAs(&t.sigMu, classSigLock)
	t.run = s
	if s == runSleep {
		return t.interruptLocked()
	}
	return nil
}

func (t *Task) leaveWait() {
	t.ownLockAs(&t.sigMu, classSigLock)
	t.run = runRunning
	t.ownUnlockAs(&t.sigMu, classSigLock)
}

// Sleep sleeps for d in an interruptible, freezable wait (state 'S'), like
// schedule_timeout_interruptible. A freeze request or signal wakes it; it
// takes what is pending at a safe point (it may freeze, stop or die there) and
// then sleeps for the time left, as the kernel restarts an interrupted
// nanosleep. Time spent frozen counts: a deadline that passed while the task
// was frozen is seen as soon as it is thawed. Sleep ends with a safe point.
// Call it only from the task's own goroutine.
func (t *Task) Sleep(d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		intr := t.enterWait(runSleep)
		timer := time.NewTimer(left)
		select {
		case <-timer.C:
		case <-intr:
		}
		timer.Stop()
		t.leaveWait()
		t.TryToFreeze()
	}
	t.TryToFreeze()
}

// Wait blocks in an interruptible, freezable wait (state 'S') until ch is
// ready (it can receive, or is closed), like wait_event_interruptible. A freeze request or signal wakes it to
// a safe point, after which it waits again; a ch that became ready while the
// task was frozen is seen as soon as it is thawed. Wait ends with a safe point.
// Call it only from the task's own goroutine.
func (t *Task) Wait(ch <-chan struct{}) {
	for {
		intr := t.enterWait(runSleep)
		select {
		case <-ch:
			t.leaveWait()
			t.TryToFreeze()
			return
		case <-intr:
		}
		t.leaveWait()
		t.TryToFreeze()
	}
}

// SleepUninterruptible sleeps for d in an uninterruptible wait (state 'D'),
// like schedule_timeout_uninterruptible: nothing wakes it early. Meanwhile the
// task cannot freeze now: a write of FROZEN to its cgroup returns EBUSY and the
// cgroup stays FREEZING until the task reaches the safe point that ends the
// call. Call it only from the task's own goroutine.
func (t *Task) SleepUninterruptible(d time.Duration) {
	t.enterWait(runDisk)
	timer := time.NewTimer(d)
	<-timer.C
	t.leaveWait()
	t.TryToFreeze()
}

// WaitUninterruptible blocks until ch is ready in an uninterruptible wait
// (state 'D', TASK_UNINTERRUPTIBLE, like wait_event): neither a freeze
// request nor a signal wakes it. It ends with a
// safe point. Call it only from the task's own goroutine.
func (t *Task) WaitUninterruptible(ch <-chan struct{}) {
	t.enterWait(runDisk)
	<-ch
	t.leaveWait()
	t.TryToFreeze()
}

// Fork starts a child task running fn in the calling task's cgroup, like
// fork(2). The fork hooks of every subsystem run before the child does; in a
// FREEZING cgroup the child gets a freeze request there and freezes before any
// of fn runs. Fork ends with a safe point, as the return from the syscall is,
// so it blocks while the calling task is frozen there. It fails with ENODEV
// once the hierarchy is shut down. Call it only from the task's own goroutine.
func (t *Task) Fork(name string, fn func(*Task)) (*Task, error) {
	child, err := t.h.fork(t, nil, name, fn, nil)
	t.TryToFreeze()
	return child, err
}

// Vfork starts a child task like [Task.Fork] and blocks until it has exited,
// as vfork(2) blocks until the child execs or exits. While it waits the parent
// is in state 'D' but skip-counted (PF_FREEZER_SKIP): it does not hold up a
// freeze, it is frozen enough once it has a freeze request, and it enters the
// refrigerator as soon as the child is gone. [Task.Kill] takes effect after
// the wait.
// Call it only from the task's own goroutine.
func (t *Task) Vfork(name string, fn func(*Task)) error {
	child, err := t.h.fork(t, nil, name, fn, nil)
	if err != nil {
		t.TryToFreeze()
		return err
	}
	t.ownAssertUnlocked("vfork")
	t.ownLock()
	t.skip, t.run = true, runVfork
	t.recalcLocked()
	t.ownUnlock()
	t.h.fz.settle()

	<-child.Done()

	t.ownLock()
	t.skip, t.run = false, runRunning
	t.releaseLocked()
	t.ownUnlock()
	// The slow path, not TryToFreeze: releaseLocked may have set PF_FROZEN
	// with no request left pending for the fast path to see.
	t.safePoint()
	return nil
}
