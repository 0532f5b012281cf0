package freezer

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/trace"
	"sync/atomic"
)

// This file is the generic task freezer (kernel/freezer.c and
// include/linux/freezer.h): the refrigerator, freeze_task, thaw_process and
// the predicates the cgroup freezer builds on. It knows nothing of cgroup
// states; freezer.go decides whom to freeze.

// TryToFreeze is a safe point: the kernel's try_to_freeze, and the return to
// user mode where pending signals are handled. Call it only from the task's
// own goroutine, as often as the work allows: a task freezes only at safe
// points, so one that never reaches one keeps its cgroup FREEZING.
//
// With nothing pending it costs one atomic load and returns false at once.
// Despite its name it may block, as the kernel's does: if the task has a
// freeze request it enters the refrigerator and blocks until it is thawed;
// a pending stop or ptrace interrupt stops it until it is continued or
// detached; a pending kill ends the goroutine with runtime.Goexit, so its
// deferred calls run and TryToFreeze does not return. It reports whether the
// task was frozen during the call.
func (t *Task) TryToFreeze() bool {
	if t.pending.Load() == 0 {
		return false
	}
	return t.safePoint()
}

// safePoint is the slow path of TryToFreeze: get_signal_to_deliver's loop.
// The order of its cases is the kernel's: a task already in the refrigerator
// or in a stop stays there; otherwise a freeze request is honoured before any
// signal, and the loop runs again after every stop, so a task that resumes
// with a freeze request freezes before it runs. The task's locks are held
// throughout, except while it is parked: the parks return with them taken
// again, so a thawed task makes its next check without taking them twice.
//
// A task parks in the refrigerator one small frame below this one. The
// signals are taken out of line (takeSignalLocked), and the logging and
// tracing of the refrigerator only when they are on, so that the park
// reaches as little stack as it can: with 100,000 tasks every cache line of
// stack between a task's loop and its park is touched cold once per task at
// the freeze and again at the thaw (see the README's "Where the time goes").
// The frames also fit the goroutine's first stack: otherwise every freeze
// after a garbage collection has shrunk the stacks of the busy tasks would
// copy each one to a larger stack on its way in, which made freezing 1,000
// busy tasks take twice as long as the hand-written gate.
func (t *Task) safePoint() (froze bool) {
	t.ownLock()
	for {
		p := t.pending.Load()
		switch {
		case t.frozen, !t.stopped && !t.trapped && p&pendFreeze != 0 && !t.signalFirstLocked(p):
			// Already frozen: a releaser (Continue, Untrace, Kill of a
			// stopped task, the end of a vfork) moved the task straight into
			// the refrigerator. Otherwise the task honours its own request.
			request := !t.frozen
			if request {
				t.frozen = true
				t.pending.And(^pendFreeze)
				t.recalcLocked()
			}
			if t.h.log != nil || trace.IsEnabled() {
				t.observedRefrigeratorLocked(request)
			} else {
				t.refrigeratorLocked()
			}
			froze = true
		case t.stopped || t.trapped:
			t.parkWhileLocked(func() bool { return t.stopped || t.trapped })
		case p&(pendKill|pendTrap|pendStop) != 0:
			t.takeSignalLocked(p)
		default:
			t.ownUnlock()
			t.h.fz.settle() // a release from a stop may have moved a counter
			return froze
		}
	}
}

// takeSignalLocked takes the signal of p that goes first: a kill, then a
// ptrace trap, then a stop. A killed task does not return: runtime.Goexit
// runs its deferred calls, which take no more signals, but may still be
// frozen where the freezer outranks a kill (the patch, v1).
//
//go:noinline
func (t *Task) takeSignalLocked(p uint32) {
	switch {
	case p&pendKill != 0:
		t.killed = true
		if t.h.rules.killFrozen {
			t.pending.Store(0)
		} else {
			t.pending.And(pendFreeze)
		}
		if t.h.log != nil {
			t.logSignalLocked("kill", "")
		}
		t.ownUnlock()
		runtime.Goexit()
	case p&pendTrap != 0:
		t.pending.And(^pendTrap)
		t.trapped = true
		t.recalcLocked()
		if t.h.log != nil {
			t.logSignalLocked("stop", "t")
		}
	default:
		t.pending.And(^pendStop)
		t.stopped = true
		t.recalcLocked()
		if t.h.log != nil {
			t.logSignalLocked("stop", "T")
		}
	}
}

// signalFirstLocked reports whether a signal pending in p goes before a
// freeze request: in v2, whose get_signal takes a fatal signal and a ptrace
// trap before the freezer trap. A SIGSTOP is still only queued there: it is
// dequeued, and the group stop begun, after the freezer trap, so it waits
// for the thaw. In the patch and v1 the refrigerator comes first: a killed
// task dies, and a trap is taken, after the thaw.
func (t *Task) signalFirstLocked(p uint32) bool {
	return p&(pendKill|pendTrap) != 0 && t.h.rules.signalsFirst
}

// refrigeratorLocked parks a task whose PF_FROZEN is set until thaw clears it:
// the kernel's refrigerator. The caller holds the task's locks and has set
// PF_FROZEN; the locks are dropped while the task is parked and held again
// when it returns. The task waits on a channel, so testing/synctest sees it as
// durably blocked: its cgroup's thaw broadcast, which a thaw closes once for
// every task, as a hand-written pause gate closes its one channel.
//
// The broadcast is read under the same locks as the PF_FROZEN it waits to see
// cleared: a thaw clears the flag after that and closes the broadcast after
// clearing, so the channel read, or the one that replaced it, is closed once
// the task may go. The broadcast is that of the task's cgroup at the time:
// where a frozen task may move (v1, v2), the move closes the broadcast of the
// cgroup it leaves (kick), and the task looks again.
func (t *Task) refrigeratorLocked() {
	for t.frozen {
		ch := t.cgroup.thawChan() // a new one if woken by an earlier broadcast
		t.ownUnlock()
		t.ownAssertUnlocked("refrigerator")
		t.h.fz.settle()
		<-ch
		t.ownLock()
	}
}

// observedRefrigeratorLocked is the refrigerator as a task enters it when the
// hierarchy logs or a runtime/trace runs: with a debug record on the way in
// and out, and a trace region ("freezer.refrigerator") around the stay,
// visible in go tool trace. request says how the task got here: by its own
// freeze request, or released from a stop, a traced stop or a vfork wait. The
// records are written with the task's locks dropped, as they were before the
// refrigerator kept them: a logger that panics unwinds a task that holds no
// lock, so the task still exits. A thaw meanwhile is seen by
// refrigeratorLocked's check of PF_FROZEN, and safePoint looks at the task
// afresh once it has its locks back.
//
//go:noinline
func (t *Task) observedRefrigeratorLocked(request bool) {
	cg := t.cgroup
	if t.h.log != nil {
		via := "released"
		if request {
			via = "request"
		}
		t.unlock()
		t.h.debug("refrigerator enter", slog.Int("pid", t.pid), slog.String("cgroup", cg.path), slog.String("via", via))
		t.lock()
	}
	region := trace.StartRegion(context.Background(), "freezer.refrigerator")
	if trace.IsEnabled() {
		trace.Logf(context.Background(), "freezer", "pid %d cgroup %s", t.pid, cg.path)
	}
	t.refrigeratorLocked()
	region.End()
	if t.h.log != nil {
		t.unlock()
		t.h.debug("refrigerator exit", slog.Int("pid", t.pid), slog.String("cgroup", cg.path),
			slog.Bool("kill_pending", t.pending.Load()&pendKill != 0))
		t.lock()
	}
}

// logSignalLocked logs a signal the task takes at a safe point: a kill, or a
// stop with its /proc letter. It is out of line for the reason given at
// safePoint.
//
//go:noinline
func (t *Task) logSignalLocked(msg, stat string) {
	if stat == "" {
		t.logLocked(msg)
		return
	}
	t.logLocked(msg, slog.String("stat", stat))
}

// logLocked emits a debug record about t with its pid, cgroup and /proc state.
// The caller holds t's locks and has checked that the hierarchy logs.
func (t *Task) logLocked(msg string, attrs ...slog.Attr) {
	st := t.statLocked()
	base := []slog.Attr{slog.Int("pid", t.pid), slog.String("cgroup", st.Cgroup), slog.String("stat", string(st.State))}
	t.h.debug(msg, append(base, attrs...)...)
}

// parkWhileLocked blocks the task's goroutine while blocked, evaluated under
// the task's locks, holds. The caller holds the locks; they are dropped while
// the task is parked and held again when it returns. It waits on t.wake, made
// under the locks before they are dropped: a waker changes the state under
// the same locks and then calls wakeLocked, whose token cannot be lost because
// the channel has room for it.
func (t *Task) parkWhileLocked(blocked func() bool) {
	ch := t.wakeChanLocked()
	for blocked() {
		t.ownUnlock()
		t.ownAssertUnlocked("park")
		t.h.fz.settle()
		<-ch
		t.ownLock()
	}
}

// wakeLocked is wake_up_process for a parked task. A surplus token only costs
// the task one extra look at its state.
func (t *Task) wakeLocked() {
	if t.wake == nil {
		return // it has never parked, so it is not parked now
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// wakeChanLocked returns t.wake, making it on the task's first stop. The
// caller holds both task locks.
func (t *Task) wakeChanLocked() chan struct{} {
	if t.wake == nil {
		t.wake = make(chan struct{}, 1)
	}
	return t.wake
}

// thawTasksLocked thaws every task of c (freezer_unfreeze_tasks and
// thaw_processes, for one cgroup), then closes c's thaw broadcast: the
// runtime readies every frozen task in one step, instead of the thawing
// goroutine waking each in turn while the tasks it already woke compete with
// it for the CPU. The caller holds css_set_lock.
func (c *Cgroup) thawTasksLocked() {
	for t := c.first; t != nil; t = t.next {
		t.lock()
		t.thawLocked()
		t.unlock()
	}
	c.kick()
}

// kick closes c's thaw broadcast, if a task waits on it: every task
// parked in the refrigerator in c looks again at whether it may go. A thaw
// of the cgroup does it once for all; a thaw, kill or move of one frozen
// task does it for that one, and the others go back to sleep. The caller
// has made its change under the task's locks first, as thawTasksLocked
// does, so a task that reads the broadcast after the kick sees the change.
func (c *Cgroup) kick() {
	if ch := c.thaw.Swap(nil); ch != nil {
		close(*ch)
	}
}

// thawChan returns the channel the next thaw of c closes, making it if need
// be. A frozen task reads it under its locks after setting PF_FROZEN, so a
// thaw that clears the flag afterwards closes the very channel it waits on.
func (c *Cgroup) thawChan() <-chan struct{} {
	for {
		if p := c.thaw.Load(); p != nil {
			return *p
		}
		ch := make(chan struct{})
		if c.thaw.CompareAndSwap(nil, &ch) {
			return ch
		}
	}
}

// frozenEnough is the patch's test for a task that no longer holds up a
// freeze: it is frozen, or it has a freeze request and is stopped, traced, or
// a vfork parent waiting for its child, any of which will freeze the moment
// it resumes. The caller holds both task locks.
func (t *Task) frozenEnoughLocked() bool {
	return t.frozen || (t.pending.Load()&pendFreeze != 0 && (t.stopped || t.trapped || t.skip))
}

// recalcLocked keeps the counter of the task's cgroup exact: how many of its
// tasks the version counts as no longer keeping it from being frozen (see
// versionFreezer.counted). It must follow every change of a flag that the
// test reads; the caller holds both task locks, so the task cannot change
// cgroup meanwhile.
func (t *Task) recalcLocked() {
	fe := t.h.fz.counted(t)
	if fe == t.counted {
		return
	}
	t.counted = fe
	if c := t.cgroup; c != nil {
		if fe {
			c.account(1)
		} else {
			c.account(^uint64(0)) // -1 on the low half
		}
	}
}

// freezerBase is the part of a cgroup's freezer state that the generic
// freezer keeps the same way for every version: the counters that tell in
// O(1) whether every task of the cgroup is counted as frozen, and a
// generation that FreezeContext watches. Each version's per-cgroup state
// embeds one.
type freezerBase struct {
	// counts holds the number of tasks in the high 32 bits and the number
	// of them counted as frozen in the low 32, so that one atomic load sees
	// both consistently: "every task counted" is hi == lo.
	counts atomic.Uint64

	// gen counts the events that can leave a task in the cgroup without a
	// freeze request: attaches into it and thaws. FreezeContext re-issues its
	// freeze when gen moves.
	gen atomic.Uint64
}

// common returns b: each version's per-cgroup state embeds a freezerBase, and
// newCgroup finds it through this method.
func (b *freezerBase) common() *freezerBase { return b }

const oneTask = 1 << 32

// allCounted reports whether every task of the cgroup is counted: the
// patch's freezer_check_if_frozen, v1's task half of update_if_frozen, v2's
// nr_frozen_tasks == __cgroup_task_count.
func (b *freezerBase) allCounted() bool {
	n := b.counts.Load()
	return n>>32 == n&(oneTask-1)
}

// account adds d to c's counters and tells the version when every task may
// have become counted, or stopped being: the only event a freezing cgroup
// waits for.
func (c *Cgroup) account(d uint64) {
	n := c.freezer.counts.Add(d)
	o := n - d
	if all, was := n>>32 == n&(oneTask-1), o>>32 == o&(oneTask-1); all || was {
		c.h.fz.crossed(c)
	}
}

// releaseLocked lets a task out of a stop, a traced stop or a vfork wait. One
// with a freeze request is moved straight into the refrigerator, under the
// same locks, so it never counts as unfrozen on its way there: the kernel's
// "freezes immediately if it resumes", made atomic.
func (t *Task) releaseLocked() {
	if p := t.pending.Load(); p&pendFreeze != 0 && !t.signalFirstLocked(p) {
		t.pending.And(^pendFreeze)
		t.frozen = true
	}
	t.recalcLocked()
	t.wakeLocked()
}

// cannotFreezeNowLocked is the EBUSY test: the task will not reach a safe
// point by itself soon. That is a task in an uninterruptible wait other than a
// vfork parent's, or one marked NoFreeze.
func (t *Task) cannotFreezeNowLocked() bool {
	if t.exiting || t.frozen {
		return false
	}
	return t.noFreeze || t.run == runDisk
}

// freezeTask is freeze_task with the cgroup freezer's busy test folded in: it
// gives the task a freeze request and wakes it from an interruptible wait (the
// fake signal: nothing is queued, so the task cannot tell). It reports false
// if the task cannot freeze now. A NoFreeze task gets no request; a task in an
// uninterruptible wait keeps its request and freezes when the wait ends.
func (t *Task) freezeTask() bool {
	t.lock()
	intr, ok := t.freezeLocked()
	t.unlock()
	if intr != nil {
		close(intr) // the fake signal, once the task's locks are free
	}
	return ok
}

// freezeLocked is freezeTask with the task's locks held: it returns the
// channel of an interruptible wait, for the caller to close once it has
// dropped them, and whether the task can freeze now. A killed task takes no
// request in v2, where it never enters the freezer trap again.
func (t *Task) freezeLocked() (chan struct{}, bool) {
	if t.exiting || t.frozen || (t.killed && t.h.rules.killFrozen) {
		return nil, true
	}
	if t.noFreeze {
		if t.h.log != nil {
			t.logLocked("freeze refused", slog.String("why", "NoFreeze"))
		}
		return nil, false
	}
	var intr chan struct{}
	if t.pending.Load()&pendFreeze == 0 {
		intr = t.raisePendingLocked(pendFreeze)
		t.recalcLocked()
		if t.h.log != nil {
			t.logLocked("freeze request", slog.Bool("can_freeze_now", !t.cannotFreezeNowLocked()),
				slog.Bool("counted", t.counted))
		}
	}
	return intr, !t.cannotFreezeNowLocked()
}

// thawLocked is thaw_process: a frozen task is let out of the refrigerator; a
// request not yet honoured is cancelled. The caller holds both task locks. A
// frozen task is not woken here: the caller then closes its cgroup's thaw
// broadcast (thawTasksLocked), so that one thaw wakes every task at once.
func (t *Task) thawLocked() {
	requested := t.pending.Load()&pendFreeze != 0
	t.pending.And(^pendFreeze)
	if t.frozen {
		t.frozen = false
		if t.h.log != nil {
			t.logLocked("thaw")
		}
	} else if requested && t.h.log != nil {
		t.logLocked("thaw", slog.Bool("cancelled_request", true))
	}
	t.recalcLocked()
}
