package freezer

import (
	"math/bits"
	"strconv"
	"sync"
)

// lockClass names one lock of the declared order. Every mutex of the library
// belongs to exactly one class, as every kernel lock belongs to one lockdep
// class: all task_locks are one class, however many tasks there are.
type lockClass uint8

// The lock classes, outermost first. Their order merges the three versions'
// orders (lockOrders) into one: each version uses some of them, always in
// this order. The patch's is its "Locking and lock ordering" comment
// (freezer_write: cgroup_lock, freezer->lock, css_set_lock, task_lock,
// sighand->siglock). A goroutine may acquire a lock only while every lock it
// already holds comes earlier in this list, and only a lock of its
// hierarchy's version.
//
// The patch's rcu_read_lock sections have no lock here: they became atomic
// loads of the stored state and of the task's counters, and the garbage
// collector plays the grace period.
const (
	// classCgroupMutex is cgroup_mutex (cgroup_lock): the hierarchy's shape
	// (mkdir, rmdir), task migration, and writes of control files. Outermost,
	// because everything a write does happens inside it.
	classCgroupMutex lockClass = iota
	// classFreezerMutex is v1's freezer_mutex (3.16 and later): one for the
	// whole hierarchy, it serialises every change and lazy read of the v1
	// freezer's state flags. The attach hook takes it inside cgroup_mutex;
	// a write of freezer.state takes it alone.
	classFreezerMutex
	// classFreezerLock is freezer->lock: one per cgroup, it serialises changes
	// of the stored freezer state, including the lazy FREEZING to FROZEN
	// promotion done by a read.
	classFreezerLock
	// classCSSSetLock is css_set_lock: the lists linking tasks to cgroups.
	// Fork, exit and attach take it for writing; iteration takes it for
	// reading. The freezer takes it inside freezer->lock to walk its tasks.
	classCSSSetLock
	// classTaskLock is task_lock: a task's cgroup pointer and its freezer
	// flags (the freeze request, PF_FROZEN, PF_FREEZER_SKIP).
	classTaskLock
	// classSigLock is sighand->siglock: a task's signals and its run state,
	// so that a wake-up (the fake signal) cannot be lost.
	classSigLock
	numLockClasses
)

var lockClassNames = [numLockClasses]string{
	classCgroupMutex:  "cgroup_mutex",
	classFreezerMutex: "freezer_mutex",
	classFreezerLock:  "freezer->lock",
	classCSSSetLock:   "css_set_lock",
	classTaskLock:     "task_lock",
	classSigLock:      "siglock",
}

func (c lockClass) String() string {
	if c < numLockClasses {
		return lockClassNames[c]
	}
	return "lockClass(" + strconv.Itoa(int(c)) + ")"
}

// lockOrders is each version's lock order, outermost first, with the kernel's
// names. The checker of a hierarchy refuses a lock of a class that is not in
// its version's order.
//
//   - The patch: cgroup_mutex, then a cgroup's freezer->lock, then
//     css_set_lock, task_lock and siglock, as its comment declares.
//   - v1 (legacy_freezer.c): cgroup_mutex, then the global freezer_mutex
//     (which replaced the per-cgroup spinlocks in 3.16), then css_set_lock
//     for the task walk, and the task's locks for freeze_task.
//   - v2 (kernel/cgroup/freezer.c): no lock of the freezer's own. A write of
//     cgroup.freeze runs under cgroup_mutex and walks under css_set_lock,
//     which also guards the frozen counters; each task is told under its
//     siglock (lock_task_sighand), taken inside the core's task_lock.
var lockOrders = [...][]lockClass{
	Patch2008: {classCgroupMutex, classFreezerLock, classCSSSetLock, classTaskLock, classSigLock},
	V1:        {classCgroupMutex, classFreezerMutex, classCSSSetLock, classTaskLock, classSigLock},
	V2:        {classCgroupMutex, classCSSSetLock, classTaskLock, classSigLock},
}

// LockOrderError is the value a checked hierarchy panics with when a goroutine
// acquires a lock out of the declared order: the Go counterpart of a lockdep
// "possible circular locking dependency" report.
type LockOrderError struct {
	Acquiring string // the class being acquired, such as "freezer->lock"
	Holding   string // a class already held that must not come before it
	// Version is set, and Holding empty, when Acquiring is not in the
	// order of the hierarchy's version at all: the lock of another kernel's
	// freezer, such as freezer->lock in a v2 hierarchy.
	Version string
}

// Error names both locks, lockdep-style, or the lock and the version whose
// order lacks it.
func (e *LockOrderError) Error() string {
	if e.Version != "" {
		return "freezer: lock order violation: " + e.Acquiring + " is not in the " + e.Version + " lock order"
	}
	return "freezer: lock order violation: acquiring " + e.Acquiring + " while holding " + e.Holding
}

// lockChecker records which lock classes each goroutine holds, as lockdep
// keeps held_locks in each task_struct. It exists only when the hierarchy was
// made WithLockChecks; a nil *lockChecker checks nothing and costs one
// comparison per acquisition.
//
// Checking an acquisition reads and writes only the current goroutine's own
// record, found without a lock (see goroutineRecords): no goroutine waits on
// another to check its locks, so the checker holds at the scale the library
// does. lockdep learns its order from what it sees and keeps a graph of it;
// here the order is declared, so the check is a comparison against it.
type lockChecker struct {
	held goroutineRecords

	// declared has bit c set for each class of the order of version (see
	// declare).
	declared uint32
	version  Version
}

// declare limits the checker to the classes of version v's order, which must
// be a rising sequence of classes.
func (lc *lockChecker) declare(v Version) {
	order := lockOrders[v]
	lc.declared, lc.version = 0, v
	for i, c := range order {
		if i > 0 && c <= order[i-1] {
			panic("freezer: lock order not rising at " + c.String())
		}
		lc.declared |= 1 << c
	}
}

// heldLocks is one goroutine's record of the lock classes it holds: bit c is
// set while it holds a lock of class c. A set is enough because the declared
// order is total and strict: a goroutine can hold at most one lock of each
// class, and takes them in rising order. Only its goroutine reads or writes
// it, so it needs no atomics; how a record passes safely from a goroutine to
// the next one is up to goroutineRecords.
type heldLocks struct {
	goid uint64 // the goroutine it belongs to
	mask uint32
}

// A heldLocks has a bit per class.
var _ [32 - numLockClasses]struct{}

func newLockChecker() *lockChecker {
	initCurrent()
	return &lockChecker{declared: 1<<numLockClasses - 1}
}

// acquire checks that class may be taken now by the current goroutine and
// records it. It panics with a *LockOrderError, before the lock is taken, if
// a held class is not strictly earlier in the order, naming the earliest such
// class, or if class is not in the hierarchy's version's order.
func (lc *lockChecker) acquire(class lockClass) {
	if lc != nil {
		lc.acquireIn(lc.held.current(), class)
	}
}

// acquireIn is acquire with the current goroutine's record already found.
func (lc *lockChecker) acquireIn(r *heldLocks, class lockClass) {
	if lc.declared&(1<<class) == 0 {
		panic(&LockOrderError{Acquiring: class.String(), Version: lc.version.String()})
	}
	if notBefore := r.mask >> class; notBefore != 0 {
		h := class + lockClass(bits.TrailingZeros32(notBefore))
		panic(&LockOrderError{Acquiring: class.String(), Holding: h.String()})
	}
	r.mask |= 1 << class
}

func (lc *lockChecker) release(class lockClass) {
	if lc != nil {
		lc.releaseIn(lc.held.find(), class)
	}
}

// releaseIn is release with the current goroutine's record already looked
// for; r is nil if it has none.
func (lc *lockChecker) releaseIn(r *heldLocks, class lockClass) {
	if r == nil {
		return
	}
	if r.mask &^= 1 << class; r.mask == 0 {
		lc.held.idle(r)
	}
}

// acquirePair is acquireIn of a task's two locks, task_lock then siglock;
// releasePair is releaseIn of both (see Task.lock).
func (lc *lockChecker) acquirePair(r *heldLocks) {
	lc.acquireIn(r, classTaskLock)
	lc.acquireIn(r, classSigLock)
}

func (lc *lockChecker) releasePair(r *heldLocks) {
	lc.releaseIn(r, classSigLock)
	lc.releaseIn(r, classTaskLock)
}

// holding reports whether the current goroutine holds any checked lock, and
// the innermost one: the latest in the order, which is the latest taken.
// Tasks assert it is false before they park: no task parks holding a library
// lock.
func (lc *lockChecker) holding() (lockClass, bool) {
	if lc == nil {
		return 0, false
	}
	return innermost(lc.held.find())
}

func innermost(r *heldLocks) (lockClass, bool) {
	if r == nil || r.mask == 0 {
		return 0, false
	}
	return lockClass(31 - bits.LeadingZeros32(r.mask)), true
}

// assertUnlocked panics if the current goroutine holds a library lock. It is
// called on the way into every park.
func (lc *lockChecker) assertUnlocked(where string) {
	if lc != nil {
		lc.assertNone(lc.held.find(), where)
	}
}

// assertNone is assertUnlocked with the current goroutine's record already
// looked for.
func (lc *lockChecker) assertNone(r *heldLocks, where string) {
	if c, ok := innermost(r); ok {
		panic("freezer: " + where + " while holding " + c.String())
	}
}

// mutex is a sync.Mutex of one lock class, checked when the hierarchy has a
// checker. Tasks never park on it: parking uses channels (see fridge.go).
type mutex struct {
	mu    sync.Mutex
	class lockClass
	chk   *lockChecker
}

func (m *mutex) init(class lockClass, chk *lockChecker) {
	m.class, m.chk = class, chk
}

func (m *mutex) Lock()   { lockAs(m.chk, &m.mu, m.class) }
func (m *mutex) Unlock() { unlockAs(m.chk, &m.mu, m.class) }

// lockAs takes mu as a lock of class, checked first against lc's order when
// the hierarchy has a checker (lc is nil otherwise). mutex uses it, and so do
// a task's two locks, which are bare sync.Mutexes to keep Task small.
func lockAs(lc *lockChecker, mu *sync.Mutex, class lockClass) {
	if lc != nil {
		lc.acquire(class)
	}
	mu.Lock()
}

// unlockAs releases a lock taken with lockAs.
func unlockAs(lc *lockChecker, mu *sync.Mutex, class lockClass) {
	mu.Unlock()
	if lc != nil {
		lc.release(class)
	}
}

// rwmutex is a checked sync.RWMutex: css_set_lock, which the kernel also made
// a reader-writer lock.
type rwmutex struct {
	mu    sync.RWMutex
	class lockClass
	chk   *lockChecker
}

func (m *rwmutex) init(class lockClass, chk *lockChecker) {
	m.class, m.chk = class, chk
}

func (m *rwmutex) Lock() {
	if m.chk != nil {
		m.chk.acquire(m.class)
	}
	m.mu.Lock()
}

func (m *rwmutex) Unlock() {
	m.mu.Unlock()
	if m.chk != nil {
		m.chk.release(m.class)
	}
}

func (m *rwmutex) RLock() {
	if m.chk != nil {
		m.chk.acquire(m.class)
	}
	m.mu.RLock()
}

func (m *rwmutex) RUnlock() {
	m.mu.RUnlock()
	if m.chk != nil {
		m.chk.release(m.class)
	}
}
