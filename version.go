package freezer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"syscall"
	"time"
)

// This file chooses which kernel's freezer a hierarchy follows, and holds the
// calls whose answer each version gives in its own way. The rules themselves
// live one version to a file: freezer.go (the 2008 patch), legacy.go (the
// mainline cgroup v1 freezer) and cgroup2.go (the cgroup v2 freezer). The
// shared core (cgroup.go, task.go, fridge.go) reaches them only through
// versionFreezer and the Subsystem hooks, and never asks which one it has.

// Version names the kernel freezer a hierarchy follows. The zero value is
// Patch2008.
type Version int

const (
	// Patch2008 is the freezer as the June 2008 "Container Freezer" patch
	// posted it and Paul Menage reviewed it (kernel/cgroup_freezer.c before
	// 2.6.28): RUNNING, EIO, EBUSY, a flat hierarchy. The default.
	Patch2008 Version = iota
	// V1 is the mainline cgroup v1 freezer as Linux 6.16 and later have it
	// (kernel/cgroup/legacy_freezer.c, hierarchical since 3.8): THAWED,
	// EINVAL, freezer.self_freezing and freezer.parent_freezing, moves
	// always allowed.
	V1
	// V2 is the cgroup v2 freezer (kernel/cgroup/freezer.c, Linux 5.2 and
	// later): cgroup.freeze, cgroup.events, cgroup.kill (5.14) and
	// cgroup.stat.local's frozen_usec (6.18); frozen tasks can be killed.
	V2
)

var versionNames = [...]string{Patch2008: "patch2008", V1: "v1", V2: "v2"}

// String returns "patch2008", "v1" or "v2".
func (v Version) String() string {
	if v >= 0 && int(v) < len(versionNames) {
		return versionNames[v]
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// ParseVersion returns the Version whose String is s.
func ParseVersion(s string) (Version, error) {
	for v, name := range versionNames {
		if s == name {
			return Version(v), nil
		}
	}
	return 0, fmt.Errorf("freezer: unknown version %q", s)
}

// WithVersion makes the hierarchy follow kernel v's freezer. Without it a
// hierarchy follows [Patch2008]. An unknown v makes [New] panic.
func WithVersion(v Version) Option {
	return func(h *Hierarchy) { h.version = v }
}

// Version returns the kernel freezer the hierarchy follows. It does not
// block.
func (h *Hierarchy) Version() Version { return h.version }

// versionFreezer is one kernel version's freezer: a Subsystem bound first to
// the hierarchy, plus what the shared core asks of it that the Subsystem
// hooks do not cover. Each method is the version's answer to one question;
// the core calls them without knowing which version answers.
type versionFreezer interface {
	Subsystem

	// counted is the version's per-task test behind the counters: whether t
	// no longer keeps its cgroup from being frozen. The caller holds t's
	// locks.
	counted(t *Task) bool

	// crossed is called when c's counters may have crossed between "every
	// task counted" and not, under the task's locks or css_set_lock.
	crossed(c *Cgroup)

	// settle finishes what crossed left for a moment when no library lock
	// is held. The caller holds no library lock; settleLocked is settle for
	// a caller that holds css_set_lock for writing.
	settle()
	settleLocked()

	// migrateLocked is the version's part of a move that the kernel makes
	// under css_set_lock (cgroup_migrate_execute): it runs once t is linked
	// into dst, under css_set_lock held for writing and t's locks, and
	// returns the channel of an interruptible wait to close once they are
	// dropped, for a freeze request. A frozen task that it thaws needs no
	// wake-up of its own: the move has kicked it to look again.
	migrateLocked(dst, src *Cgroup, t *Task) (intr chan struct{})

	// fileName is the control file that Freeze and Thaw write, for errors.
	fileName() string

	// state is State for a live non-root cgroup.
	state(c *Cgroup) State

	// change is Freeze (freeze true) or Thaw for a live non-root cgroup; it
	// returns a bare errno on failure.
	change(c *Cgroup, freeze bool) error

	// selfFreezing and parentFreezing are the like-named calls for a live
	// non-root cgroup.
	selfFreezing(c *Cgroup) bool
	parentFreezing(c *Cgroup) bool

	// frozen is Events' Frozen for a live non-root cgroup.
	frozen(c *Cgroup) bool

	// freezing is cgroup_freezing: whether a freeze is in effect on c, so
	// that a system resume must leave its tasks frozen.
	freezing(c *Cgroup) bool

	// kill is Kill, and frozenTime FrozenTime, for a live non-root cgroup.
	kill(c *Cgroup) error
	frozenTime(c *Cgroup) (time.Duration, error)

	// thawAllLocked ends every cgroup's freeze and thaws every task, for
	// Shutdown. The caller holds cgroup_mutex.
	thawAllLocked()

	// stateName is c's state for log records, taking no lock.
	stateName(c *Cgroup) string
}

// taskRules are the differences a version makes to how a single task
// behaves, as data the shared task code reads.
type taskRules struct {
	// frozenLetter is the /proc letter of a frozen task: 'D' where the
	// refrigerator is an uninterruptible sleep (the patch, v1), 'S' where it
	// is v2's interruptible freezer trap.
	frozenLetter byte
	// stoppedShowsFrozen: a stopped or traced task with a freeze request
	// shows as frozen (v1 since 6.1 moves it to TASK_FROZEN), rather than
	// keeping its 'T' or 't'.
	stoppedShowsFrozen bool
	// killFrozen: a kill ends a frozen task at once (v2's fatal signal
	// breaks the trap) rather than after its thaw.
	killFrozen bool
	// signalsFirst: at a safe point a pending kill or ptrace trap is taken
	// before a freeze request (v2's get_signal order), rather than after
	// the thaw.
	signalsFirst bool
	// traceFrozen: a ptrace interrupt takes a frozen task into a traced
	// stop, counted as frozen, and it goes back to the freezer on detach
	// (v2's trap bits outrank the freezer trap).
	traceFrozen bool
	// killedCannotFork: a task with a kill pending fails to fork (EINTR),
	// as copy_process refuses a task with a fatal signal pending, so that
	// no child escapes cgroup.kill. The patch's model predates the rule.
	killedCannotFork bool
	// maxWrite is the longest write a control file takes: E2BIG beyond.
	maxWrite int
	// kernfs: writes reach the files as through the later kernels' kernfs,
	// as seen on Linux 6.18: E2BIG comes first, an empty write does
	// nothing on any file (read-only ones too), a handler reads the bytes
	// before the first NUL (the buffer is a C string), and a PID is read
	// as kstrtoint reads it.
	kernfs bool
	// taskFiles are the names of the files listing a cgroup's tasks, which
	// writing a PID to moves the task: "tasks", and "cgroup.procs" where
	// the kernel has it (every task here is a process of its own).
	taskFiles []string
}

// Events is what cgroup v2's cgroup.events shows: whether the cgroup's subtree
// has a task (populated) and whether the cgroup is frozen. In the other
// versions Populated is the same, and Frozen is State() == Frozen. The zero
// value is an empty cgroup that is not frozen.
type Events struct {
	Populated bool
	Frozen    bool
}

// rooted checks that c is a live cgroup with the freezer's files, returning
// the *fs.PathError a read or write of file would: ENOENT for the root,
// ENODEV once c is removed.
func (c *Cgroup) rooted(op, file string) error {
	switch {
	case c.parent == nil:
		return pathErr(op, c.file(file), syscall.ENOENT)
	case c.removed.Load():
		return pathErr(op, c.file(file), syscall.ENODEV)
	}
	return nil
}

// State returns the cgroup's freezer state, as reading freezer.state does
// (freezer_read). In the patch a FREEZING cgroup whose tasks are all frozen
// enough reads, and from then on is, FROZEN; it is O(1), and may wait for an
// attach or fork in progress, so that FROZEN is never reported while a
// newcomer is being linked. In v1 it is the read of freezer.state, THAWED
// being Running, which marks FROZEN every cgroup of the subtree that has
// become so (O(cgroups in the subtree)). In v2 it is Running when neither
// the cgroup nor an ancestor asks for a freeze, Frozen when cgroup.events
// says frozen 1, and Freezing otherwise (O(1)). It must not be called inside
// a [Cgroup.Tasks] loop. It fails with ENOENT for the root (which has no
// freezer files) and ENODEV once c is removed.
func (c *Cgroup) State() (State, error) {
	if err := c.rooted("read", c.h.fz.fileName()); err != nil {
		return Running, err
	}
	return c.h.fz.state(c), nil
}

// Freeze asks every task of the cgroup to freeze, as writing FROZEN to
// freezer.state does (freezer_write; v2: writing 1 to cgroup.freeze), and
// returns at once without waiting for them: the cgroup is FROZEN if every
// task already is frozen enough (an empty cgroup at once), FREEZING
// otherwise. In v1 and v2 the freeze covers the subtree.
//
// In the patch, if some task cannot freeze now (an uninterruptible wait,
// NoFreeze) it returns an error for which errors.Is(err, syscall.EBUSY)
// holds and errors.As finds a *[BusyError] naming those tasks; the cgroup
// stays FREEZING, and leaves it when the blocking tasks freeze or leave, or
// on [Cgroup.Thaw] or another Freeze. v1 and v2 have no EBUSY: the cgroup
// stays FREEZING until such a task freezes. Errors are *fs.PathError values:
// ENOENT for the root, ENODEV once removed. It takes cgroup_mutex (v1: the
// freezer_mutex).
func (c *Cgroup) Freeze() error {
	return c.change(true)
}

// Thaw thaws every task of the cgroup and cancels freeze requests not yet
// honoured, as writing RUNNING to freezer.state does (freezer_unfreeze_tasks;
// v1: THAWED, v2: 0 to cgroup.freeze); it leaves stopped tasks stopped. In
// v1 and v2 it clears only the cgroup's own freeze: an ancestor's freeze
// still holds it. Errors are as for [Cgroup.Freeze]. It does not wait for
// the tasks to run.
func (c *Cgroup) Thaw() error {
	return c.change(false)
}

func (c *Cgroup) change(freeze bool) error {
	name := c.h.fz.fileName()
	if err := c.rooted("write", name); err != nil {
		return err
	}
	if err := c.h.fz.change(c, freeze); err != nil {
		return pathErr("write", c.file(name), err)
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
	gen := c.freezer.gen.Load()
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
		if g := c.freezer.gen.Load(); g != gen {
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

// busyTasks lists the tasks of c that keep it from being frozen: those its
// version does not count.
func (c *Cgroup) busyTasks() []TaskStat {
	var busy []TaskStat
	for t := range c.Tasks() {
		t.lock()
		if !t.counted {
			busy = append(busy, t.statLocked())
		}
		t.unlock()
	}
	sortStats(busy)
	return busy
}

// SelfFreezing reports whether the cgroup itself asks to be frozen: v1's
// freezer.self_freezing (the last write of freezer.state was FROZEN), v2's
// cgroup.freeze, and in the patch whether State is not Running. It fails
// with ENOENT for the root and ENODEV once c is removed. It does not block
// beyond the freezer's locks.
func (c *Cgroup) SelfFreezing() (bool, error) {
	if err := c.rooted("read", c.h.fz.fileName()); err != nil {
		return false, err
	}
	return c.h.fz.selfFreezing(c), nil
}

// ParentFreezing reports whether an ancestor's freeze covers the cgroup: v1's
// freezer.parent_freezing, and in v2 whether an ancestor has cgroup.freeze
// 1. The patch's hierarchy is flat: always false. Errors are as for
// [Cgroup.SelfFreezing].
func (c *Cgroup) ParentFreezing() (bool, error) {
	if err := c.rooted("read", c.h.fz.fileName()); err != nil {
		return false, err
	}
	return c.h.fz.parentFreezing(c), nil
}

// Events returns what cgroup v2's cgroup.events shows (see [Events]). A v1
// or patch cgroup answers with its State, as a read of freezer.state would,
// which may store a FROZEN it has reached. Errors are as for
// [Cgroup.SelfFreezing]. It does not block beyond the freezer's locks.
func (c *Cgroup) Events() (Events, error) {
	if err := c.rooted("read", c.h.fz.fileName()); err != nil {
		return Events{}, err
	}
	return c.events(), nil
}

func (c *Cgroup) events() Events {
	return Events{Populated: c.populated.Load() > 0, Frozen: c.h.fz.frozen(c)}
}

// WatchEvents returns an iterator over the cgroup's [Events]: the current
// value first, then a value each time cgroup.events notifies, as poll(2) or
// inotify on the file would wake. Changes made between two deliveries
// coalesce into the latest value, as the kernel's file notification does;
// a v2 write that changes nothing effective still notifies, so the same
// value may come twice. The iteration ends when ctx ends, when the cgroup is
// removed, or when the loop breaks. On the root, or a removed cgroup, it
// yields nothing. Each step blocks until there is something to deliver.
func (c *Cgroup) WatchEvents(ctx context.Context) iter.Seq[Events] {
	return func(yield func(Events) bool) {
		var last Events
		var seq uint64
		first := true
		for {
			ch, done := c.watch()
			s := c.notified.Load()
			ev, err := c.Events()
			if err != nil {
				done()
				return
			}
			if first || ev != last || s != seq {
				first, last, seq = false, ev, s
				if !yield(ev) {
					done()
					return
				}
				done()
				continue
			}
			select {
			case <-ch:
				done()
			case <-ctx.Done():
				done()
				return
			}
		}
	}
}

// Kill kills every task of the cgroup's subtree, frozen or not, as writing 1
// to cgroup v2's cgroup.kill does: each gets SIGKILL, and a task forked while
// the kill goes on is killed too. It does not wait for them to exit (see
// [Task.Done]). Only v2 has cgroup.kill: the other versions return ENOENT.
// Errors are as for [Cgroup.SelfFreezing].
func (c *Cgroup) Kill() error {
	if err := c.rooted("write", "cgroup.kill"); err != nil {
		return err
	}
	if err := c.h.fz.kill(c); err != nil {
		return pathErr("write", c.file("cgroup.kill"), err)
	}
	return nil
}

// FrozenTime returns how long a freeze has been in effect on the cgroup, its
// own or an ancestor's, summed over its life and counting up to now while one
// lasts: cgroup v2's frozen_usec in cgroup.stat.local (Linux 6.18). The time
// runs from the freeze request, whether or not the tasks have all frozen.
// Only v2 keeps it: the other versions return ENOENT. Errors are as for
// [Cgroup.SelfFreezing].
func (c *Cgroup) FrozenTime() (time.Duration, error) {
	if err := c.rooted("read", "cgroup.stat.local"); err != nil {
		return 0, err
	}
	d, err := c.h.fz.frozenTime(c)
	if err != nil {
		return 0, pathErr("read", c.file("cgroup.stat.local"), err)
	}
	return d, nil
}

// versions makes each version's freezer for a new hierarchy, and sets the
// hierarchy's task rules. It is a table, not a switch: the core looks a
// version up here once, at New, and never asks again.
var versions = [...]func(*Hierarchy) versionFreezer{
	Patch2008: newPatchFreezer,
	V1:        newLegacyFreezer,
	V2:        newCgroup2Freezer,
}
