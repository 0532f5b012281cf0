package freezer

import (
	"bytes"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// This file is the freezer subsystem of the 2008 patch, Version Patch2008
// (kernel/cgroup_freezer.c as the patch posts it): the per-cgroup state
// machine, freezer.state, and the fork and attach rules. It plugs into the
// core through Subsystem like any other subsystem, and asks the generic
// freezer (fridge.go) to freeze and thaw. legacy.go and cgroup2.go hold the
// later kernels' rules in the same shape.

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

// freezerSubsys is the patch's freezer: its struct cgroup_subsys.
type freezerSubsys struct {
	BaseSubsystem
	h *Hierarchy
}

func newPatchFreezer(h *Hierarchy) versionFreezer {
	h.rules = taskRules{frozenLetter: 'D', taskFiles: []string{"tasks"}, maxWrite: maxWrite - 1}
	return &freezerSubsys{h: h}
}

// freezerCSS is the patch's struct freezer: one per cgroup.
type freezerCSS struct {
	freezerBase

	lock mutex // freezer->lock: serialises changes of state

	// state is the stored state. It changes under freezer->lock, and, when a
	// write changes it, under css_set_lock held for reading as well, so that
	// a fork (which holds css_set_lock for writing) sees it stable. Every
	// check uses effective(), never the stored FREEZING alone.
	state atomic.Int32
}

func (*freezerSubsys) Name() string { return "freezer" }

// css returns c's freezer state. The freezer is always h.subsys[0].
func css(c *Cgroup) *freezerCSS { return c.css[0].(*freezerCSS) }

// counted is the patch's test: the task is frozen enough.
func (*freezerSubsys) counted(t *Task) bool { return t.frozenEnoughLocked() }

// crossed wakes the waiters of a cgroup whose tasks may all be frozen
// enough: the only event a FREEZING cgroup waits for.
func (*freezerSubsys) crossed(c *Cgroup) {
	if css(c).allCounted() {
		c.changed()
	}
}

func (*freezerSubsys) settle()          {}
func (*freezerSubsys) settleLocked()    {}
func (*freezerSubsys) fileName() string { return "freezer.state" }

func (f *freezerSubsys) selfFreezing(c *Cgroup) bool             { return f.state(c) != Running }
func (*freezerSubsys) parentFreezing(*Cgroup) bool               { return false }
func (f *freezerSubsys) frozen(c *Cgroup) bool                   { return f.state(c) == Frozen }
func (*freezerSubsys) freezing(c *Cgroup) bool                   { return State(css(c).state.Load()) != Running }
func (*freezerSubsys) kill(*Cgroup) error                        { return syscall.ENOENT }
func (*freezerSubsys) frozenTime(*Cgroup) (time.Duration, error) { return 0, syscall.ENOENT }

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
	fz := css(c)
	s := State(fz.state.Load())
	if s == Freezing && fz.allCounted() {
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
	if t.counted {
		return syscall.EBUSY
	}
	if dst.parent != nil && effective(dst) == Frozen {
		return syscall.EBUSY
	}
	return nil
}

// migrateLocked drops the freeze request of a task leaving a FREEZING
// cgroup, within the move, so that it does not freeze in a cgroup that never
// asked for it; during a system suspend the request stays, as it is the
// suspend's too. The patch has no attach hook for this: without it a task
// moved out of a FREEZING cgroup would freeze later in a RUNNING one. A
// frozen-enough task cannot be moved (CanAttach), so none is frozen here.
func (f *freezerSubsys) migrateLocked(dst, src *Cgroup, t *Task) chan struct{} {
	if src.parent != nil && State(css(src).state.Load()) != Running && !f.h.suspending() {
		t.thawLocked()
	}
	if dst.parent != nil {
		css(dst).gen.Add(1)
		dst.changed()
	}
	return nil
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
	if s != Freezing || !fz.allCounted() {
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
	if State(fz.state.Load()) == Freezing && fz.allCounted() {
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
		return f.change(c, false)
	case "FROZEN":
		return f.change(c, true)
	}
	return syscall.EIO
}

// change is freezer_freeze: the transition table of DESIGN.md, under
// cgroup_mutex (so no attach or other write runs meanwhile) and
// freezer->lock.
func (f *freezerSubsys) change(c *Cgroup, freeze bool) error {
	h := f.h
	goal := Running
	if freeze {
		goal = Frozen
	}
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

// thawAllLocked sets every cgroup RUNNING and thaws every task: Shutdown's
// step after the kills. The caller holds cgroup_mutex.
func (f *freezerSubsys) thawAllLocked() {
	f.h.eachCgroupLocked(func(c *Cgroup) {
		fz := css(c)
		fz.lock.Lock()
		f.unfreezeTasksLocked(c, fz)
		fz.lock.Unlock()
	})
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
