package freezer

import (
	"log/slog"
	"slices"
	"sync/atomic"
	"syscall"
	"time"
)

// This file is the mainline cgroup v1 freezer, Version V1
// (kernel/cgroup/legacy_freezer.c as Linux 6.16 and later have it; the rules
// date from 3.8, when the freezer became hierarchical and lost EBUSY). Its
// state is three flags per cgroup: a write of freezer.state sets or clears
// the cgroup's own flag and walks the subtree pre-order, passing the freeze
// down as a second flag; a read walks the subtree post-order and marks
// FROZEN, lazily, each cgroup whose tasks and children have all frozen.
// Nothing is refused: moves and forks adopt the destination's state.

// The v1 freezer's flags (the kernel's enum freezer_state_flags).
const (
	legacyOnline         uint32 = 1 << iota // CGROUP_FREEZER_ONLINE: created and not yet removed
	legacyFreezingSelf                      // CGROUP_FREEZING_SELF: this cgroup's freezer.state was written FROZEN
	legacyFreezingParent                    // CGROUP_FREEZING_PARENT: an ancestor is freezing
	legacyFrozen                            // CGROUP_FROZEN: this cgroup and its descendants are frozen

	legacyFreezing = legacyFreezingSelf | legacyFreezingParent // CGROUP_FREEZING
)

// legacyFreezer is the v1 freezer's struct cgroup_subsys.
type legacyFreezer struct {
	BaseSubsystem
	h  *Hierarchy
	mu mutex // freezer_mutex
}

// legacyCSS is the v1 freezer's struct freezer: one per cgroup.
type legacyCSS struct {
	freezerBase

	// state holds the legacy* flags. It changes under freezer_mutex; it is
	// atomic so that the fork hook, self_freezing and parent_freezing read
	// it without the mutex, as the kernel reads freezer->state.
	state atomic.Uint32

	// kids are the live child cgroups, under freezer_mutex: the freezer walks
	// its own css tree, as the kernel's css_for_each_descendant does, and so
	// needs no cgroup_mutex to read or write freezer.state.
	kids []*Cgroup
}

func newLegacyFreezer(h *Hierarchy) versionFreezer {
	h.rules = taskRules{
		frozenLetter:       'D',
		stoppedShowsFrozen: true,
		killedCannotFork:   true,
		taskFiles:          []string{"tasks", "cgroup.procs"},
		maxWrite:           maxWrite,
		kernfs:             true,
	}
	f := &legacyFreezer{h: h}
	f.mu.init(classFreezerMutex, h.chk)
	return f
}

func lcss(c *Cgroup) *legacyCSS { return c.css[0].(*legacyCSS) }

func (*legacyFreezer) Name() string { return "freezer" }

// Create is freezer_css_alloc and freezer_css_online: a new cgroup under a
// freezing parent starts FROZEN with FREEZING_PARENT, as it has no task yet.
func (f *legacyFreezer) Create(c *Cgroup) (any, error) {
	z := &legacyCSS{}
	z.state.Store(legacyOnline)
	if p := c.parent; p != nil {
		f.mu.Lock()
		pz := lcss(p)
		if pz.state.Load()&legacyFreezing != 0 {
			z.state.Store(legacyOnline | legacyFreezingParent | legacyFrozen)
		}
		pz.kids = append(pz.kids, c)
		f.mu.Unlock()
	}
	return z, nil
}

// Destroy is freezer_css_offline: the removed cgroup drops out of its
// parent's FROZEN test.
func (f *legacyFreezer) Destroy(c *Cgroup) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lcss(c).state.Store(0)
	pz := lcss(c.parent)
	pz.kids = slices.DeleteFunc(pz.kids, func(k *Cgroup) bool { return k == c })
}

// Populate gives every cgroup but the root freezer.state,
// freezer.self_freezing and freezer.parent_freezing.
func (f *legacyFreezer) Populate(c *Cgroup) []File {
	if c.parent == nil {
		return nil
	}
	return []File{
		{Name: "state", Read: f.read, Write: f.write},
		{Name: "self_freezing", Read: func(c *Cgroup) ([]byte, error) { return flagLine(f.selfFreezing(c)), nil }},
		{Name: "parent_freezing", Read: func(c *Cgroup) ([]byte, error) { return flagLine(f.parentFreezing(c)), nil }},
	}
}

// flagLine is a boolean as a control file shows it: "0\n" or "1\n".
func flagLine(b bool) []byte {
	if b {
		return []byte("1\n")
	}
	return []byte("0\n")
}

// Fork is freezer_fork: a child born in a freezing cgroup gets a freeze
// request. FROZEN is left as it is (the kernel's code; its documentation
// says a new task sends the cgroup back to FREEZING). The kernel takes
// freezer_mutex here; the library's fork hook runs under css_set_lock with
// the child linked, which a write takes after changing the flags and before
// walking the tasks, so the write sees the child or the hook sees the flags.
func (f *legacyFreezer) Fork(t *Task) {
	if c := t.cgroup; c.parent != nil && lcss(c).state.Load()&legacyFreezing != 0 {
		t.freezeTask()
	}
}

// Attach is freezer_attach: the moved task adopts the destination's state.
// Into a cgroup that is not freezing it is thawed (a frozen task moved out
// runs again); into a freezing one it gets a freeze request, and the
// destination and each FROZEN ancestor go back to FREEZING until it freezes.
// The source is left as it is.
func (f *legacyFreezer) Attach(dst, src *Cgroup, t *Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if lcss(dst).state.Load()&legacyFreezing == 0 {
		if !f.h.suspending() {
			t.lock()
			frozen := t.frozen
			t.thawLocked()
			t.unlock()
			if frozen {
				dst.kick()
			}
		}
		return
	}
	for a := dst; a != nil; a = a.parent {
		z := lcss(a)
		s := z.state.Load()
		if s&legacyFrozen == 0 {
			break
		}
		z.state.Store(s &^ legacyFrozen)
		a.changed()
	}
	t.freezeTask()
	dst.changed()
}

// migrateLocked does nothing: v1's attach runs after the move, under
// freezer_mutex (Attach).
func (*legacyFreezer) migrateLocked(*Cgroup, *Cgroup, *Task) chan struct{} { return nil }

// counted is the negation of update_if_frozen's test for a task that keeps
// its cgroup from FROZEN: freezing(t) && !frozen(t). freezing(t) is a
// property of the task's cgroup since 3.3 (cgroup_freezing), so in a
// freezing cgroup every task is freezing but a NoFreeze one, request or not,
// and the counters need to know only whether a task is frozen. A task is
// frozen here if it is frozen enough: since 6.1 the kernel moves stopped and
// traced tasks and vfork parents straight to TASK_FROZEN. The counters
// matter only while the cgroup is freezing.
func (*legacyFreezer) counted(t *Task) bool {
	return t.noFreeze || t.frozenEnoughLocked()
}

// crossed wakes the waiters of c and of its ancestors: a read of any of them
// may now find FROZEN.
func (*legacyFreezer) crossed(c *Cgroup) {
	if lcss(c).allCounted() {
		for a := c; a != nil; a = a.parent {
			a.changed()
		}
	}
}

func (*legacyFreezer) settle()          {}
func (*legacyFreezer) settleLocked()    {}
func (*legacyFreezer) fileName() string { return "freezer.state" }

func (*legacyFreezer) selfFreezing(c *Cgroup) bool {
	return lcss(c).state.Load()&legacyFreezingSelf != 0
}

func (*legacyFreezer) parentFreezing(c *Cgroup) bool {
	return lcss(c).state.Load()&legacyFreezingParent != 0
}

func (f *legacyFreezer) frozen(c *Cgroup) bool { return f.state(c) == Frozen }

func (*legacyFreezer) freezing(c *Cgroup) bool {
	return c.parent != nil && lcss(c).state.Load()&legacyFreezing != 0
}

func (*legacyFreezer) kill(*Cgroup) error { return syscall.ENOENT }

func (*legacyFreezer) frozenTime(*Cgroup) (time.Duration, error) { return 0, syscall.ENOENT }

// legacyState is the state freezer.state shows for flags s.
func legacyState(s uint32) State {
	switch {
	case s&legacyFrozen != 0:
		return Frozen
	case s&legacyFreezing != 0:
		return Freezing
	}
	return Running
}

// legacyStateNames are freezer.state's words (freezer_state_strs): THAWED
// where the patch said RUNNING.
var legacyStateNames = [...]string{Running: "THAWED", Freezing: "FREEZING", Frozen: "FROZEN"}

func (*legacyFreezer) stateName(c *Cgroup) string {
	if c.parent == nil {
		return "none"
	}
	return legacyStateNames[legacyState(lcss(c).state.Load())]
}

// read is freezer_read: the state of c, once the subtree has been brought up
// to date.
func (f *legacyFreezer) read(c *Cgroup) ([]byte, error) {
	return []byte(legacyStateNames[f.state(c)] + "\n"), nil
}

// state walks c's subtree post-order, children first, marking FROZEN each
// freezing cgroup whose tasks and live children are all frozen
// (update_if_frozen), and returns c's state. Reading a cgroup may so mark
// its descendants FROZEN, never its parent. It costs O(cgroups in the
// subtree): the tasks are known by their counters. It takes freezer_mutex.
func (f *legacyFreezer) state(c *Cgroup) State {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updateLocked(c)
	return legacyState(lcss(c).state.Load())
}

func (f *legacyFreezer) updateLocked(c *Cgroup) {
	z := lcss(c)
	for _, k := range z.kids {
		f.updateLocked(k)
	}
	s := z.state.Load()
	if s&legacyFreezing == 0 || s&legacyFrozen != 0 {
		return
	}
	for _, k := range z.kids {
		if lcss(k).state.Load()&legacyFrozen == 0 {
			return
		}
	}
	if !z.allCounted() {
		return
	}
	z.state.Store(s | legacyFrozen)
	if f.h.log != nil {
		f.h.debug("state", slog.String("cgroup", c.path), slog.String("from", "FREEZING"), slog.String("to", "FROZEN"))
	}
	c.changed()
}

// write is freezer_write: white space is stripped from both ends (strstrip),
// and the rest must be THAWED or FROZEN (EINVAL otherwise, FREEZING included).
func (f *legacyFreezer) write(c *Cgroup, data []byte) error {
	switch string(strstrip(data)) {
	case "THAWED":
		return f.change(c, false)
	case "FROZEN":
		return f.change(c, true)
	}
	return syscall.EINVAL
}

// change is freezer_change_state: c gets or loses its own flag, and the
// change passes down the subtree, pre-order, as each descendant's
// FREEZING_PARENT follows its parent's new state. It takes freezer_mutex
// alone, as the kernel's write does. It never fails but on a removed cgroup
// or, for a freeze, once Shutdown has begun: Shutdown sets dying before it
// takes freezer_mutex to thaw everything, so a freeze that finds dying unset
// under the mutex is undone by that thaw.
func (f *legacyFreezer) change(c *Cgroup, freeze bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if lcss(c).state.Load()&legacyOnline == 0 || (freeze && f.h.dying.Load()) {
		return syscall.ENODEV
	}
	f.applyLocked(c, freeze, legacyFreezingSelf)
	var down func(p *Cgroup)
	down = func(p *Cgroup) {
		for _, k := range lcss(p).kids {
			f.applyLocked(k, lcss(p).state.Load()&legacyFreezing != 0, legacyFreezingParent)
			down(k)
		}
	}
	down(c)
	return nil
}

// applyLocked is freezer_apply_state: set flag and send every task a freeze
// request, or clear it and, if no freezing flag is left, clear FROZEN and
// thaw every task. During a system suspend the tasks stay frozen until
// ThawProcesses. The caller holds freezer_mutex.
func (f *legacyFreezer) applyLocked(c *Cgroup, freeze bool, flag uint32) {
	h := f.h
	z := lcss(c)
	old := z.state.Load()
	if old&legacyOnline == 0 {
		return
	}
	if freeze {
		z.state.Store(old | flag)
		h.cssSetLock.RLock()
		for t := c.first; t != nil; t = t.next {
			t.freezeTask()
		}
		h.cssSetLock.RUnlock()
	} else {
		s := old &^ flag
		if s&legacyFreezing == 0 {
			s &^= legacyFrozen
		}
		z.state.Store(s)
		if s&legacyFreezing == 0 {
			h.cssSetLock.RLock()
			if !h.suspending() {
				c.thawTasksLocked()
			}
			h.cssSetLock.RUnlock()
			z.gen.Add(1)
		}
	}
	if h.log != nil && legacyState(old) != legacyState(z.state.Load()) {
		h.debug("state", slog.String("cgroup", c.path), slog.String("from", legacyStateNames[legacyState(old)]),
			slog.String("to", legacyStateNames[legacyState(z.state.Load())]))
	}
	c.changed()
}

// thawAllLocked clears every cgroup's flags but ONLINE and thaws every task,
// for Shutdown. The caller holds cgroup_mutex.
func (f *legacyFreezer) thawAllLocked() {
	h := f.h
	f.mu.Lock()
	defer f.mu.Unlock()
	h.eachCgroupLocked(func(c *Cgroup) {
		z := lcss(c)
		z.state.Store(z.state.Load() & legacyOnline)
		h.cssSetLock.RLock()
		c.thawTasksLocked()
		h.cssSetLock.RUnlock()
		z.gen.Add(1)
		c.changed()
	})
}
