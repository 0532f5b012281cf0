package freezer

import (
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// This file is the cgroup v2 freezer, Version V2 (kernel/cgroup/freezer.c,
// Linux 5.2 and later, with cgroup.kill from 5.14 and frozen_usec from
// 6.18). It is part of the cgroup core in the kernel, so its files are
// cgroup.*: cgroup.freeze is the cgroup's own wish, the effective freeze is
// its own or any ancestor's, and cgroup.events says whether the cgroup is
// frozen. Unlike v1 it is eager: each cgroup counts its tasks that are
// frozen and its descendants that are, so "frozen" is kept up to date as
// tasks come and go, and a change is notified. A frozen task sits in a trap
// on its way back to user mode, which a fatal signal or a ptrace interrupt
// can break.

// cgroup2Freezer is the v2 freezer, bound like a subsystem whose files are
// the cgroup.* ones.
type cgroup2Freezer struct {
	BaseSubsystem
	h *Hierarchy

	// dirty is a stack of the cgroups whose counters have crossed since
	// css_set_lock was last taken to bring CGRP_FROZEN up to date (see
	// crossed).
	dirty atomic.Pointer[Cgroup]
}

// cgroup2CSS is a cgroup's struct cgroup_freezer_state with the freezer's
// flags of struct cgroup.
type cgroup2CSS struct {
	freezerBase // counts: the tasks, and nr_frozen_tasks

	// freeze is cgroup.freeze, the cgroup's own wish. It changes under
	// cgroup_mutex and css_set_lock.
	freeze atomic.Bool

	// eFreeze is e_freeze and CGRP_FREEZE: the cgroup or an ancestor
	// freezes it. frozen is CGRP_FROZEN. Both change under css_set_lock,
	// held for writing; they are atomic for the lock-free readers.
	eFreeze atomic.Bool
	frozen  atomic.Bool

	// Under css_set_lock, held for writing to change them: the cgroup's
	// live descendants (nr_descendants), those with CGRP_FROZEN
	// (nr_frozen_descendants), and its freeze time: the time of the
	// freezes that have ended, and when the one in effect began.
	nrDescendants       int
	nrFrozenDescendants int
	frozenTotal         time.Duration
	freezeStart         time.Time

	// onDirty is set while the cgroup is on the freezer's dirty stack, and
	// nextDirty links it there.
	onDirty   atomic.Bool
	nextDirty *Cgroup
}

func newCgroup2Freezer(h *Hierarchy) versionFreezer {
	h.rules = taskRules{
		frozenLetter:     'S',
		killFrozen:       true,
		signalsFirst:     true,
		traceFrozen:      true,
		killedCannotFork: true,
		taskFiles:        []string{"cgroup.procs"},
		maxWrite:         maxWrite,
		kernfs:           true,
	}
	return &cgroup2Freezer{h: h}
}

func c2css(c *Cgroup) *cgroup2CSS { return c.css[0].(*cgroup2CSS) }

// Name is the prefix of the freezer's files: cgroup.freeze, cgroup.events.
func (*cgroup2Freezer) Name() string { return "cgroup" }

// Create is cgroup_create's part for the freezer: a new cgroup inherits the
// effective freeze, and under a freezing parent it is frozen at once, being
// empty, and counts as a frozen descendant of every ancestor (whose state
// cannot change by it). Its clock starts now.
func (f *cgroup2Freezer) Create(c *Cgroup) (any, error) {
	z := &cgroup2CSS{}
	if c.parent == nil {
		return z, nil
	}
	h := f.h
	h.cssSetLock.Lock()
	defer h.cssSetLock.Unlock()
	if c2css(c.parent).eFreeze.Load() {
		z.eFreeze.Store(true)
		z.frozen.Store(true)
		z.freezeStart = time.Now()
	}
	for a := c.parent; a.parent != nil; a = a.parent { // the root never freezes
		az := c2css(a)
		az.nrDescendants++
		if z.frozen.Load() {
			az.nrFrozenDescendants++
		}
	}
	return z, nil
}

// Destroy is cgroup_destroy_locked's part: the ancestors lose a descendant,
// and a frozen one. As in the kernel the ancestors are not looked at again,
// so removing the last unfrozen child does not make a parent frozen.
func (f *cgroup2Freezer) Destroy(c *Cgroup) {
	h := f.h
	h.cssSetLock.Lock()
	defer h.cssSetLock.Unlock()
	frozen := c2css(c).frozen.Load()
	for a := c.parent; a.parent != nil; a = a.parent {
		az := c2css(a)
		az.nrDescendants--
		if frozen {
			az.nrFrozenDescendants--
		}
	}
}

// Populate gives every cgroup but the root cgroup.freeze, cgroup.events,
// cgroup.kill and cgroup.stat.local.
func (f *cgroup2Freezer) Populate(c *Cgroup) []File {
	if c.parent == nil {
		return nil
	}
	return []File{
		{Name: "freeze", Read: func(c *Cgroup) ([]byte, error) { return flagLine(c2css(c).freeze.Load()), nil }, Write: f.write},
		{Name: "events", Read: f.readEvents},
		{Name: "kill", Write: f.writeKill},
		{Name: "stat.local", Read: f.readStatLocal},
	}
}

// Fork is cgroup_post_fork's part: a child born in a freezing cgroup gets
// the freeze trap and traps before its own code runs. The cgroup's frozen
// state is not looked at again (linking a task never is, see linkLocked),
// so that it does not blink to 0 and back: a frozen cgroup may show frozen 1
// for the moment its new child takes to trap, as the kernel's does.
func (f *cgroup2Freezer) Fork(t *Task) {
	if c := t.cgroup; c2css(c).eFreeze.Load() {
		t.freezeTask()
	}
}

// migrateLocked is cgroup_freezer_migrate_task, within the move as in the
// kernel: both cgroups' frozen states are brought up to date, and the task
// gets the freeze trap, or loses it and is let out (cgroup_freeze_task), as
// the destination freezes or not. A move is never refused.
func (f *cgroup2Freezer) migrateLocked(dst, src *Cgroup, t *Task) chan struct{} {
	f.updateFrozenLocked(src)
	f.updateFrozenLocked(dst)
	var intr chan struct{}
	switch {
	case c2css(dst).eFreeze.Load():
		intr, _ = t.freezeLocked()
	case !f.h.suspending():
		t.thawLocked()
	}
	f.settleLocked()
	return intr
}

// counted is v2's frozen test for nr_frozen_tasks: the task is in the
// freezer trap, in a group stop or a ptrace stop, or a vfork parent waiting
// for its child (each calls cgroup_enter_frozen), whether or not a freeze
// is in effect. A NoFreeze task, the kernel's kthread, never counts.
func (*cgroup2Freezer) counted(t *Task) bool {
	if t.noFreeze {
		return false
	}
	return t.frozen || t.stopped || t.trapped || t.skip
}

// crossed puts c on the dirty stack: its CGRP_FROZEN needs css_set_lock,
// held for writing, which the task whose counter moved may not take under
// its own locks. The kernel's task drops siglock before it calls
// cgroup_enter_frozen; here it finishes the work in settle, once it holds no
// library lock, as does every other path that moves a counter.
func (f *cgroup2Freezer) crossed(c *Cgroup) {
	z := c2css(c)
	if !z.onDirty.CompareAndSwap(false, true) {
		return
	}
	for {
		head := f.dirty.Load()
		z.nextDirty = head
		if f.dirty.CompareAndSwap(head, c) {
			return
		}
	}
}

// settle brings CGRP_FROZEN up to date on every cgroup on the dirty stack. It
// costs one atomic load when the stack is empty.
func (f *cgroup2Freezer) settle() {
	if f.dirty.Load() == nil {
		return
	}
	f.h.cssSetLock.Lock()
	f.settleLocked()
	f.h.cssSetLock.Unlock()
}

// settleLocked is settle for a caller that holds css_set_lock for writing.
func (f *cgroup2Freezer) settleLocked() {
	for c := f.dirty.Swap(nil); c != nil; {
		z := c2css(c)
		next := z.nextDirty
		z.nextDirty = nil
		z.onDirty.Store(false)
		if !c.removed.Load() {
			f.updateFrozenLocked(c)
		}
		c = next
	}
}

// updateFrozenLocked is cgroup_update_frozen: c is frozen when it has to be
// and every task of its own is counted frozen. A change is notified and
// passed up to the ancestors. The caller holds css_set_lock for writing.
func (f *cgroup2Freezer) updateFrozenLocked(c *Cgroup) {
	if c.parent == nil {
		return
	}
	z := c2css(c)
	frozen := z.eFreeze.Load() && z.allCounted()
	if z.frozen.Load() == frozen {
		return
	}
	f.setFrozenLocked(c, frozen)
	f.propagateFrozenLocked(c, frozen)
}

func (f *cgroup2Freezer) setFrozenLocked(c *Cgroup, frozen bool) {
	c2css(c).frozen.Store(frozen)
	if f.h.log != nil {
		f.h.debug("events", slog.String("cgroup", c.path), slog.Bool("frozen", frozen))
	}
	c.notify()
}

// propagateFrozenLocked is cgroup_propagate_frozen: each ancestor counts the
// change among its frozen descendants. An ancestor becomes frozen when it has
// to be and all its descendants are frozen, and stops being frozen when one
// stops. As in the kernel, an ancestor's own tasks are not looked at here:
// cgroup_update_frozen looks at them, and a cgroup's frozen state follows
// whichever of the two looked last.
func (f *cgroup2Freezer) propagateFrozenLocked(c *Cgroup, frozen bool) {
	desc := 1
	for a := c.parent; a != nil && a.parent != nil; a = a.parent {
		az := c2css(a)
		if frozen {
			az.nrFrozenDescendants += desc
			if !az.frozen.Load() && az.eFreeze.Load() && az.nrFrozenDescendants == az.nrDescendants {
				f.setFrozenLocked(a, true)
				desc++
			}
		} else {
			az.nrFrozenDescendants -= desc
			if az.frozen.Load() {
				f.setFrozenLocked(a, false)
				desc++
			}
		}
	}
}

func (*cgroup2Freezer) fileName() string { return "cgroup.freeze" }

func (*cgroup2Freezer) selfFreezing(c *Cgroup) bool { return c2css(c).freeze.Load() }

func (*cgroup2Freezer) parentFreezing(c *Cgroup) bool {
	p := c.parent
	return p.parent != nil && c2css(p).eFreeze.Load()
}

// frozen and state first finish what a counter crossing left (settle), so
// that whoever has seen a task frozen, or gone, reads its cgroup's state up
// to date, as the kernel's readers do since cgroup_enter_frozen and the exit
// path update it under css_set_lock. It costs one atomic load when nothing
// is left.
func (f *cgroup2Freezer) frozen(c *Cgroup) bool {
	f.settle()
	return c2css(c).frozen.Load()
}

func (*cgroup2Freezer) freezing(c *Cgroup) bool {
	return c.parent != nil && c2css(c).eFreeze.Load()
}

// state is Running without an effective freeze, Frozen when cgroup.events
// says frozen 1, and Freezing in between. It takes no lock but settle's.
func (f *cgroup2Freezer) state(c *Cgroup) State {
	f.settle()
	return c2css(c).state()
}

func (z *cgroup2CSS) state() State {
	switch {
	case !z.eFreeze.Load():
		return Running
	case z.frozen.Load():
		return Frozen
	}
	return Freezing
}

// stateName is for log records, made under locks that settle would take:
// it shows the state as it stands.
func (f *cgroup2Freezer) stateName(c *Cgroup) string {
	if c.parent == nil {
		return "none"
	}
	return c2css(c).state().String()
}

// readEvents is cgroup.events: populated and frozen.
func (f *cgroup2Freezer) readEvents(c *Cgroup) ([]byte, error) {
	b := append([]byte("populated "), flagLine(c.populated.Load() > 0)...)
	b = append(b, "frozen "...)
	return append(b, flagLine(f.frozen(c))...), nil
}

// readStatLocal is cgroup.stat.local: frozen_usec.
func (f *cgroup2Freezer) readStatLocal(c *Cgroup) ([]byte, error) {
	d, _ := f.frozenTime(c)
	b := append([]byte("frozen_usec "), strconv.FormatInt(d.Microseconds(), 10)...)
	return append(b, '\n'), nil
}

// frozenTime is the time of the ended freezes plus the one in effect, read
// under css_set_lock (the kernel reads under its freeze_seq).
func (f *cgroup2Freezer) frozenTime(c *Cgroup) (time.Duration, error) {
	f.h.cssSetLock.RLock()
	defer f.h.cssSetLock.RUnlock()
	z := c2css(c)
	d := z.frozenTotal
	if z.eFreeze.Load() {
		d += time.Since(z.freezeStart)
	}
	return d, nil
}

// parseInt is kstrtoint with base 0 on a buffer stripped of white space at
// both ends, as cgroup.freeze and cgroup.kill read a number: an optional "-"
// (or "+"), then "0x" and hex digits, "0" and octal digits, or decimal
// digits, and nothing after them. No digits, or anything after them, is
// EINVAL. An overflow of 64 bits is ERANGE even with garbage after it, as
// the kernel looks for the overflow first; a value outside an int is ERANGE.
func parseInt(data []byte) (int64, error) {
	s := strstrip(data)
	neg := false
	switch {
	case len(s) > 0 && s[0] == '-':
		neg, s = true, s[1:]
	case len(s) > 0 && s[0] == '+':
		s = s[1:]
	}
	base := uint64(10)
	if len(s) > 0 && s[0] == '0' {
		base = 8
		if len(s) > 2 && (s[1] == 'x' || s[1] == 'X') && hexDigit(s[2]) < 16 {
			base, s = 16, s[2:]
		}
	}
	var n uint64
	overflow := false
	i := 0
	for ; i < len(s); i++ {
		d := uint64(hexDigit(s[i]))
		if d >= base {
			break
		}
		if n > (math.MaxUint64-d)/base {
			overflow = true
		}
		n = n*base + d
	}
	switch {
	case overflow:
		return 0, syscall.ERANGE
	case i == 0 || i < len(s):
		return 0, syscall.EINVAL
	case !neg && n > math.MaxInt32, neg && n > -math.MinInt32:
		return 0, syscall.ERANGE
	case neg:
		return -int64(n), nil
	}
	return int64(n), nil
}

// hexDigit returns the value of hex digit b, or 16 for anything else.
func hexDigit(b byte) byte {
	switch {
	case '0' <= b && b <= '9':
		return b - '0'
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10
	case 'A' <= b && b <= 'F':
		return b - 'A' + 10
	}
	return 16
}

// parseWrite reads a write of cgroup.freeze or cgroup.kill: a number as
// kstrtoint reads it, and ERANGE unless it is between lo and 1.
func parseWrite(data []byte, lo int64) (int64, error) {
	n, err := parseInt(data)
	switch {
	case err != nil:
		return 0, err
	case n < lo || n > 1:
		return 0, syscall.ERANGE
	}
	return n, nil
}

// write is cgroup_freeze_write: 0 or 1.
func (f *cgroup2Freezer) write(c *Cgroup, data []byte) error {
	n, err := parseWrite(data, 0)
	if err != nil {
		return err
	}
	return f.change(c, n == 1)
}

// change is cgroup_freeze: c's own wish changes, and each live descendant,
// pre-order, whose effective freeze changes with it is frozen or thawed
// (cgroup_do_freeze); a subtree whose root keeps its effective freeze is
// skipped. A write that changes no effective freeze still notifies
// cgroup.events: there is nothing to wait for. Writing the wish it already
// has does nothing.
func (f *cgroup2Freezer) change(c *Cgroup, freeze bool) error {
	h := f.h
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	if c.removed.Load() {
		return syscall.ENOENT
	}
	if freeze && h.dying.Load() {
		return syscall.ENODEV
	}
	h.cssSetLock.Lock()
	defer h.cssSetLock.Unlock()
	z := c2css(c)
	if z.freeze.Load() == freeze {
		return nil
	}
	z.freeze.Store(freeze)
	now := time.Now()
	applied := false
	var walk func(d *Cgroup)
	walk = func(d *Cgroup) {
		dz := c2css(d)
		e := dz.freeze.Load() || c2css(d.parent).eFreeze.Load()
		if e == dz.eFreeze.Load() {
			return
		}
		f.doFreezeLocked(d, e, now)
		applied = true
		for _, k := range d.children {
			walk(k)
		}
	}
	walk(c)
	f.settleLocked()
	if !applied {
		c.notify()
	}
	return nil
}

// doFreezeLocked is cgroup_do_freeze: set or clear CGRP_FREEZE, start or
// stop the cgroup's clock, freeze or thaw each of its tasks, and look at
// whether it is frozen if its descendants are. The caller holds cgroup_mutex
// and css_set_lock for writing.
func (f *cgroup2Freezer) doFreezeLocked(c *Cgroup, freeze bool, now time.Time) {
	z := c2css(c)
	z.eFreeze.Store(freeze)
	if freeze {
		z.freezeStart = now
	} else {
		z.frozenTotal += now.Sub(z.freezeStart)
		z.gen.Add(1)
	}
	if f.h.log != nil {
		f.h.debug("state", slog.String("cgroup", c.path), slog.Bool("freeze", freeze))
	}
	thaw := !freeze && !f.h.suspending()
	for t := c.first; t != nil; t = t.next {
		switch {
		case freeze:
			t.freezeTask()
		case thaw:
			t.lock()
			t.thawLocked()
			t.unlock()
		}
	}
	if z.nrDescendants == z.nrFrozenDescendants {
		f.updateFrozenLocked(c)
	}
	// The thawed tasks' counts are settled before they are let out: each
	// looks at the dirty stack on its way out of the safe point, and would
	// otherwise queue on css_set_lock, which the write holds, one after the
	// other.
	f.settleLocked()
	if thaw {
		c.kick()
	}
	c.changed()
}

// writeKill is cgroup_kill_write: only 1.
func (f *cgroup2Freezer) writeKill(c *Cgroup, data []byte) error {
	if _, err := parseWrite(data, 1); err != nil {
		return err
	}
	return f.kill(c)
}

// kill is cgroup_kill: SIGKILL to every task of the subtree, frozen or not.
// The kernel skips kernel threads; the library kills NoFreeze tasks too, as
// they are goroutines of the program. A killed task that has not yet died
// cannot fork (see Hierarchy.fork), so no child escapes the kill.
func (f *cgroup2Freezer) kill(c *Cgroup) error {
	h := f.h
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	if c.removed.Load() {
		return syscall.ENOENT
	}
	var tasks []*Task
	h.cssSetLock.RLock()
	var walk func(d *Cgroup)
	walk = func(d *Cgroup) {
		for t := d.first; t != nil; t = t.next {
			tasks = append(tasks, t)
		}
		for _, k := range d.children {
			walk(k)
		}
	}
	walk(c)
	killAll(tasks)
	h.cssSetLock.RUnlock()
	f.settle()
	return nil
}

// thawAllLocked clears every cgroup's wish and effective freeze and thaws
// every task, for Shutdown. The caller holds cgroup_mutex.
func (f *cgroup2Freezer) thawAllLocked() {
	h := f.h
	h.cssSetLock.Lock()
	defer h.cssSetLock.Unlock()
	now := time.Now()
	h.eachCgroupLocked(func(c *Cgroup) {
		z := c2css(c)
		z.freeze.Store(false)
		if z.eFreeze.Load() {
			f.doFreezeLocked(c, false, now)
		} else {
			c.thawTasksLocked() // frozen by a system suspend
		}
	})
	f.settleLocked()
}
