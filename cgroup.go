package freezer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// This file is the cgroup core (kernel/cgroup.c): a hierarchy of cgroups,
// the subsystems bound to it and their hooks, the task lists, and the
// cgroupfs view of paths, control files and errno values. It knows nothing of
// freezer states; the freezer plugs in through Subsystem like any other.

// Subsystem is a cgroup subsystem: the kernel's struct cgroup_subsys. Bind one
// to a hierarchy with [WithSubsystem]; the freezer is bound by [New] through
// this same interface. Embed [BaseSubsystem] to implement only the hooks you
// need.
//
// Hooks must not block and must not take a library lock that the declared
// order (see locking.go) puts before the locks they are called under. Those
// are: Create, Destroy and Populate under cgroup_mutex; CanFork and Fork
// under css_set_lock; CanAttach under cgroup_mutex, css_set_lock and the
// task's task_lock; Attach under cgroup_mutex alone, after the move, as the
// kernel's attach runs once css_set_lock is dropped; Exit under css_set_lock
// and task_lock. A hook may call [Task.PID], [Task.Name], [Task.Kill],
// [Task.Stop] and [Task.Continue] of the task it is given only where it does
// not hold that task's task_lock.
type Subsystem interface {
	// Name is the subsystem's name, the prefix of its control files
	// ("freezer" gives "freezer.state").
	Name() string
	// Create allocates the subsystem's state for a new cgroup (css_alloc);
	// the value is returned by [Cgroup.SubsysState]. The root is created too.
	Create(c *Cgroup) (any, error)
	// Destroy releases it when the cgroup is removed.
	Destroy(c *Cgroup)
	// Populate returns the cgroup's control files of this subsystem.
	Populate(c *Cgroup) []File
	// CanFork may refuse a new task in c with an errno (EBUSY, say).
	CanFork(c *Cgroup) error
	// Fork runs after a new task has been linked into its cgroup and before
	// its goroutine starts.
	Fork(t *Task)
	// CanAttach may refuse to move t into dst.
	CanAttach(dst *Cgroup, t *Task) error
	// Attach runs after t has moved from src to dst, under cgroup_mutex
	// only: t may have run, or exited, in between.
	Attach(dst, src *Cgroup, t *Task)
	// Exit runs when t exits, while it is still in its cgroup c.
	Exit(c *Cgroup, t *Task)
}

// BaseSubsystem implements every hook of [Subsystem] but Name as a no-op, for
// embedding: a kernel subsystem leaves the hooks it does not need NULL. Its
// zero value is ready to use.
type BaseSubsystem struct{}

// Create returns no state (css_alloc with nothing to allocate).
func (BaseSubsystem) Create(*Cgroup) (any, error) { return nil, nil }

// Destroy does nothing.
func (BaseSubsystem) Destroy(*Cgroup) {}

// Populate adds no control files.
func (BaseSubsystem) Populate(*Cgroup) []File { return nil }

// CanFork allows every fork.
func (BaseSubsystem) CanFork(*Cgroup) error { return nil }

// Fork does nothing.
func (BaseSubsystem) Fork(*Task) {}

// CanAttach allows every attach.
func (BaseSubsystem) CanAttach(*Cgroup, *Task) error { return nil }

// Attach does nothing.
func (BaseSubsystem) Attach(*Cgroup, *Cgroup, *Task) {}

// Exit does nothing.
func (BaseSubsystem) Exit(*Cgroup, *Task) {}

// File is a control file of a subsystem: the kernel's struct cftype. Its full
// name is the subsystem's name, a dot, and Name. Read and Write get the cgroup
// the file is in; they return a syscall.Errno (or an error wrapping one) on
// failure, which the path API reports in an *fs.PathError. A nil Read or Write
// makes the file write-only or read-only (EINVAL otherwise, as cgroupfs).
type File struct {
	Name  string
	Read  func(c *Cgroup) ([]byte, error)
	Write func(c *Cgroup, data []byte) error
}

// maxWrite is PATH_MAX: the patch refuses a write of that many bytes or more
// with E2BIG, later kernels one of more.
const maxWrite = 4096

// Option configures a hierarchy at [New].
type Option func(*Hierarchy)

// WithLockChecks makes the hierarchy check every acquisition of a library lock
// against the declared order; an inversion panics with a *[LockOrderError]
// naming both locks, like lockdep. It also checks that no task parks while
// holding a library lock. Each goroutine's record of held locks is its own,
// found without a lock, so the checks cost a few nanoseconds per acquisition
// on amd64 and arm64 and the same at any number of tasks (the README's "Lock
// checks" has the figures); elsewhere they parse a stack trace per
// acquisition, a microsecond or more.
func WithLockChecks() Option {
	return func(h *Hierarchy) { h.chk = newLockChecker() }
}

// WithLogger sends the hierarchy's events to l at slog.LevelDebug, one record
// each, with the task's pid, its cgroup and the states involved: freeze
// requests, thaws, entry to and exit from the refrigerator, stops, kills,
// freezer state changes, fork, attach (refused ones too), exit, mkdir, rmdir,
// and system suspend and resume. Records are emitted with library locks held,
// so l's handler must not call back into the hierarchy.
func WithLogger(l *slog.Logger) Option {
	return func(h *Hierarchy) { h.log = l }
}

// WithSubsystem binds a subsystem of the caller's to the hierarchy, after the
// freezer, as a SUBSYS() line in cgroup_subsys.h binds one to the kernel. Its
// Create runs for the root cgroup during [New].
func WithSubsystem(ss Subsystem) Option {
	return func(h *Hierarchy) { h.subsys = append(h.subsys, ss) }
}

// Hierarchy is a mounted cgroup hierarchy with the freezer subsystem bound:
// the kernel's cgroupfs_root. Create one with [New]; the zero value is not
// usable. Its methods are safe for concurrent use.
type Hierarchy struct {
	chk *lockChecker
	log *slog.Logger

	version Version
	fz      versionFreezer // the version's freezer, subsys[0]
	rules   taskRules      // what the version changes in how a task behaves
	subsys  []Subsystem

	cgroupMutex mutex   // cgroup_mutex
	cssSetLock  rwmutex // css_set_lock

	root *Cgroup

	// Under css_set_lock: the pid hash and the pid counter.
	tasks   map[int]*Task
	lastPID int

	// dying is set, under css_set_lock and cgroup_mutex, when Shutdown
	// begins: no task may be forked and no freeze started from then on.
	dying atomic.Bool

	// suspend counts system suspends: odd while one is in effect
	// (pm_freezing). A FreezeProcesses keeps going only while the count is
	// the one it started.
	suspend atomic.Uint64
}

// suspending reports whether a system suspend is in effect.
func (h *Hierarchy) suspending() bool { return h.suspend.Load()&1 == 1 }

// New mounts a hierarchy with the freezer subsystem bound and returns it, as
// mounting cgroupfs with -o freezer does (for [V2], as mounting cgroup2,
// whose freezer is part of the core). The root cgroup exists at once; it
// has a tasks file (v2: cgroup.procs) but, as in the kernel, none of the
// freezer's files: the root is not freezable. New does not block. It panics
// on a [WithVersion] of no known version.
func New(opts ...Option) *Hierarchy {
	h := &Hierarchy{tasks: make(map[int]*Task)}
	for _, o := range opts {
		o(h)
	}
	if h.version < 0 || int(h.version) >= len(versions) {
		panic("freezer: New: unknown " + h.version.String())
	}
	h.fz = versions[h.version](h)
	h.subsys = append([]Subsystem{h.fz}, h.subsys...)
	if h.chk != nil {
		h.chk.declare(h.version)
	}
	h.cgroupMutex.init(classCgroupMutex, h.chk)
	h.cssSetLock.init(classCSSSetLock, h.chk)
	root, err := h.newCgroup(nil, "")
	if err != nil {
		panic("freezer: creating the root cgroup: " + err.Error())
	}
	h.root = root
	return h
}

// debug emits one record at slog.LevelDebug. Call sites on hot paths test
// h.log != nil first, so that a hierarchy without a logger does not even
// build the attributes.
func (h *Hierarchy) debug(msg string, attrs ...slog.Attr) {
	if h.log != nil {
		h.log.LogAttrs(context.Background(), slog.LevelDebug, msg, attrs...)
	}
}

// Root returns the root cgroup, "/" (the kernel's dummytop). It does not
// block.
func (h *Hierarchy) Root() *Cgroup { return h.root }

// Cgroup is one directory of a hierarchy: the kernel's struct cgroup. Get one
// from [Hierarchy.Root], [Hierarchy.Lookup] or [Cgroup.Mkdir]. A *Cgroup stays
// valid after the directory is removed; every operation on it then fails with
// ENODEV. Its methods are safe for concurrent use.
type Cgroup struct {
	h      *Hierarchy
	name   string
	path   string
	parent *Cgroup
	css    []any           // per subsystem, in h.subsys order; fixed at creation
	files  map[string]File // full name to file; fixed at creation

	// freezer is the part of the version's freezer state (css[0]) that the
	// generic freezer keeps alike for every version, fixed at creation, so
	// that a parking task bumps the counters with no call through the
	// version.
	freezer *freezerBase

	children map[string]*Cgroup // under cgroup_mutex
	removed  atomic.Bool        // set under cgroup_mutex and css_set_lock

	// Under css_set_lock: the tasks in the cgroup (cg_list), oldest first,
	// as the kernel adds a task at the tail of its css_set's list. The order
	// is not promised to users (Tasks), but it is the order in which the
	// runtime's FIFO run queue runs busy tasks, so a freeze's walk reaches
	// each task before its turn to run comes; walked newest first, the
	// tasks that ran while the walk went on ran a round more before they
	// saw their request.
	first, last *Task

	// populated counts the tasks of the cgroup's subtree (what cgroup.events
	// calls populated); it changes under css_set_lock.
	populated atomic.Int64

	// notified counts the notifications of cgroup.events (cgroup_file_notify):
	// WatchEvents delivers a value for each, even one that shows no change.
	notified atomic.Uint64

	// thaw is the channel that the next thaw of the cgroup closes, made
	// when a task first waits on it (see thawChan).
	thaw atomic.Pointer[chan struct{}]

	// Waiters for a change (see watch): how many, and the channel that the
	// next change closes.
	waiters atomic.Int32
	event   atomic.Pointer[chan struct{}]
}

func (h *Hierarchy) newCgroup(parent *Cgroup, name string) (*Cgroup, error) {
	c := &Cgroup{h: h, name: name, parent: parent, path: "/", children: make(map[string]*Cgroup)}
	if parent != nil {
		c.path = strings.TrimSuffix(parent.path, "/") + "/" + name
	}
	c.css = make([]any, len(h.subsys))
	for i, ss := range h.subsys {
		css, err := ss.Create(c)
		if err != nil {
			for j := i - 1; j >= 0; j-- {
				h.subsys[j].Destroy(c)
			}
			return nil, err
		}
		c.css[i] = css
	}
	c.freezer = c.css[0].(interface{ common() *freezerBase }).common()
	c.files = make(map[string]File)
	for _, name := range h.rules.taskFiles {
		c.files[name] = File{Name: name, Read: readTasks, Write: writeTasks}
	}
	for _, ss := range h.subsys {
		for _, f := range ss.Populate(c) {
			c.files[ss.Name()+"."+f.Name] = f
		}
	}
	return c, nil
}

// Path returns the cgroup's path from the root of its hierarchy, such as
// "/jobs/a"; the root is "/" (cgroup_path). It does not block.
func (c *Cgroup) Path() string { return c.path }

// Parent returns the parent cgroup, or nil for the root (cgroup->parent). It
// does not block.
func (c *Cgroup) Parent() *Cgroup { return c.parent }

// Hierarchy returns the hierarchy the cgroup belongs to (cgroup->root). It
// does not block.
func (c *Cgroup) Hierarchy() *Hierarchy { return c.h }

// SubsysState returns the state that ss's Create returned for this cgroup
// (the kernel's cgroup_subsys_state, cgroup->subsys[id]), or nil if ss is not
// bound. It does not block.
func (c *Cgroup) SubsysState(ss Subsystem) any {
	for i, s := range c.h.subsys {
		if s == ss {
			return c.css[i]
		}
	}
	return nil
}

// Files returns the names of the cgroup's control files, sorted: what ls shows
// in its cgroupfs directory, besides the child cgroups. It does not block.
func (c *Cgroup) Files() []string {
	names := make([]string, 0, len(c.files))
	for n := range c.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Children returns the cgroup's child cgroups, sorted by name (cgroup->children).
// It takes cgroup_mutex.
func (c *Cgroup) Children() []*Cgroup {
	c.h.cgroupMutex.Lock()
	defer c.h.cgroupMutex.Unlock()
	kids := make([]*Cgroup, 0, len(c.children))
	for _, k := range c.children {
		kids = append(kids, k)
	}
	slices.SortFunc(kids, func(a, b *Cgroup) int { return strings.Compare(a.name, b.name) })
	return kids
}

// Removed reports whether the cgroup has been removed (cgroup_is_removed). It
// does not block.
func (c *Cgroup) Removed() bool { return c.removed.Load() }

func pathErr(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: path, Err: err}
}

func (c *Cgroup) file(name string) string {
	return strings.TrimSuffix(c.path, "/") + "/" + name
}

// validName reports the errno for an unusable cgroup name, as mkdir(2) would.
func validName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return syscall.EEXIST
	case strings.ContainsAny(name, "/\x00"):
		return syscall.EINVAL
	case len(name) > 255:
		return syscall.ENAMETOOLONG
	}
	return nil
}

// Mkdir creates a child cgroup named name, running every subsystem's Create
// and Populate: cgroup_mkdir. It fails with EEXIST if a child or control file of that name
// exists, ENODEV if c has been removed, EINVAL for a name with a slash or NUL
// byte, and ENAMETOOLONG past 255 bytes. It takes cgroup_mutex.
func (c *Cgroup) Mkdir(name string) (*Cgroup, error) {
	h := c.h
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	return c.mkdirLocked(name)
}

func (c *Cgroup) mkdirLocked(name string) (*Cgroup, error) {
	h := c.h
	p := c.file(name)
	if c.removed.Load() {
		return nil, pathErr("mkdir", p, syscall.ENODEV)
	}
	if err := validName(name); err != nil {
		return nil, pathErr("mkdir", p, err)
	}
	if _, ok := c.children[name]; ok {
		return nil, pathErr("mkdir", p, syscall.EEXIST)
	}
	if _, ok := c.files[name]; ok {
		return nil, pathErr("mkdir", p, syscall.EEXIST)
	}
	child, err := h.newCgroup(c, name)
	if err != nil {
		return nil, pathErr("mkdir", p, err)
	}
	c.children[name] = child
	h.debug("mkdir", slog.String("cgroup", child.path))
	return child, nil
}

// Remove removes the cgroup, like rmdir(2) (cgroup_rmdir). It fails with EBUSY while the
// cgroup has tasks or children, EBUSY for the root, and ENODEV if it is
// already removed. Waiters on the cgroup ([Cgroup.WaitFrozen]) return ENODEV.
// It takes cgroup_mutex.
func (c *Cgroup) Remove() error {
	h := c.h
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	return c.removeLocked()
}

func (c *Cgroup) removeLocked() error {
	h := c.h
	switch {
	case c.removed.Load():
		return pathErr("rmdir", c.path, syscall.ENODEV)
	case c.parent == nil, len(c.children) > 0:
		return pathErr("rmdir", c.path, syscall.EBUSY)
	}
	h.cssSetLock.Lock()
	if c.first != nil {
		h.cssSetLock.Unlock()
		return pathErr("rmdir", c.path, syscall.EBUSY)
	}
	c.removed.Store(true)
	h.cssSetLock.Unlock()
	for i := len(h.subsys) - 1; i >= 0; i-- {
		h.subsys[i].Destroy(c)
	}
	delete(c.parent.children, c.name)
	h.debug("rmdir", slog.String("cgroup", c.path))
	c.changed()
	return nil
}

// Tasks returns an iterator over the tasks in the cgroup, in no fixed order:
// cgroup_iter_start, cgroup_iter_next and cgroup_iter_end. The iteration
// holds css_set_lock for reading, so the set cannot change under it, and
// forks, attaches and exits in the hierarchy wait until the loop ends. The
// loop body may inspect and signal tasks ([Task.Stat], [Task.Kill],
// [Task.Stop], [Task.Continue]) but must not fork, attach, freeze, read the
// state, or read or write control files.
func (c *Cgroup) Tasks() iter.Seq[*Task] {
	return func(yield func(*Task) bool) {
		c.h.cssSetLock.RLock()
		defer c.h.cssSetLock.RUnlock()
		for t := c.first; t != nil; t = t.next {
			if !yield(t) {
				return
			}
		}
	}
}

// PIDs returns the PIDs of the cgroup's tasks, ascending: the tasks file
// (cgroup_tasks_read). It takes css_set_lock for reading.
func (c *Cgroup) PIDs() []int {
	var pids []int
	for t := range c.Tasks() {
		pids = append(pids, t.pid)
	}
	slices.Sort(pids)
	return pids
}

// linkLocked adds t to c and counts it, and unlinkLocked removes it; the
// callers populate the subtree. The caller holds css_set_lock for writing,
// and t's task locks unless t is not yet visible to anyone. The
// version is not told that the counters moved: a new task cannot make a
// cgroup frozen, and a fork into a frozen v2 cgroup must not unfreeze it
// (cgroup_post_fork); a move's destination is looked at by the version's part
// of the move (migrateLocked, or v1's Attach hook).
func (c *Cgroup) linkLocked(t *Task) {
	t.cgroup = c
	t.prev, t.next = c.last, nil
	if c.last != nil {
		c.last.next = t
	} else {
		c.first = t
	}
	c.last = t
	d := uint64(oneTask)
	if t.counted {
		d++
	}
	c.freezer.counts.Add(d)
}

func (c *Cgroup) unlinkLocked(t *Task) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		c.first = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		c.last = t.prev
	}
	t.prev, t.next = nil, nil
	d := uint64(oneTask)
	if t.counted {
		d++
	}
	c.account(-d)
}

// populate adds d to the task count of c's subtree and of each ancestor's,
// notifying cgroup.events where one becomes populated or empty
// (cgroup_update_populated). The caller holds css_set_lock for writing.
func (c *Cgroup) populate(d int64) {
	for a := c; a != nil; a = a.parent {
		if n := a.populated.Add(d); n == 0 || n == d {
			a.notify()
		}
	}
}

// notify is cgroup_file_notify on cgroup.events: it counts a notification
// and wakes the watchers.
func (c *Cgroup) notify() {
	c.notified.Add(1)
	c.changed()
}

// changed wakes everyone in watch. It costs one atomic load when nobody waits.
func (c *Cgroup) changed() {
	if c.waiters.Load() == 0 {
		return
	}
	if ch := c.event.Swap(nil); ch != nil {
		close(*ch)
	}
}

// watch registers a waiter and returns a channel that the next change closes,
// and a function to unregister. Register, then check the condition, then wait:
// a change after the check closes the channel.
func (c *Cgroup) watch() (<-chan struct{}, func()) {
	c.waiters.Add(1)
	for {
		if p := c.event.Load(); p != nil {
			return *p, func() { c.waiters.Add(-1) }
		}
		ch := make(chan struct{})
		if c.event.CompareAndSwap(nil, &ch) {
			return ch, func() { c.waiters.Add(-1) }
		}
	}
}

// Spawn starts a new task running fn in c, like a process forked from outside
// the hierarchy and placed in c (copy_process with the subsystems' fork
// hooks, [Subsystem.CanFork] and [Subsystem.Fork]). The hooks may refuse it:
// the patch's freezer refuses a FROZEN cgroup with EBUSY (v1 and v2 do not).
// In a freezing cgroup the task gets a freeze request and freezes before fn
// runs. It fails with ENODEV
// if c has been removed or the hierarchy is shut down. It does not block.
func (c *Cgroup) Spawn(name string, fn func(*Task), opts ...TaskOption) (*Task, error) {
	if fn == nil {
		return nil, pathErr("spawn", c.path, syscall.EINVAL)
	}
	return c.h.fork(nil, c, name, fn, opts)
}

// fork is copy_process and cgroup_fork: link the child into its cgroup and
// run the subsystems' fork hooks, all under css_set_lock, so that a write of
// freezer.state (which walks the tasks under the same lock) sees the child or
// the fork hook sees the write. Either way the child cannot be missed: the
// review's fork-versus-write race, closed as the 3.8 kernel closed it.
func (h *Hierarchy) fork(parent *Task, c *Cgroup, name string, fn func(*Task), opts []TaskOption) (*Task, error) {
	if fn == nil {
		return nil, pathErr("fork", name, syscall.EINVAL)
	}
	t := newTask(h, name, opts)
	h.cssSetLock.Lock()
	if parent != nil {
		c = parent.cgroup
		if parent.noFreeze {
			t.noFreeze = true
		}
	}
	var err error
	switch {
	case h.dying.Load(), c == nil, c.removed.Load():
		err = syscall.ENODEV
	case parent != nil && h.rules.killedCannotFork && (parent.killed || parent.pending.Load()&pendKill != 0):
		// parent.killed is the parent's own to write, and fork runs on the
		// parent's goroutine.
		err = syscall.EINTR
	default:
		for _, ss := range h.subsys {
			if err = ss.CanFork(c); err != nil {
				break
			}
		}
	}
	if err != nil {
		h.cssSetLock.Unlock()
		path := name
		if c != nil {
			path = c.path
		}
		return nil, pathErr("fork", path, err)
	}
	h.lastPID++
	t.pid = h.lastPID
	h.tasks[t.pid] = t
	t.counted = h.fz.counted(t) // v1 counts a NoFreeze task from the start
	c.populate(1)
	c.linkLocked(t)
	for _, ss := range h.subsys {
		ss.Fork(t)
	}
	if h.suspending() {
		t.freezeTask()
	}
	h.cssSetLock.Unlock()
	if h.log != nil {
		ppid := 0
		if parent != nil {
			ppid = parent.pid
		}
		h.debug("fork", slog.Int("pid", t.pid), slog.Int("ppid", ppid), slog.String("name", name),
			slog.String("cgroup", c.path), slog.String("state", h.fz.stateName(c)),
			slog.Bool("freezing", t.Freezing()))
	}
	t.start(fn)
	return t, nil
}

// Attach moves t into c: cgroup_attach_task, as writing t's PID to c's tasks
// file (v2: cgroup.procs) does. The subsystems' [Subsystem.CanAttach] hooks
// may refuse: the patch's freezer refuses with EBUSY if c is FROZEN or t is
// frozen enough; v1's and v2's never refuse, and the task adopts c's
// freezer state (a frozen task moved out of a freeze runs again). Moving a
// task to the cgroup it is in does nothing. It fails with ESRCH if t has exited, EINVAL if
// t belongs to another hierarchy, and ENODEV if c has been removed. It takes
// cgroup_mutex and does not block otherwise.
func (c *Cgroup) Attach(t *Task) error {
	h := c.h
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	return c.attachLocked(t)
}

func (c *Cgroup) attachLocked(t *Task) error {
	h := c.h
	p := c.file(h.rules.taskFiles[0])
	switch {
	case t == nil || t.h != h:
		return pathErr("write", p, syscall.EINVAL)
	case c.removed.Load():
		return pathErr("write", p, syscall.ENODEV)
	}
	src, intr, err := c.moveLocked(t)
	switch {
	case err != nil:
		return pathErr("write", p, err)
	case src == c:
		return nil
	}
	if intr != nil {
		close(intr) // the fake signal, once the task's locks are free
	}
	for _, ss := range h.subsys {
		ss.Attach(c, src, t)
	}
	if h.log != nil {
		h.debug("attach", slog.Int("pid", t.pid), slog.String("cgroup", c.path),
			slog.String("from", src.path), slog.String("from_state", h.fz.stateName(src)),
			slog.String("to_state", h.fz.stateName(c)), slog.Bool("freezing", t.pending.Load()&pendFreeze != 0))
	}
	return nil
}

// moveLocked moves t to c if the CanAttach hooks allow it, under css_set_lock
// and t's locks, with the freezer's part of the move (migrateLocked), as
// cgroup_migrate_execute does, and returns the cgroup t was in and the
// channel of an interruptible wait to close once the locks are dropped. A
// hook that panics leaves the locks released.
func (c *Cgroup) moveLocked(t *Task) (src *Cgroup, intr chan struct{}, err error) {
	h := c.h
	h.cssSetLock.Lock()
	defer h.cssSetLock.Unlock()
	t.lockTask()
	defer t.unlockTask()
	src = t.cgroup
	if err := c.canAttachLocked(t, src); err != nil || src == c {
		return src, nil, err
	}
	t.lockSig()
	defer t.unlockSig()
	if t.frozen {
		src.kick() // the task parks on its cgroup's broadcast: it looks again
	}
	// The destination is populated before the source empties, so that a
	// common ancestor never reads empty in between.
	c.populate(1)
	src.unlinkLocked(t)
	src.populate(-1)
	c.linkLocked(t)
	return src, h.fz.migrateLocked(c, src, t), nil
}

// canAttachLocked runs the subsystems' CanAttach hooks for moving t from src
// to c. The caller holds css_set_lock and t's task_lock.
func (c *Cgroup) canAttachLocked(t *Task, src *Cgroup) error {
	h := c.h
	switch {
	case src == nil:
		return syscall.ESRCH
	case src == c:
		return nil
	}
	for _, ss := range h.subsys {
		if err := ss.CanAttach(c, t); err != nil {
			if h.log != nil {
				h.debug("attach refused", slog.Int("pid", t.pid), slog.String("cgroup", src.path),
					slog.String("to", c.path), slog.String("to_state", h.fz.stateName(c)),
					slog.String("err", errnoOf(err).Error()))
			}
			return err
		}
	}
	return nil
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

// Task returns the live task with the given PID (find_task_by_vpid). It
// takes css_set_lock for reading.
func (h *Hierarchy) Task(pid int) (*Task, bool) {
	h.cssSetLock.RLock()
	defer h.cssSetLock.RUnlock()
	t, ok := h.tasks[pid]
	return t, ok
}

// allTasks returns a snapshot of every live task, ascending by PID.
func (h *Hierarchy) allTasks() []*Task {
	h.cssSetLock.RLock()
	ts := make([]*Task, 0, len(h.tasks))
	for _, t := range h.tasks {
		ts = append(ts, t)
	}
	h.cssSetLock.RUnlock()
	slices.SortFunc(ts, func(a, b *Task) int { return a.pid - b.pid })
	return ts
}

// walk resolves path to a cgroup, as path lookup in cgroupfs does: slashes
// collapse, "." stays, ".." goes up (and stays at the root). The caller holds
// cgroup_mutex. A component that names a control file gives ENOTDIR; a
// missing one, ENOENT.
func (h *Hierarchy) walk(path string) (*Cgroup, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, syscall.EINVAL
	}
	c := h.root
	for _, name := range strings.Split(path, "/") {
		switch name {
		case "", ".":
			continue
		case "..":
			if c.parent != nil {
				c = c.parent
			}
			continue
		}
		next, ok := c.children[name]
		if !ok {
			if _, isFile := c.files[name]; isFile {
				return nil, syscall.ENOTDIR
			}
			if len(name) > 255 {
				return nil, syscall.ENAMETOOLONG
			}
			return nil, syscall.ENOENT
		}
		c = next
	}
	return c, nil
}

// split cuts path into its directory and last component, which is "" for
// the root. Paths are relative to the root of the hierarchy, with or without
// a leading slash; the empty path names nothing (ENOENT), as in open(2).
func split(path string) (dir, last string, err error) {
	if path == "" {
		return "", "", syscall.ENOENT
	}
	p := strings.TrimRight(path, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p, nil
	}
	return p[:i+1], p[i+1:], nil
}

// Lookup returns the cgroup at path, such as "/jobs/a", as a path walk in
// cgroupfs finds its directory. Errors are *fs.PathError values: ENOENT,
// ENOTDIR. It takes cgroup_mutex.
func (h *Hierarchy) Lookup(path string) (*Cgroup, error) {
	if path == "" {
		return nil, pathErr("lookup", path, syscall.ENOENT)
	}
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	c, err := h.walk(path)
	if err != nil {
		return nil, pathErr("lookup", path, err)
	}
	return c, nil
}

// Mkdir creates the cgroup at path, as mkdir(2) in cgroupfs (cgroup_mkdir):
// ENOENT if the parent does not exist, EEXIST if the name is taken, by a
// cgroup or a control file. It takes cgroup_mutex.
func (h *Hierarchy) Mkdir(path string) error {
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	dir, name, err := split(path)
	if err != nil {
		return pathErr("mkdir", path, err)
	}
	parent, err := h.walk(dir)
	if err != nil {
		return pathErr("mkdir", path, err)
	}
	if name == "" || name == "." || name == ".." {
		return pathErr("mkdir", path, syscall.EEXIST)
	}
	if _, err := parent.mkdirLocked(name); err != nil {
		return pathErr("mkdir", path, errnoOf(err))
	}
	return nil
}

// Rmdir removes the cgroup at path, as rmdir(2) in cgroupfs (cgroup_rmdir):
// ENOENT if it does not exist, ENOTDIR for a control file, EBUSY for the root
// or a cgroup with tasks or children, EINVAL for a path ending in ".". It
// takes cgroup_mutex.
func (h *Hierarchy) Rmdir(path string) error {
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	dir, name, err := split(path)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	parent, err := h.walk(dir)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	switch name {
	case ".":
		return pathErr("rmdir", path, syscall.EINVAL) // as rmdir(2)
	case "", "..":
		return pathErr("rmdir", path, syscall.EBUSY)
	}
	c, ok := parent.children[name]
	if !ok {
		if _, isFile := parent.files[name]; isFile {
			return pathErr("rmdir", path, syscall.ENOTDIR)
		}
		return pathErr("rmdir", path, syscall.ENOENT)
	}
	if err := c.removeLocked(); err != nil {
		return pathErr("rmdir", path, errnoOf(err))
	}
	return nil
}

// lookupFile resolves path to a cgroup and one of its control files.
func (h *Hierarchy) lookupFile(path string) (*Cgroup, File, error) {
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	dir, name, err := split(path)
	if err != nil {
		return nil, File{}, err
	}
	c, err := h.walk(dir)
	if err != nil {
		return nil, File{}, err
	}
	if name == "" || name == "." || name == ".." {
		return nil, File{}, syscall.EISDIR
	}
	if _, isDir := c.children[name]; isDir {
		return nil, File{}, syscall.EISDIR
	}
	f, ok := c.files[name]
	switch {
	case !ok:
		return nil, File{}, syscall.ENOENT
	case strings.HasSuffix(path, "/"):
		return nil, File{}, syscall.ENOTDIR // "tasks/": a file is no directory
	}
	return c, f, nil
}

// ReadFile reads the control file at path, such as "/jobs/freezer.state" or
// "/jobs/tasks". Errors are *fs.PathError values around a syscall.Errno, as
// os.ReadFile on a real cgroupfs returns: ENOENT for no such file, EISDIR for
// a cgroup, ENOTDIR for a file named with a trailing slash, ENODEV for a
// cgroup removed during the read. It takes the locks the file's read handler
// takes (cgroup_file_read).
func (h *Hierarchy) ReadFile(path string) ([]byte, error) {
	c, f, err := h.lookupFile(path)
	if err != nil {
		return nil, pathErr("read", path, err)
	}
	return c.readFile(f, path)
}

func (c *Cgroup) readFile(f File, path string) ([]byte, error) {
	if f.Read == nil {
		return nil, pathErr("read", path, syscall.EINVAL)
	}
	if c.removed.Load() {
		return nil, pathErr("read", path, syscall.ENODEV)
	}
	b, err := f.Read(c)
	if err != nil {
		return nil, pathErr("read", path, errnoOf(err))
	}
	return b, nil
}

// WriteFile writes data to the control file at path, such as "FROZEN" to
// "/jobs/freezer.state" or a PID to "/jobs/tasks", in one write(2). Errors
// are *fs.PathError values around a syscall.Errno, as os.WriteFile on a real
// cgroupfs returns; nothing changes when an error is returned, except that an
// EBUSY write of FROZEN leaves the cgroup FREEZING, as the patch does. It takes
// the locks the file's write handler takes (cgroup_file_write), cgroup_mutex
// for the freezer's and the tasks file.
func (h *Hierarchy) WriteFile(path string, data []byte) error {
	c, f, err := h.lookupFile(path)
	if err != nil {
		return pathErr("write", path, err)
	}
	if err := c.writeFile(f, data); err != nil {
		return pathErr("write", path, errnoOf(err))
	}
	return nil
}

func (c *Cgroup) writeFile(f File, data []byte) error {
	if c.h.rules.kernfs {
		// kernfs refuses a long write before it looks for the file, and
		// cgroup_file_write takes an empty one as done before it looks
		// for a handler (seen on 6.18, read-only files too).
		switch {
		case len(data) > c.h.rules.maxWrite:
			return syscall.E2BIG
		case c.removed.Load():
			return syscall.ENODEV
		case len(data) == 0:
			return nil
		case f.Write == nil:
			return syscall.EINVAL
		}
		return f.Write(c, cString(data))
	}
	switch {
	case c.removed.Load():
		return syscall.ENODEV
	case f.Write == nil:
		return syscall.EINVAL
	case len(data) > c.h.rules.maxWrite:
		return syscall.E2BIG
	}
	return f.Write(c, data)
}

// errnoOf returns the syscall.Errno that err wraps; an error without one is
// reported as EIO, as a filesystem reports an error it cannot name.
func errnoOf(err error) syscall.Errno {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return syscall.EIO
}

// strstrip cuts from both ends of b the bytes the kernel's isspace knows:
// space, \t, \n, \v, \f, \r, and 0xA0, Latin-1's no-break space. It works
// on bytes, as the kernel does, not on UTF-8. The later kernels' control
// files strip their writes with it.
func strstrip(b []byte) []byte {
	isspace := func(c byte) bool {
		return c == ' ' || ('\t' <= c && c <= '\r') || c == 0xa0
	}
	for len(b) > 0 && isspace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isspace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// cString cuts b at its first NUL, where the kernel's C string ends.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// readTasks is the tasks file: PIDs, one per line, ascending.
func readTasks(c *Cgroup) ([]byte, error) {
	var b []byte
	for _, pid := range c.PIDs() {
		b = strconv.AppendInt(b, int64(pid), 10)
		b = append(b, '\n')
	}
	return b, nil
}

// writeTasks attaches the task whose PID is written (see parsePID): ESRCH
// for no such task.
func writeTasks(c *Cgroup, data []byte) error {
	pid, err := parsePID(c.h.rules.kernfs, data)
	if err != nil {
		return err
	}
	t, ok := c.h.Task(pid)
	if !ok {
		return syscall.ESRCH
	}
	return c.Attach(t)
}

// parsePID reads a PID written to a tasks file, EINVAL for anything else.
// The patch takes a decimal number with trailing white space. The later
// kernels (kernfs) take what kstrtoint takes of the write stripped at both
// ends, base 0 and a sign included, and any failure, a negative number or
// one out of int's range, is EINVAL (cgroup_procs_write_start).
func parsePID(kernfs bool, data []byte) (int, error) {
	if kernfs {
		n, err := parseInt(data)
		if err != nil || n < 0 {
			return 0, syscall.EINVAL
		}
		return int(n), nil
	}
	s := string(bytes.TrimRight(data, " \t\n\v\f\r"))
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, syscall.EINVAL
	}
	pid, err := strconv.Atoi(s)
	if err != nil {
		return 0, syscall.EINVAL
	}
	return pid, nil
}

// Shutdown kills every task, thaws every cgroup (and a system suspend), and
// waits until every task goroutine has exited. From its start no new task can
// be created and no freeze begun (ENODEV), so nothing refreezes a killed task. A task in an uninterruptible wait dies when the wait
// ends; one that never reaches a safe point never dies. If ctx ends first,
// Shutdown returns an error wrapping ctx.Err() whose *[BusyError] lists the
// tasks still alive. It blocks. It has no kernel counterpart: the kernel's
// tasks are not all one program's.
func (h *Hierarchy) Shutdown(ctx context.Context) error {
	h.cgroupMutex.Lock()
	h.cssSetLock.Lock()
	h.dying.Store(true)
	h.cssSetLock.Unlock()
	h.cgroupMutex.Unlock()

	tasks := h.allTasks()
	killAll(tasks)
	h.fz.settle()
	h.endSuspend()
	h.cgroupMutex.Lock()
	h.fz.thawAllLocked()
	h.cgroupMutex.Unlock()
	for _, t := range tasks {
		select {
		case <-t.Done():
		case <-ctx.Done():
			var alive []*Task
			for _, t := range tasks {
				select {
				case <-t.Done():
				default:
					alive = append(alive, t)
				}
			}
			return fmt.Errorf("freezer: shutdown: %w", &BusyError{Err: ctx.Err(), Tasks: stats(alive)})
		}
	}
	return nil
}

// stats snapshots tasks, for error reports.
func stats(ts []*Task) []TaskStat {
	out := make([]TaskStat, len(ts))
	for i, t := range ts {
		out[i] = t.Stat()
	}
	sortStats(out)
	return out
}

func sortStats(s []TaskStat) {
	slices.SortFunc(s, func(a, b TaskStat) int { return a.PID - b.PID })
}
