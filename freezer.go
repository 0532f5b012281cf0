package freezer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// This file is the freezer subsystem (kernel/cgroup_freezer.c as the patch
// posts it): the per-cgroup state machine, freezer.state, and the fork and
// attach rules. It plugs into the core through Subsystem like any other
// subsystem, and asks the generic freezer (fridge.go) to freeze and thaw.

// State is a freezer cgroup's state: the patch's enum freezer_state. The zero
// value is Running.
type State int32

const (
	// Running is RUNNING (the patch's STATE_RUNNING): no freeze in effect.
	Running State = iota
	// Freezing is FREEZING (STATE_FREEZING): a freeze was asked for and some
	// task is not yet frozen enough. It can be read, never written.
	Freezing
	// Frozen is FROZEN (STATE_FROZEN): every task is frozen enough.
	Frozen
)

var stateNames = [...]string{Running: "RUNNING", Freezing: "FREEZING", Frozen: "FROZEN"}

// String returns the state as freezer.state spells it (freezer_state_strs):
// "RUNNING", "FREEZING" or "FROZEN".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// freezerSubsys is the freezer's struct cgroup_subsys.
type freezerSubsys struct {
	BaseSubsystem
	h *Hierarchy
}

// freezerCSS is the patch's struct freezer: one per cgroup.
type freezerCSS struct {
	lock mutex // freezer->lock: serialises changes of state

	// state is the stored state. It changes under freezer->lock, and, when a
	// write changes it, under css_set_lock held for reading as well, so that
	// a fork (which holds css_set_lock for writing) sees it stable. Every
	// check uses effective(), never the stored FREEZING alone.
	state atomic.Int32

	// gen counts the events that can leave a task in the cgroup without a
	// freeze request: attaches into it and thaws. FreezeContext re-issues its
	// freeze when gen moves.
	gen atomic.Uint64
}

func (*freezerSubsys) Name() string { return "freezer" }

// css returns c's freezer state. The freezer is always h.subsys[0].
func css(c *Cgroup) *freezerCSS { return c.css[0].(*freezerCSS) }

// Create is freezer_create: a new cgroup starts RUNNING.
func (f *freezerSubsys) Create(c *Cgroup) (any, error) {
	fz := &freezerCSS{}
	fz.lock.init(classFreezerLock, f.h.chk)
	return fz, nil
}

// Populate is freezer_populate: every cgroup but the root gets freezer.state.
func (f *freezerSubsys) Populate(c *Cgroup) []File {
	if c.parent == nil {
		return nil
	}
	return []File{{Name: "state", Read: f.read, Write: f.write}}
}

// effective is the state a read would return: a stored FREEZING whose tasks
// are all frozen enough is FROZEN. It takes no lock (the patch's RCU read).
func effective(c *Cgroup) State {
	s := State(css(c).state.Load())
	if s == Freezing && c.allFrozenEnough() {
		return Frozen
	}
	return s
}

// CanFork refuses a new task in a FROZEN cgroup (EBUSY): it could not be
// frozen without the cgroup reading FREEZING again.
func (f *freezerSubsys) CanFork(c *Cgroup) error {
	if c.parent != nil && effective(c) == Frozen {
		return syscall.EBUSY
	}
	return nil
}

// Fork is freezer_fork: a child born in a FREEZING cgroup gets a freeze
// request before it runs. It is called under css_set_lock with the child
// already linked, so a concurrent write either saw the child in its walk or
// has not yet changed the state; the review's race cannot strand a child.
func (f *freezerSubsys) Fork(t *Task) {
	c := t.cgroup
	if c.parent != nil && State(css(c).state.Load()) != Running {
		t.freezeTask()
	}
}

// CanAttach is freezer_can_attach: EBUSY if the destination is FROZEN, or if
// the task is frozen enough (moving it would strand it frozen, as the merged
// kernel recognised). Into a FREEZING cgroup is allowed, as Matt Helsley
// answered the review; the move does not freeze the task.
func (f *freezerSubsys) CanAttach(dst *Cgroup, t *Task) error {
	if t.frozenEnuf {
		return syscall.EBUSY
	}
	if dst.parent != nil && effective(dst) == Frozen {
		return syscall.EBUSY
	}
	return nil
}

// Attach drops the freeze request of a task leaving a FREEZING cgroup, so it
// does not freeze in a cgroup that never asked for it; during a system
// suspend the request stays, as it is the suspend's too.
func (f *freezerSubsys) Attach(dst, src *Cgroup, t *Task) {
	if src.parent != nil && State(css(src).state.Load()) != Running && !f.h.suspending() {
		t.lockSig()
		t.thawLocked()
		t.unlockSig()
	}
	if dst.parent != nil {
		css(dst).gen.Add(1)
		dst.changed()
	}
}

// read is freezer_read: it returns the effective state, storing a FREEZING
// that has become FROZEN (the patch's lazy transition). It is O(1): it reads
// the cgroup's counters instead of walking its tasks. The whole line is made
// at once, so a reader cannot see a torn state (the review's read_seq_string
// point).
func (f *freezerSubsys) read(c *Cgroup) ([]byte, error) {
	return []byte(f.state(c).String() + "\n"), nil
}

// stateName is the effective state for log records, without the lazy store
// (records are made under locks a promotion would need).
func (f *freezerSubsys) stateName(c *Cgroup) string {
	if c.parent == nil {
		return "none"
	}
	return effective(c).String()
}

func (f *freezerSubsys) state(c *Cgroup) State {
	fz := css(c)
	s := State(fz.state.Load())
	if s != Freezing || !c.allFrozenEnough() {
		return s
	}
	fz.lock.Lock()
	f.promoteLocked(c, fz)
	s = State(fz.state.Load())
	fz.lock.Unlock()
	return s
}

// promoteLocked stores FROZEN if the stored FREEZING has become FROZEN. The
// caller holds freezer->lock; the check and the store are made under
// css_set_lock as well, so that no attach or fork can link a task between
// them. Without it a read could say FROZEN while a newcomer, admitted a moment
// before the last task froze, was being linked: FROZEN must be stable.
func (f *freezerSubsys) promoteLocked(c *Cgroup, fz *freezerCSS) {
	f.h.cssSetLock.RLock()
	defer f.h.cssSetLock.RUnlock()
	f.promoteCSSLocked(c, fz)
}

// promoteCSSLocked is promoteLocked for a caller that already holds
// css_set_lock.
func (f *freezerSubsys) promoteCSSLocked(c *Cgroup, fz *freezerCSS) {
	if State(fz.state.Load()) == Freezing && c.allFrozenEnough() {
		fz.state.Store(int32(Frozen))
		if f.h.log != nil {
			f.h.debug("state", slog.String("cgroup", c.path), slog.String("from", "FREEZING"), slog.String("to", "FROZEN"))
		}
		c.changed()
	}
}

// write is freezer_write: trailing white space is stripped, and the rest must
// be exactly RUNNING or FROZEN (EIO otherwise, FREEZING included).
func (f *freezerSubsys) write(c *Cgroup, data []byte) error {
	switch string(bytes.TrimRight(data, " \t\n\v\f\r")) {
	case "RUNNING":
		return f.change(c, Running)
	case "FROZEN":
		return f.change(c, Frozen)
	}
	return syscall.EIO
}

// change is freezer_freeze: the transition table of DESIGN.md, under
// cgroup_mutex (so no attach or other write runs meanwhile) and
// freezer->lock.
func (f *freezerSubsys) change(c *Cgroup, goal State) error {
	h := f.h
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	if c.removed.Load() || (goal == Frozen && h.dying.Load()) {
		return syscall.ENODEV
	}
	fz := css(c)
	fz.lock.Lock()
	defer fz.lock.Unlock()
	from := effective(c)
	switch {
	case goal == Frozen && from == Frozen:
		f.promoteLocked(c, fz)
		return nil
	case goal == Frozen:
		busy := f.freezeTasksLocked(c, fz)
		if h.log != nil {
			pids := make([]int, len(busy))
			for i, st := range busy {
				pids[i] = st.PID
			}
			h.debug("state", slog.String("cgroup", c.path), slog.String("from", from.String()),
				slog.String("to", State(fz.state.Load()).String()), slog.Any("busy", pids))
		}
		c.changed()
		if len(busy) > 0 {
			return &BusyError{Err: syscall.EBUSY, Tasks: busy}
		}
		return nil
	case goal == Running && from != Running:
		f.unfreezeTasksLocked(c, fz)
		if h.log != nil {
			h.debug("state", slog.String("cgroup", c.path), slog.String("from", from.String()), slog.String("to", "RUNNING"))
		}
		return nil
	}
	return nil
}

// freezeTasksLocked is freezer_freeze_tasks: store FREEZING, send every task
// a freeze request, and store FROZEN if every task is already frozen enough,
// all under css_set_lock so that no fork or attach slips in between. It
// returns the tasks that cannot freeze now (the EBUSY ones).
func (f *freezerSubsys) freezeTasksLocked(c *Cgroup, fz *freezerCSS) []TaskStat {
	var busy []TaskStat
	f.h.cssSetLock.RLock()
	defer f.h.cssSetLock.RUnlock()
	fz.state.Store(int32(Freezing))
	for t := c.first; t != nil; t = t.next {
		if !t.freezeTask() {
			busy = append(busy, t.Stat())
		}
	}
	f.promoteCSSLocked(c, fz)
	sortStats(busy)
	return busy
}

// unfreezeTasksLocked is freezer_unfreeze_tasks: store RUNNING and thaw every
// task. During a system suspend the tasks stay frozen until ThawProcesses,
// since the suspend wants them frozen too.
func (f *freezerSubsys) unfreezeTasksLocked(c *Cgroup, fz *freezerCSS) {
	h := f.h
	h.cssSetLock.RLock()
	fz.state.Store(int32(Running))
	if !h.suspending() {
		c.thawTasksLocked()
	}
	h.cssSetLock.RUnlock()
	fz.gen.Add(1)
	c.changed()
}

// thawAll sets every cgroup RUNNING and thaws every task, ending a system
// suspend too: Shutdown's first step after the kills.
func (h *Hierarchy) thawAll() {
	h.endSuspend()
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	h.eachCgroupLocked(func(c *Cgroup) {
		fz := css(c)
		fz.lock.Lock()
		h.freezer.unfreezeTasksLocked(c, fz)
		fz.lock.Unlock()
	})
}

// eachCgroupLocked calls fn for every live cgroup, parents first. The caller
// holds cgroup_mutex.
func (h *Hierarchy) eachCgroupLocked(fn func(*Cgroup)) {
	var walk func(c *Cgroup)
	walk = func(c *Cgroup) {
		fn(c)
		for _, k := range c.children {
			walk(k)
		}
	}
	walk(h.root)
}

func (c *Cgroup) stateFile() string { return c.file("freezer.state") }

// State returns the cgroup's freezer state, as reading freezer.state does
// (freezer_read): a
// FREEZING cgroup whose tasks are all frozen enough reads, and from then on
// is, FROZEN. It is O(1); it may wait for an attach or fork in progress, so
// that FROZEN is never reported while a newcomer is being linked. It must not
// be called inside a [Cgroup.Tasks] loop. It fails with ENOENT for the root
// (which has no freezer.state) and ENODEV once c is removed.
func (c *Cgroup) State() (State, error) {
	switch {
	case c.parent == nil:
		return Running, pathErr("read", c.stateFile(), syscall.ENOENT)
	case c.removed.Load():
		return Running, pathErr("read", c.stateFile(), syscall.ENODEV)
	}
	return c.h.freezer.state(c), nil
}

// Freeze asks every task of the cgroup to freeze, as writing FROZEN to
// freezer.state does (freezer_write, freezer_freeze_tasks), and returns at once without waiting for them: the
// cgroup is FROZEN if every task already is frozen enough (an empty cgroup
// at once), FREEZING otherwise. If some task cannot freeze now (an
// uninterruptible wait, NoFreeze) it returns an error for which
// errors.Is(err, syscall.EBUSY) holds and errors.As finds a *[BusyError]
// naming those tasks; the cgroup stays FREEZING, and leaves it when the
// blocking tasks freeze or leave, or on [Cgroup.Thaw] or another Freeze.
// Errors are *fs.PathError values: ENOENT for the root, ENODEV once removed.
// It takes cgroup_mutex.
func (c *Cgroup) Freeze() error {
	return c.writeState(Frozen)
}

// Thaw thaws every task of the cgroup and cancels freeze requests not yet
// honoured, as writing RUNNING to freezer.state does (freezer_unfreeze_tasks); it leaves stopped tasks
// stopped. Errors are as for [Cgroup.Freeze]. It takes cgroup_mutex and does
// not wait for the tasks to run.
func (c *Cgroup) Thaw() error {
	return c.writeState(Running)
}

func (c *Cgroup) writeState(goal State) error {
	if c.parent == nil {
		return pathErr("write", c.stateFile(), syscall.ENOENT)
	}
	if err := c.h.freezer.change(c, goal); err != nil {
		return pathErr("write", c.stateFile(), err)
	}
	return nil
}

// WaitFrozen blocks until the cgroup reads FROZEN, ctx ends (it returns
// ctx.Err()), or the cgroup is removed (ENODEV). It does not freeze anything
// itself (see [Cgroup.Freeze]); it waits on the cgroup's counters, not by
// polling. It has no kernel counterpart: runc and LTP poll freezer.state.
func (c *Cgroup) WaitFrozen(ctx context.Context) error {
	for {
		ch, done := c.watch()
		s, err := c.State()
		if err != nil || s == Frozen {
			done()
			return err
		}
		select {
		case <-ch:
			done()
		case <-ctx.Done():
			done()
			return ctx.Err()
		}
	}
}

// FreezeContext freezes the cgroup and blocks until it is FROZEN: the loop
// that runc and LTP write around freezer.state, with no kernel counterpart.
// While it
// waits it re-issues the freeze whenever a task may have joined without a
// freeze request (an attach into the cgroup, a thaw by someone else). An
// EBUSY from a task that cannot freeze now is not an error: the request
// stays, and the task freezes when its wait ends.
//
// If ctx ends first, FreezeContext thaws the cgroup back to RUNNING, so a
// failed pause never leaves it frozen behind the caller's back, and returns
// an error wrapping ctx.Err() whose *[BusyError] lists the tasks that were not
// frozen enough. A cgroup that was already FREEZING or FROZEN when the call
// began is left as it was: that freeze was someone else's to cancel. Other
// errors are as for [Cgroup.Freeze].
func (c *Cgroup) FreezeContext(ctx context.Context) error {
	before, err := c.State()
	if err != nil {
		return err
	}
	gen := css(c).gen.Load()
	if err := c.Freeze(); err != nil && !errors.Is(err, syscall.EBUSY) {
		return err
	}
	for {
		ch, done := c.watch()
		s, err := c.State()
		switch {
		case err != nil:
			done()
			return err
		case s == Frozen:
			done()
			return nil
		}
		if g := css(c).gen.Load(); g != gen {
			gen = g
			done()
			if err := c.Freeze(); err != nil && !errors.Is(err, syscall.EBUSY) {
				return err
			}
			continue
		}
		select {
		case <-ch:
			done()
		case <-ctx.Done():
			done()
			busy := c.busyTasks()
			if s, err := c.State(); err == nil && s == Frozen {
				return nil
			}
			if before == Running {
				if err := c.Thaw(); err != nil {
					return err
				}
			}
			return fmt.Errorf("freezer: freeze %s: %w", c.path, &BusyError{Err: ctx.Err(), Tasks: busy})
		}
	}
}

// busyTasks lists the tasks of c that are not frozen enough.
func (c *Cgroup) busyTasks() []TaskStat {
	var busy []TaskStat
	for t := range c.Tasks() {
		t.lock()
		if !t.frozenEnoughLocked() {
			busy = append(busy, t.statLocked())
		}
		t.unlock()
	}
	sortStats(busy)
	return busy
}

// BusyError reports the tasks that kept a freeze (or a shutdown) from
// completing: the patch's "some tasks in the cgroup are busy doing something
// that prevents us from completely freezing". Err is syscall.EBUSY for a
// write of FROZEN, or the context's error for [Cgroup.FreezeContext],
// [Hierarchy.FreezeProcesses] and [Hierarchy.Shutdown]; errors.Is sees
// through to it.
type BusyError struct {
	Err   error
	Tasks []TaskStat // ascending by PID, as they were when the error was made
}

// Error lists the busy tasks after the reason: "device or resource busy: busy
// tasks: 3 (dwait, D)".
func (e *BusyError) Error() string {
	var b strings.Builder
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("busy")
	}
	b.WriteString(": busy tasks:")
	for _, t := range e.Tasks {
		fmt.Fprintf(&b, " %d (%s, %c)", t.PID, t.Name, t.State)
	}
	return b.String()
}

// Unwrap returns Err, so that errors.Is(err, syscall.EBUSY) or
// errors.Is(err, context.DeadlineExceeded) holds.
func (e *BusyError) Unwrap() error { return e.Err }

// PIDs returns the PIDs of the busy tasks, ascending. It does not block.
func (e *BusyError) PIDs() []int {
	pids := make([]int, len(e.Tasks))
	for i, t := range e.Tasks {
		pids[i] = t.PID
	}
	return pids
}
