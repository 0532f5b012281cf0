package freezer

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// This file is a pure model of the library: the same state machines as
// task.go, fridge.go, cgroup.go, suspend.go and the three versions' rules
// (freezer.go, legacy.go, cgroup2.go), with no goroutines, no locks and no
// time. A property-based test drives a Model and a real Hierarchy with the
// same operations and compares what each observes. The model is written from
// DESIGN.md's rules, not from the library's code: where the two disagree the
// comparison fails, and DESIGN.md says which side is wrong.

// Model is a pure, deterministic model of a [Hierarchy]: its cgroups, its
// tasks and the freezer's state machine, for one [Version]. Every method runs
// to completion at once, blocks on nothing and touches nothing but the model:
// where the library's goroutines would go on running after a call (a woken
// task freezing, a continued task stopping again, a vfork parent resuming
// when its child exits), the model runs them until every task is blocked
// again, so after each call it describes the hierarchy once every task has
// settled.
//
// A test does one operation at a time on both sides, waits until the real
// tasks are quiescent (testing/synctest's Wait, or hand-shakes), and compares
// [Model.Snapshot] and [Model.Task] with what the real hierarchy shows. Each
// operation returns the syscall.Errno the real call must fail with, or 0.
//
// A task's own code is not in the model: the caller says what it does next
// ([Model.TryToFreeze], [Model.Wait], [Model.Fork], [Model.Exit], ...), and
// may say so only while the task runs its own code: [TaskInfo.At] is [AtWork]
// and TaskInfo.Parked is false. Those methods panic otherwise, as the real
// task could not have called them.
//
// PIDs are given from 1 up, one per successful Spawn, Fork or Vfork, as the
// library gives them. Cgroups are named by [CgroupID] values, which stay valid
// after the cgroup is removed, like a *[Cgroup].
//
// The model follows DESIGN.md's rules for its version (the transition table
// for [Patch2008]; the version table of "Three kernels in one library" and
// reference/kernel-semantics.md sections 4 and 5 for [V1] and [V2]). Where
// DESIGN.md is silent it does what the kernel did, and what the library does:
//
//   - At a safe point a freeze request is honoured before any signal, as
//     get_signal_to_deliver calls try_to_freeze first: a killed task with a
//     request freezes, and dies after the thaw. In V2 a kill and then a
//     ptrace interrupt come first, as get_signal takes a fatal signal, then
//     a ptrace trap (JOBCTL_TRAP_MASK), before the freezer trap; a stop
//     comes after it, as SIGSTOP is dequeued only after the traps.
//   - A child inherits NoFreeze from its parent, as copy_process keeps
//     PF_NOFREEZE.
//   - Trace of a stopped task turns its stop into a traced stop at once
//     (PTRACE_INTERRUPT traps a group-stopped task); Untrace puts it back in
//     that stop; Continue does not end a traced stop (SIGCONT does not resume
//     a ptrace stop). Stop of a stopped task and Trace of a traced one do
//     nothing; signals to an exited task do nothing.
//   - During a system suspend a thaw of a cgroup stores its new state but
//     leaves its tasks frozen until resume (in the kernel user space is frozen
//     then, so no write can happen), and a move does not thaw a task.
//   - An empty write to a freezer file of V1 or V2 does nothing, as the
//     kernel's handler is never called; the tasks files refuse it (EINVAL).
//
// Per version:
//
//   - [Patch2008]: the flat RUNNING/FREEZING/FROZEN machine with EBUSY and
//     EIO; a read stores a FREEZING that has become FROZEN.
//   - [V1]: each cgroup has the flags FREEZING_SELF (freezer.self_freezing),
//     FREEZING_PARENT (freezer.parent_freezing) and FROZEN. A write sets or
//     clears the cgroup's own flag and walks the subtree pre-order, each
//     descendant's parent flag following its parent's new state; a thaw that
//     leaves no freezing flag clears FROZEN and thaws the tasks. FROZEN is
//     set lazily, by a read (of freezer.state, [Model.State],
//     [Model.Events]), which walks the read cgroup's subtree post-order and
//     marks each freezing cgroup whose live children are all FROZEN and whose
//     tasks are all NoFreeze or frozen enough (in a freezing cgroup every
//     other task is freezing, the kernel's cgroup_freezing). A move adopts
//     the destination's state: into a cgroup that is not freezing the task is
//     thawed; into a freezing one FROZEN is cleared on it and each ancestor
//     while set, and the task gets a request. A fork into a freezing cgroup
//     gives the child a request and leaves FROZEN alone. Nothing is refused:
//     no EBUSY, EINVAL for a bad write. Frozen tasks show 'D', and so does a
//     stopped or traced task with a request.
//   - [V2]: cgroup.freeze is the cgroup's own wish; the effective freeze
//     (CGRP_FREEZE) is its own or an ancestor's; CGRP_FROZEN (cgroup.events'
//     frozen) is kept eagerly, as kernel/cgroup/freezer.c keeps it: a cgroup
//     is looked at (cgroup_update_frozen: frozen when it freezes and each of
//     its own tasks is frozen, stopped, traced or a vfork parent, never with
//     a NoFreeze task) when the number of its tasks so counted crosses, or
//     leaves, "all of them", when a task moves out of or into it, and on a
//     write when all its descendants are frozen; a change passes to the
//     ancestors (cgroup_propagate_frozen), which become frozen when they
//     freeze and all their descendants are frozen, whatever their own tasks
//     do, and stop being frozen when one stops. The kernel's quirks follow:
//     forking into a cgroup and removing a child do not look at it again, and
//     a cgroup shows what the last look found. A frozen task shows 'S'; a
//     kill ends it at once; a trace takes it into a traced stop, counted as
//     frozen, and an untrace back into the freezer. [Model.State] is Running
//     without an effective freeze, Frozen when cgroup.events says frozen 1,
//     and Freezing otherwise.
//
// In V1 and V2 a task with a kill pending cannot fork (EINTR), and writes
// take up to 4096 bytes (the patch: 4095). The model has no time: V2's
// frozen_usec ([Cgroup.FrozenTime], cgroup.stat.local) and the notifications
// that [Cgroup.WatchEvents] delivers are not in it.
//
// Copy a Model with [Model.Clone]; a plain copy shares its state. The zero
// Model is not usable; make one with [NewModel] or [NewModelFor].
type Model struct {
	version    Version
	rules      *modelRules
	cgroups    []modelCgroup // by CgroupID
	tasks      []modelTask   // by PID-1
	suspending bool          // pm_freezing: a FreezeProcesses is in effect

	// dirty is V2's stack of cgroups whose CGRP_FROZEN needs a look since a
	// count of their frozen tasks crossed; the newest, last, is looked at
	// first.
	dirty []CgroupID
}

// CgroupID names a cgroup of a [Model], as a *[Cgroup] names one of a
// Hierarchy: IDs are given in creation order, the root is [RootCgroup], and
// an ID stays valid (its operations fail with ENODEV) once its cgroup is
// removed.
type CgroupID int

// RootCgroup is the root cgroup of every [Model], "/".
const RootCgroup CgroupID = 0

// Where tells where a task's own code is, as the model sees it: what it will
// go on doing once nothing holds it (see [TaskInfo]).
type Where uint8

const (
	// AtWork means the task runs its own code between safe points ('R').
	// Only here can it call the library: TryToFreeze, Wait, Fork, and so on.
	AtWork Where = iota
	// InWait means the task is in [Task.Wait], an interruptible wait ('S').
	InWait
	// InWaitUninterruptible means the task is in [Task.WaitUninterruptible]
	// ('D').
	InWaitUninterruptible
	// InVfork means the task is in [Task.Vfork], waiting for its child to
	// exit ('D', skip-counted).
	InVfork
	// Exited means the task has exited ('Z').
	Exited
)

var whereNames = [...]string{AtWork: "AtWork", InWait: "InWait", InWaitUninterruptible: "InWaitUninterruptible", InVfork: "InVfork", Exited: "Exited"}

// String returns the constant's name, such as "InWait".
func (w Where) String() string {
	if int(w) < len(whereNames) {
		return whereNames[w]
	}
	return "Where(" + strconv.Itoa(int(w)) + ")"
}

// TaskInfo is the model's view of one task, returned by [Model.Task].
type TaskInfo struct {
	// Stat is what [Task.Stat] must return.
	Stat TaskStat
	// At is where the task's own code is.
	At Where
	// Parked reports that the task is held inside a safe point: in the
	// refrigerator, or in a stop or traced stop. Its code does not run until
	// it is released (thawed, continued, untraced or killed); then it carries
	// on at At.
	Parked bool
	// NoFreeze reports that the task was made with [NoFreeze] (or forked by
	// such a task).
	NoFreeze bool
}

// modelRules is what a version changes, written down from DESIGN.md's
// version table rather than taken from the library's own taskRules, so that
// the comparison checks them.
type modelRules struct {
	frozenLetter       byte        // a frozen task's /proc letter
	stoppedShowsFrozen bool        // a stopped or traced task with a request shows frozenLetter (V1)
	killFrozen         bool        // a kill ends a frozen task at once (V2)
	traceFrozen        bool        // a trace takes a frozen task into a traced stop (V2)
	killedCannotFork   bool        // a task with a kill pending fails to fork: EINTR (V1, V2)
	maxWrite           int         // the longest write taken; E2BIG beyond
	kernfs             bool        // writes as through 6.18's kernfs: see [Model.WriteFile] (V1, V2)
	taskFiles          []string    // every cgroup's, the root's too
	files              []modelFile // a non-root cgroup's freezer files
}

// modelFile is a control file: its name and whether it can be read and
// written (EINVAL otherwise).
type modelFile struct {
	name        string
	read, write bool
}

var modelVersions = [...]modelRules{
	Patch2008: {
		frozenLetter: 'D',
		maxWrite:     maxWrite - 1,
		taskFiles:    []string{"tasks"},
		files:        []modelFile{{"freezer.state", true, true}},
	},
	V1: {
		frozenLetter:       'D',
		stoppedShowsFrozen: true,
		killedCannotFork:   true,
		maxWrite:           maxWrite,
		kernfs:             true,
		taskFiles:          []string{"tasks", "cgroup.procs"},
		files: []modelFile{
			{"freezer.state", true, true},
			{"freezer.self_freezing", true, false},
			{"freezer.parent_freezing", true, false},
		},
	},
	V2: {
		frozenLetter:     'S',
		killFrozen:       true,
		traceFrozen:      true,
		killedCannotFork: true,
		maxWrite:         maxWrite,
		kernfs:           true,
		taskFiles:        []string{"cgroup.procs"},
		files: []modelFile{
			{"cgroup.freeze", true, true},
			{"cgroup.events", true, false},
			{"cgroup.kill", false, true},
			{"cgroup.stat.local", true, false},
		},
	},
}

type modelCgroup struct {
	name    string
	path    string
	parent  CgroupID // -1 for the root
	removed bool

	// Patch2008: the stored state; a read may promote FREEZING to FROZEN.
	state State

	// V1: self is FREEZING_SELF, parentBit FREEZING_PARENT, frozen FROZEN.
	// V2: self is cgroup.freeze, eFreeze CGRP_FREEZE, frozen CGRP_FROZEN,
	// and onDirty says the cgroup is on the model's dirty stack.
	self, parentBit, frozen bool
	eFreeze, onDirty        bool
}

type modelTask struct {
	name     string
	cgroup   CgroupID // -1 once exited
	noFreeze bool
	at       Where
	inSafe   bool // the task's goroutine is inside the safe-point loop
	ready    bool // the channel its Wait or WaitUninterruptible waits for is ready
	child    int  // the PID its Vfork waits for

	// Pending: a freeze request (TIF_FREEZE) and signals.
	freezeReq, kill, trap, stop bool

	frozen, stopped, trapped, ptraced, stopBelow bool

	// counted is V2's "counted frozen" (nr_frozen_tasks) as last looked at:
	// a change of it is what makes the cgroup look at itself again.
	counted bool
}

// NewModel returns a model of a freshly made [Patch2008] hierarchy: the root
// cgroup "/" and nothing else, as [New] makes. It is pure.
func NewModel() *Model { return NewModelFor(Patch2008) }

// NewModelFor returns a model of a freshly made hierarchy following kernel
// v's freezer, as New(WithVersion(v)) makes: the root cgroup "/" and nothing
// else. It panics on an unknown v, as [New] does. It is pure.
func NewModelFor(v Version) *Model {
	if v < 0 || int(v) >= len(modelVersions) {
		panic("freezer: NewModelFor: unknown " + v.String())
	}
	return &Model{version: v, rules: &modelVersions[v], cgroups: []modelCgroup{{path: "/", parent: -1}}}
}

// Version returns the kernel freezer the model follows. It is pure.
func (m *Model) Version() Version { return m.version }

// Clone returns an independent copy of m. It is pure.
func (m *Model) Clone() *Model {
	return &Model{
		version:    m.version,
		rules:      m.rules,
		cgroups:    slices.Clone(m.cgroups),
		tasks:      slices.Clone(m.tasks),
		suspending: m.suspending,
		dirty:      slices.Clone(m.dirty),
	}
}

// ---------------------------------------------------------------------------
// Observation

// Snapshot returns the observable state of m: every live cgroup with the
// state a read returns, its SelfFreezing, ParentFreezing and Events (zero for
// the root, which has no freezer files) and its tasks, and the Stat of every
// live task. It is pure: unlike a read, it does not store a FREEZING that has
// become FROZEN (the patch) or the FROZEN flags a read sets (V1), which no
// observer can tell apart.
func (m *Model) Snapshot() Snapshot {
	r := m.Clone() // reads store what they find; the snapshot must not
	var s Snapshot
	for id := range r.cgroups {
		c := CgroupID(id)
		if r.cgroups[c].removed {
			continue
		}
		cs := CgroupSnapshot{Path: r.cgroups[c].path, PIDs: r.pids(c)}
		if c != RootCgroup {
			cs.State = r.state(c)
			cs.SelfFreezing = r.selfFreezing(c)
			cs.ParentFreezing = r.parentFreezing(c)
			cs.Events = r.events(c)
		}
		s.Cgroups = append(s.Cgroups, cs)
	}
	slices.SortFunc(s.Cgroups, func(a, b CgroupSnapshot) int { return strings.Compare(a.Path, b.Path) })
	for i := range m.tasks {
		if m.tasks[i].at != Exited {
			s.Tasks = append(s.Tasks, m.stat(i+1))
		}
	}
	return s
}

// Task returns the model's view of the task with the given PID, exited or
// not, and false if no task ever had it. It is pure.
func (m *Model) Task(pid int) (TaskInfo, bool) {
	if pid < 1 || pid > len(m.tasks) {
		return TaskInfo{}, false
	}
	t := &m.tasks[pid-1]
	return TaskInfo{Stat: m.stat(pid), At: t.at, Parked: t.inSafe, NoFreeze: t.noFreeze}, true
}

// PIDs returns the PIDs of every task ever created, exited or not,
// ascending: 1 to the last one given. It is pure.
func (m *Model) PIDs() []int {
	pids := make([]int, len(m.tasks))
	for i := range pids {
		pids[i] = i + 1
	}
	return pids
}

// Path returns the path of cgroup c, removed or not, and "" for an ID the
// model never gave. It is pure.
func (m *Model) Path(c CgroupID) string {
	if !m.valid(c) {
		return ""
	}
	return m.cgroups[c].path
}

// Removed reports whether cgroup c has been removed. It is pure.
func (m *Model) Removed(c CgroupID) bool {
	return m.valid(c) && m.cgroups[c].removed
}

// Busy returns the PIDs of the tasks in c that cannot freeze now (in an
// uninterruptible wait, or NoFreeze), ascending: in the patch, the tasks that
// the *[BusyError] of a write of FROZEN to c names. V1 and V2 refuse no
// write, but the same tasks keep c from freezing (V1: the ones in a wait). It
// is pure.
func (m *Model) Busy(c CgroupID) []int {
	var pids []int
	for _, pid := range m.pids(c) {
		if m.cannotFreezeNow(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (m *Model) valid(c CgroupID) bool { return c >= 0 && int(c) < len(m.cgroups) }

func (m *Model) task(pid int) *modelTask { return &m.tasks[pid-1] }

func (m *Model) stat(pid int) TaskStat {
	t := m.task(pid)
	st := TaskStat{PID: pid, Name: t.name, Frozen: t.frozen, Freezing: t.freezeReq}
	if t.at != Exited {
		st.Cgroup = m.cgroups[t.cgroup].path
	}
	switch {
	case t.at == Exited:
		st.State = 'Z'
	case t.frozen:
		st.State = m.rules.frozenLetter
	case m.rules.stoppedShowsFrozen && (t.stopped || t.trapped) && t.freezeReq:
		st.State = m.rules.frozenLetter
	case t.trapped:
		st.State = 't'
	case t.stopped:
		st.State = 'T'
	case t.inSafe:
		st.State = 'R' // on its way through a safe point; never seen once settled
	case t.at == InWait:
		st.State = 'S'
	case t.at == InWaitUninterruptible, t.at == InVfork:
		st.State = 'D'
	default:
		st.State = 'R'
	}
	return st
}

// pids lists the live tasks of c, ascending.
func (m *Model) pids(c CgroupID) []int {
	var pids []int
	for i := range m.tasks {
		if t := &m.tasks[i]; t.at != Exited && t.cgroup == c {
			pids = append(pids, i+1)
		}
	}
	return pids
}

// children lists the live children of c, in creation order.
func (m *Model) children(c CgroupID) []CgroupID {
	var kids []CgroupID
	for id := range m.cgroups {
		if k := &m.cgroups[id]; !k.removed && k.parent == c {
			kids = append(kids, CgroupID(id))
		}
	}
	return kids
}

// subtree lists c and its live descendants, pre-order.
func (m *Model) subtree(c CgroupID) []CgroupID {
	ids := []CgroupID{c}
	for _, k := range m.children(c) {
		ids = append(ids, m.subtree(k)...)
	}
	return ids
}

func (m *Model) child(c CgroupID, name string) (CgroupID, bool) {
	for _, k := range m.children(c) {
		if m.cgroups[k].name == name {
			return k, true
		}
	}
	return 0, false
}

// populated reports whether c's subtree has a live task: cgroup.events'
// populated.
func (m *Model) populated(c CgroupID) bool {
	for _, d := range m.subtree(c) {
		if len(m.pids(d)) > 0 {
			return true
		}
	}
	return false
}

// frozenEnough is the patch's test: frozen, or a freeze request while
// stopped, traced or waiting for a vfork child.
func (m *Model) frozenEnough(pid int) bool {
	t := m.task(pid)
	return t.frozen || (t.freezeReq && (t.stopped || t.trapped || t.at == InVfork))
}

// cannotFreezeNow is the EBUSY test: NoFreeze, or an uninterruptible wait.
func (m *Model) cannotFreezeNow(pid int) bool {
	t := m.task(pid)
	if t.at == Exited || t.frozen {
		return false
	}
	return t.noFreeze || t.at == InWaitUninterruptible
}

// counted is each version's test for a task that no longer keeps its cgroup
// from being frozen: the patch's frozen enough; V1's "not freezing(t) &&
// !frozen(t)" of update_if_frozen, where every task but a NoFreeze one is
// freezing in a freezing cgroup and a stopped, traced or vfork-waiting task
// with a request is frozen (TASK_FROZEN since 6.1); V2's nr_frozen_tasks:
// in the freezer trap, stopped, traced or a vfork parent, request or not,
// and never a NoFreeze task (a kthread).
func (m *Model) counted(pid int) bool {
	t := m.task(pid)
	switch m.version {
	case V1:
		return t.noFreeze || m.frozenEnough(pid)
	case V2:
		return !t.noFreeze && (t.frozen || t.stopped || t.trapped || t.at == InVfork)
	}
	return m.frozenEnough(pid)
}

// allCounted reports whether every task of c is counted.
func (m *Model) allCounted(c CgroupID) bool {
	for _, pid := range m.pids(c) {
		if !m.counted(pid) {
			return false
		}
	}
	return true
}

// freezing reports whether a freeze is in effect on c (cgroup_freezing): the
// patch's stored state is not RUNNING, V1 has a FREEZING flag, V2 has
// CGRP_FREEZE. Never the root.
func (m *Model) freezing(c CgroupID) bool {
	if c == RootCgroup {
		return false
	}
	g := &m.cgroups[c]
	switch m.version {
	case V1:
		return g.self || g.parentBit
	case V2:
		return g.eFreeze
	}
	return g.state != Running
}

// effective is the patch's state a read returns: a stored FREEZING whose
// tasks are all frozen enough (an empty cgroup's at once) reads FROZEN.
func (m *Model) effective(c CgroupID) State {
	s := m.cgroups[c].state
	if s == Freezing && m.allCounted(c) {
		return Frozen
	}
	return s
}

// promote stores what effective returns, as a read does.
func (m *Model) promote(c CgroupID) {
	m.cgroups[c].state = m.effective(c)
}

// state is a read of c's state, which stores what it finds (the patch's
// promotion, V1's FROZEN flags).
func (m *Model) state(c CgroupID) State {
	g := &m.cgroups[c]
	switch m.version {
	case V1:
		m.updateLegacy(c)
		switch {
		case g.frozen:
			return Frozen
		case g.self || g.parentBit:
			return Freezing
		}
		return Running
	case V2:
		switch {
		case !g.eFreeze:
			return Running
		case g.frozen:
			return Frozen
		}
		return Freezing
	}
	m.promote(c)
	return g.state
}

func (m *Model) selfFreezing(c CgroupID) bool {
	if m.version == Patch2008 {
		return m.state(c) != Running
	}
	return m.cgroups[c].self
}

func (m *Model) parentFreezing(c CgroupID) bool {
	switch m.version {
	case V1:
		return m.cgroups[c].parentBit
	case V2:
		p := m.cgroups[c].parent
		return p != RootCgroup && m.cgroups[p].eFreeze
	}
	return false
}

func (m *Model) events(c CgroupID) Events {
	ev := Events{Populated: m.populated(c)}
	if m.version == V2 {
		ev.Frozen = m.cgroups[c].frozen
	} else {
		ev.Frozen = m.state(c) == Frozen
	}
	return ev
}

// ---------------------------------------------------------------------------
// The generic freezer: freeze_task, thaw, the safe point, and settling.

// freezeTask gives the task a freeze request unless it is frozen, exited or
// NoFreeze, and reports false if it cannot freeze now. An interruptible wait
// is woken by the request; settle lets it freeze.
func (m *Model) freezeTask(pid int) bool {
	t := m.task(pid)
	if t.at == Exited || t.frozen {
		return true
	}
	if t.noFreeze {
		return false
	}
	if !t.freezeReq {
		t.freezeReq = true
		m.recount(pid)
	}
	return !m.cannotFreezeNow(pid)
}

// thawTask cancels a request and lets a frozen task out of the refrigerator.
func (m *Model) thawTask(pid int) {
	t := m.task(pid)
	t.freezeReq = false
	t.frozen = false
	m.recount(pid)
}

// release lets a task out of a stop, a traced stop or a vfork wait; one with
// a freeze request goes straight into the refrigerator, unless a signal goes
// first (signalFirst).
func (m *Model) release(pid int) {
	t := m.task(pid)
	if t.freezeReq && !m.signalFirst(t) {
		t.freezeReq = false
		t.frozen = true
	}
	m.recount(pid)
}

// safePoint runs the loop of the library's safePoint until the task parks,
// exits or goes on with its code. The order is the kernel's: a task in the
// refrigerator or a stop stays; a freeze request comes before any signal but,
// in V2, a kill and a ptrace interrupt. A task about to park first brings
// V2's frozen flags up to date, as the kernel's cgroup_enter_frozen does.
func (m *Model) safePoint(pid int) {
	t := m.task(pid)
	t.inSafe = true
	for {
		switch {
		case t.frozen, t.stopped, t.trapped:
			m.settleFrozen()
			return // parked
		case t.freezeReq && !m.signalFirst(t):
			t.freezeReq, t.frozen = false, true
			m.recount(pid)
		case t.kill:
			m.exit(pid)
			return
		case t.trap:
			t.trap, t.trapped = false, true
			m.recount(pid)
		case t.stop:
			t.stop, t.stopped = false, true
			m.recount(pid)
		default:
			t.inSafe = false
			return
		}
	}
}

// signalFirst reports whether a pending kill or ptrace interrupt goes before
// t's freeze request: in V2, as get_signal takes them before the freezer
// trap.
func (m *Model) signalFirst(t *modelTask) bool {
	return m.rules.traceFrozen && (t.kill || t.trap)
}

func (m *Model) pending(pid int) bool {
	t := m.task(pid)
	return t.freezeReq || t.kill || t.trap || t.stop
}

// exit is do_exit: the task leaves its cgroup and is gone. V2's frozen
// flags are brought up to date before it leaves, so that what it did on its
// way out (a kill takes it out of the trap) gets its own look, and again
// after.
func (m *Model) exit(pid int) {
	m.settleFrozen()
	t := m.task(pid)
	c := t.cgroup
	was := m.allCountedAsLooked(c)
	*t = modelTask{name: t.name, cgroup: -1, noFreeze: t.noFreeze, at: Exited}
	m.looked(c, was)
	m.settleFrozen()
}

// step runs one task as far as it goes by itself and reports whether it
// changed anything.
func (m *Model) step(pid int) bool {
	t := m.task(pid)
	switch {
	case t.at == Exited:
		return false
	case t.inSafe:
		if t.frozen || t.stopped || t.trapped {
			return false
		}
		m.safePoint(pid)
		return true
	case t.at == InWait && m.pending(pid):
		// The fake signal (or a real one) ends the wait at a safe point;
		// after it the task waits again.
		m.safePoint(pid)
		return true
	case t.at == InWait && t.ready:
		t.ready, t.at = false, AtWork
		m.safePoint(pid)
		return true
	case t.at == InWaitUninterruptible && t.ready:
		t.ready, t.at = false, AtWork
		m.safePoint(pid)
		return true
	case t.at == InVfork && m.task(t.child).at == Exited:
		t.at, t.child = AtWork, 0
		m.release(pid)
		m.safePoint(pid)
		return true
	}
	return false
}

// settle runs every task until none can move by itself: what the real
// hierarchy reaches once its goroutines are quiescent. V2's frozen flags are
// then up to date, as the kernel keeps them.
func (m *Model) settle() {
	for changed := true; changed; {
		changed = false
		for pid := 1; pid <= len(m.tasks); pid++ {
			if m.step(pid) {
				changed = true
			}
		}
	}
	m.settleFrozen()
}

// ---------------------------------------------------------------------------
// V2's CGRP_FROZEN: kept eagerly, as kernel/cgroup/freezer.c keeps it.

// recount is recalcLocked for V2: if the task's counted state changed and
// its cgroup's tasks were, or now are, all counted, the cgroup needs a look
// (cgroup_enter_frozen and cgroup_leave_frozen call cgroup_update_frozen).
// The other versions read their counts when they need them.
func (m *Model) recount(pid int) {
	if m.version != V2 {
		return
	}
	t := m.task(pid)
	now := m.counted(pid)
	if now == t.counted {
		return
	}
	was := m.allCountedAsLooked(t.cgroup)
	t.counted = now
	m.looked(t.cgroup, was)
}

// allCountedAsLooked is V2's nr_frozen_tasks == the number of tasks, as the
// tasks' counted flags last recorded it.
func (m *Model) allCountedAsLooked(c CgroupID) bool {
	for _, pid := range m.pids(c) {
		if !m.task(pid).counted {
			return false
		}
	}
	return true
}

// looked puts c on the dirty stack if its tasks were (was) or are all
// counted: the crossing that makes the kernel look at c again.
func (m *Model) looked(c CgroupID, was bool) {
	if m.version != V2 || !(was || m.allCountedAsLooked(c)) {
		return
	}
	if g := &m.cgroups[c]; !g.onDirty {
		g.onDirty = true
		m.dirty = append(m.dirty, c)
	}
}

// settleFrozen looks at every cgroup on the dirty stack, the most recent
// first.
func (m *Model) settleFrozen() {
	for len(m.dirty) > 0 {
		c := m.dirty[len(m.dirty)-1]
		m.dirty = m.dirty[:len(m.dirty)-1]
		m.cgroups[c].onDirty = false
		if !m.cgroups[c].removed {
			m.updateFrozen(c)
		}
	}
}

// updateFrozen is cgroup_update_frozen: c is frozen when it has to be and
// every task of its own is counted; a change passes to the ancestors
// (cgroup_propagate_frozen), each of which becomes frozen when it has to be
// and all its descendants are frozen, and stops being frozen when one stops.
// Its own tasks are not looked at there, as in the kernel.
func (m *Model) updateFrozen(c CgroupID) {
	if c == RootCgroup {
		return
	}
	g := &m.cgroups[c]
	frozen := g.eFreeze && m.allCounted(c)
	if g.frozen == frozen {
		return
	}
	g.frozen = frozen
	for a := g.parent; a != RootCgroup; a = m.cgroups[a].parent {
		ag := &m.cgroups[a]
		switch {
		case frozen && !ag.frozen && ag.eFreeze && m.frozenDescendants(a) == len(m.subtree(a))-1:
			ag.frozen = true
		case !frozen && ag.frozen:
			ag.frozen = false
		}
	}
}

// frozenDescendants is nr_frozen_descendants: the live descendants of c with
// CGRP_FROZEN.
func (m *Model) frozenDescendants(c CgroupID) int {
	n := 0
	for _, d := range m.subtree(c)[1:] {
		if m.cgroups[d].frozen {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// Tasks: creation, and what a task's own code does.

// newTask is the fork path: CanFork, link, the fork hook, the suspend's
// request, and the safe point every new task passes before its function.
// parent is the forking task's PID, 0 for a Spawn.
func (m *Model) newTask(parent int, c CgroupID, name string, noFreeze bool) (int, syscall.Errno) {
	switch {
	case m.cgroups[c].removed:
		return 0, syscall.ENODEV
	case parent != 0 && m.rules.killedCannotFork && m.task(parent).kill:
		return 0, syscall.EINTR
	case m.version == Patch2008 && c != RootCgroup && m.effective(c) == Frozen:
		return 0, syscall.EBUSY
	}
	m.tasks = append(m.tasks, modelTask{name: name, cgroup: c, noFreeze: noFreeze, at: AtWork, inSafe: true})
	pid := len(m.tasks)
	if m.freezing(c) {
		m.freezeTask(pid)
	}
	if m.suspending {
		m.freezeTask(pid)
	}
	m.settleFrozen()
	return pid, 0
}

// Spawn models [Cgroup.Spawn] of a task named name in c, made with
// [NoFreeze] if noFreeze is set: ENODEV if c is removed, and in the patch
// EBUSY if c is FROZEN. In a freezing cgroup (or during a system suspend) the
// task freezes before its code runs. It returns the new task's PID. It is
// pure.
func (m *Model) Spawn(c CgroupID, name string, noFreeze bool) (int, syscall.Errno) {
	if !m.valid(c) {
		return 0, syscall.EINVAL
	}
	pid, err := m.newTask(0, c, name, noFreeze)
	m.settle()
	return pid, err
}

// mustWork panics unless task pid runs its own code, the only place from
// which it can call what the caller says it calls.
func (m *Model) mustWork(op string, pid int) *modelTask {
	if pid < 1 || pid > len(m.tasks) {
		panic(fmt.Sprintf("freezer.Model.%s: no task %d", op, pid))
	}
	t := m.task(pid)
	if t.at != AtWork || t.inSafe {
		panic(fmt.Sprintf("freezer.Model.%s: task %d is not running its own code (at %v, parked %v)", op, pid, t.at, t.inSafe))
	}
	return t
}

// TryToFreeze models the task's own call of [Task.TryToFreeze]: it freezes if
// it has a freeze request, then stops, traps or dies for a pending signal, in
// that order; it stays parked while frozen or stopped. The task must be
// running its own code (it panics otherwise). It is pure.
func (m *Model) TryToFreeze(pid int) {
	m.mustWork("TryToFreeze", pid)
	m.safePoint(pid)
	m.settle()
}

// Wait models the task's own call of [Task.Wait]: it sleeps in an
// interruptible wait ('S') until [Model.Ready] says its channel is ready. A
// freeze request or signal wakes it to a safe point, after which it waits
// again. The task must be running its own code (it panics otherwise). It is
// pure.
func (m *Model) Wait(pid int) {
	m.mustWork("Wait", pid)
	m.task(pid).at = InWait
	m.settle()
}

// WaitUninterruptible models the task's own call of
// [Task.WaitUninterruptible]: it waits in state 'D', where nothing wakes it
// and it cannot freeze now, until [Model.Ready]; then it passes a safe point.
// The task must be running its own code (it panics otherwise). It is pure.
func (m *Model) WaitUninterruptible(pid int) {
	m.mustWork("WaitUninterruptible", pid)
	m.task(pid).at = InWaitUninterruptible
	m.settle()
}

// Ready models the channel that task pid's Wait or WaitUninterruptible waits
// for becoming ready (a send on a channel of capacity one): the wait ends, at
// once or, for a task parked inside its Wait, once it is released. A second
// Ready before the task has seen the first changes nothing. It panics if the
// task is in neither wait. It is pure.
func (m *Model) Ready(pid int) {
	if pid < 1 || pid > len(m.tasks) {
		panic(fmt.Sprintf("freezer.Model.Ready: no task %d", pid))
	}
	t := m.task(pid)
	if t.at != InWait && t.at != InWaitUninterruptible {
		panic(fmt.Sprintf("freezer.Model.Ready: task %d is not in a wait (at %v)", pid, t.at))
	}
	t.ready = true
	m.settle()
}

// Fork models the task's own call of [Task.Fork]: a child named name joins
// the parent's cgroup (inheriting NoFreeze) and, in a freezing cgroup,
// freezes before its code runs; then the parent passes a safe point. It
// returns the child's PID; in the patch EBUSY in a FROZEN cgroup (which a
// running task never is in), and in V1 and V2 EINTR if the task has a kill
// pending. The task must be running its own code (it panics otherwise). It
// is pure.
func (m *Model) Fork(pid int, name string) (int, syscall.Errno) {
	t := m.mustWork("Fork", pid)
	child, err := m.newTask(pid, t.cgroup, name, t.noFreeze)
	m.safePoint(pid)
	m.settle()
	return child, err
}

// Vfork models the task's own call of [Task.Vfork]: a child is forked as by
// [Model.Fork], and the parent waits ('D', skip-counted: frozen enough once
// it has a freeze request, and in V2 counted frozen) until the child exits;
// then it goes straight into the refrigerator if it has a request, and
// passes a safe point. It returns the child's PID. The task must be running
// its own code (it panics otherwise). It is pure.
func (m *Model) Vfork(pid int, name string) (int, syscall.Errno) {
	t := m.mustWork("Vfork", pid)
	child, err := m.newTask(pid, t.cgroup, name, t.noFreeze)
	if err != 0 {
		m.safePoint(pid)
	} else {
		t = m.task(pid) // newTask grew m.tasks
		t.at, t.child = InVfork, child
		m.recount(pid)
		m.settleFrozen()
	}
	m.settle()
	return child, err
}

// Exit models the task's function returning: the task leaves its cgroup,
// possibly completing a freeze, and its Stat reads 'Z'. The task must be
// running its own code (it panics otherwise). It is pure.
func (m *Model) Exit(pid int) {
	m.mustWork("Exit", pid)
	m.exit(pid)
	m.settle()
}

// ---------------------------------------------------------------------------
// Signals: anyone may send them. Each does nothing to an exited task or an
// unknown PID, as the library's do nothing to an exited task.

func (m *Model) live(pid int) bool {
	return pid >= 1 && pid <= len(m.tasks) && m.task(pid).at != Exited
}

// Kill models [Task.Kill]: the task exits at its next safe point. It wakes an
// interruptible wait and a stop, not an uninterruptible wait or a vfork wait.
// In the patch and V1 it does not reach into the refrigerator either: a
// frozen task dies once thawed, and a stopped one with a freeze request goes
// into the refrigerator first. In V2 a frozen task leaves the refrigerator
// and dies at once (its cgroup is frozen 0 until it has gone, then frozen 1
// again). It is pure.
func (m *Model) Kill(pid int) {
	if !m.live(pid) {
		return
	}
	m.kill(pid)
	m.settleFrozen()
	m.settle()
}

func (m *Model) kill(pid int) {
	t := m.task(pid)
	t.kill = true
	if t.stopped || t.trapped {
		t.stopped, t.trapped, t.stopBelow = false, false, false
		m.release(pid)
	}
	if t.frozen && m.rules.killFrozen {
		// cgroup_leave_frozen(true) on the way to do_exit.
		t.frozen, t.freezeReq = false, false
		m.recount(pid)
	}
}

// Stop models [Task.Stop] (SIGSTOP): the task stops ('T') at its next safe
// point, at once if it is in an interruptible wait. A stopped task is frozen
// enough while it has a freeze request, and a thaw leaves it stopped. It is
// pure.
func (m *Model) Stop(pid int) {
	if !m.live(pid) || m.task(pid).stopped {
		return
	}
	m.task(pid).stop = true
	m.settle()
}

// Continue models [Task.Continue] (SIGCONT): a stop not yet taken is dropped
// and a stopped task runs again, straight into the refrigerator if it has a
// freeze request. A traced stop is not continued. It is pure.
func (m *Model) Continue(pid int) {
	if !m.live(pid) {
		return
	}
	t := m.task(pid)
	t.stop, t.stopBelow = false, false
	if t.stopped {
		t.stopped = false
		m.release(pid)
	}
	m.settleFrozen()
	m.settle()
}

// Trace models [Task.Trace] (PTRACE_SEIZE and PTRACE_INTERRUPT): the task
// enters a traced stop ('t') at its next safe point, at once if it is in an
// interruptible wait, and a stopped task's stop turns into a traced stop at
// once. In V2 a frozen task leaves the freezer for the traced stop at once,
// still counted frozen, with its freeze request back, so that Untrace
// returns it to the freezer. A second Trace while traced does nothing. It is
// pure.
func (m *Model) Trace(pid int) {
	if !m.live(pid) || m.task(pid).ptraced {
		return
	}
	t := m.task(pid)
	t.ptraced = true
	switch {
	case t.stopped:
		t.stopped, t.trapped, t.stopBelow = false, true, true
	case t.frozen && m.rules.traceFrozen:
		t.frozen, t.trapped, t.freezeReq = false, true, true
		m.recount(pid)
	default:
		t.trap = true
	}
	m.settle()
}

// Untrace models [Task.Untrace] (PTRACE_DETACH): a trap not yet taken is
// dropped; a task in a traced stop goes back to the stop the trace
// interrupted, or runs again, straight into the refrigerator if it has a
// freeze request. It is pure.
func (m *Model) Untrace(pid int) {
	if !m.live(pid) || !m.task(pid).ptraced {
		return
	}
	t := m.task(pid)
	t.ptraced, t.trap = false, false
	if t.trapped {
		t.trapped = false
		if t.stopBelow {
			t.stopBelow, t.stopped = false, true
		} else {
			m.release(pid)
		}
	}
	m.settleFrozen()
	m.settle()
}

// ---------------------------------------------------------------------------
// Cgroups: the typed API.

// Mkdir models [Cgroup.Mkdir] of name under parent: ENODEV if parent is
// removed, EEXIST for "", ".", "..", a taken name or a control file's name,
// EINVAL for a name with '/' or NUL, ENAMETOOLONG past 255 bytes. The new
// cgroup is RUNNING, except under a freezing parent: in V1 it is FROZEN with
// only FREEZING_PARENT, in V2 frozen with cgroup.freeze 0. It is pure.
func (m *Model) Mkdir(parent CgroupID, name string) (CgroupID, syscall.Errno) {
	if !m.valid(parent) {
		return 0, syscall.EINVAL
	}
	p := &m.cgroups[parent]
	switch {
	case p.removed:
		return 0, syscall.ENODEV
	case name == "" || name == "." || name == "..":
		return 0, syscall.EEXIST
	case strings.ContainsAny(name, "/\x00"):
		return 0, syscall.EINVAL
	case len(name) > 255:
		return 0, syscall.ENAMETOOLONG
	case m.isFile(parent, name):
		return 0, syscall.EEXIST
	}
	if _, ok := m.child(parent, name); ok {
		return 0, syscall.EEXIST
	}
	k := modelCgroup{name: name, path: strings.TrimSuffix(p.path, "/") + "/" + name, parent: parent}
	switch m.version {
	case V1:
		// freezer_css_online: an empty cgroup under a freezing parent is
		// frozen at once.
		k.parentBit = m.freezing(parent)
		k.frozen = k.parentBit
	case V2:
		// cgroup_create: the same, and every ancestor counts it among its
		// frozen descendants (frozenDescendants counts it from the flag).
		k.eFreeze = m.freezing(parent)
		k.frozen = k.eFreeze
	}
	m.cgroups = append(m.cgroups, k)
	return CgroupID(len(m.cgroups) - 1), 0
}

// Remove models [Cgroup.Remove]: ENODEV once removed, EBUSY for the root and
// for a cgroup with tasks or children. A frozen empty cgroup can be removed;
// in V2 its parent is not looked at again. It is pure.
func (m *Model) Remove(c CgroupID) syscall.Errno {
	return m.remove(c, syscall.ENODEV)
}

func (m *Model) remove(c CgroupID, gone syscall.Errno) syscall.Errno {
	switch {
	case !m.valid(c):
		return syscall.EINVAL
	case m.cgroups[c].removed:
		return gone
	case c == RootCgroup, len(m.children(c)) > 0, len(m.pids(c)) > 0:
		return syscall.EBUSY
	}
	m.cgroups[c].removed = true
	return 0
}

// rooted is the check every freezer call makes first: ENOENT for the root,
// which has no freezer files, and ENODEV once c is removed.
func (m *Model) rooted(c CgroupID) syscall.Errno {
	switch {
	case !m.valid(c):
		return syscall.EINVAL
	case c == RootCgroup:
		return syscall.ENOENT
	case m.cgroups[c].removed:
		return syscall.ENODEV
	}
	return 0
}

// State models [Cgroup.State]. In the patch it is a read of freezer.state: a
// FREEZING cgroup whose tasks are all frozen enough reads, and from then on
// is, FROZEN. In V1 it is a read of freezer.state (THAWED being Running),
// which marks FROZEN each cgroup of c's subtree that has become so. In V2 it
// is Running without an effective freeze, Frozen when cgroup.events says
// frozen 1, else Freezing. ENOENT for the root, ENODEV once removed. It is
// pure.
func (m *Model) State(c CgroupID) (State, syscall.Errno) {
	if err := m.rooted(c); err != 0 {
		return Running, err
	}
	return m.state(c), 0
}

// SelfFreezing models [Cgroup.SelfFreezing]: V1's freezer.self_freezing, V2's
// cgroup.freeze, and in the patch whether State (a read) is not Running.
// ENOENT for the root, ENODEV once removed. It is pure.
func (m *Model) SelfFreezing(c CgroupID) (bool, syscall.Errno) {
	if err := m.rooted(c); err != 0 {
		return false, err
	}
	return m.selfFreezing(c), 0
}

// ParentFreezing models [Cgroup.ParentFreezing]: V1's
// freezer.parent_freezing, in V2 whether the parent's freeze is in effect
// (its own or an ancestor's), and always false in the patch. ENOENT for the
// root, ENODEV once removed. It is pure.
func (m *Model) ParentFreezing(c CgroupID) (bool, syscall.Errno) {
	if err := m.rooted(c); err != 0 {
		return false, err
	}
	return m.parentFreezing(c), 0
}

// Events models [Cgroup.Events]: whether c's subtree has a task, and V2's
// CGRP_FROZEN, or in the other versions whether State (a read) is Frozen.
// ENOENT for the root, ENODEV once removed. It is pure.
func (m *Model) Events(c CgroupID) (Events, syscall.Errno) {
	if err := m.rooted(c); err != 0 {
		return Events{}, err
	}
	return m.events(c), 0
}

// KillCgroup models [Cgroup.Kill], V2's write of 1 to cgroup.kill: every
// task of c's subtree is killed as by [Model.Kill], frozen ones included,
// NoFreeze ones too. ENOENT for the root and in the other versions, which
// have no cgroup.kill; ENODEV once removed. It is pure.
func (m *Model) KillCgroup(c CgroupID) syscall.Errno {
	if err := m.rooted(c); err != 0 {
		return err
	}
	if m.version != V2 {
		return syscall.ENOENT
	}
	m.killCgroup(c)
	return 0
}

func (m *Model) killCgroup(c CgroupID) {
	for _, d := range m.subtree(c) {
		for _, pid := range m.pids(d) {
			m.kill(pid)
		}
	}
	m.settleFrozen()
	m.settle()
}

// Freeze models [Cgroup.Freeze]. In the patch, a write of FROZEN: every task
// gets a freeze request (the refrigerator takes those in interruptible waits
// at once, the others at their next safe point); the cgroup is FROZEN once
// every task is frozen enough, FREEZING until then; EBUSY if a task cannot
// freeze now (see [Model.Busy]). In V1, a write of FROZEN to freezer.state,
// and in V2 of 1 to cgroup.freeze: the freeze covers the subtree, and never
// fails but with ENOENT for the root and ENODEV once removed. It is pure.
func (m *Model) Freeze(c CgroupID) syscall.Errno {
	return m.change(c, true)
}

// Thaw models [Cgroup.Thaw]: a write of RUNNING (V1: THAWED, V2: 0). The
// cgroup's own freeze ends, and every task that no freeze covers any more is
// thawed and loses a request not yet honoured; stopped tasks stay stopped.
// In V1 and V2 an ancestor's freeze still holds the cgroup. During a system
// suspend the tasks stay frozen until [Model.ThawProcesses], as the library's
// do. ENOENT for the root, ENODEV once removed. It is pure.
func (m *Model) Thaw(c CgroupID) syscall.Errno {
	return m.change(c, false)
}

func (m *Model) change(c CgroupID, freeze bool) syscall.Errno {
	if err := m.rooted(c); err != 0 {
		return err
	}
	switch m.version {
	case V1:
		m.changeLegacy(c, freeze)
		return 0
	case V2:
		m.changeCgroup2(c, freeze)
		return 0
	}
	return m.changePatch(c, freeze)
}

// changePatch is the patch's freezer_write.
func (m *Model) changePatch(c CgroupID, freeze bool) syscall.Errno {
	from := m.effective(c)
	var err syscall.Errno
	switch {
	case freeze && from == Frozen:
		m.promote(c)
	case freeze:
		m.cgroups[c].state = Freezing
		for _, pid := range m.pids(c) {
			if !m.freezeTask(pid) {
				err = syscall.EBUSY
			}
		}
		m.promote(c)
	case from != Running:
		m.cgroups[c].state = Running
		if !m.suspending {
			for _, pid := range m.pids(c) {
				m.thawTask(pid)
			}
		}
	}
	m.settle()
	return err
}

// changeLegacy is V1's freezer_change_state: c's own flag, then each
// descendant's parent flag, pre-order.
func (m *Model) changeLegacy(c CgroupID, freeze bool) {
	m.applyLegacy(c, freeze, true)
	for _, d := range m.subtree(c)[1:] {
		m.applyLegacy(d, m.freezing(m.cgroups[d].parent), false)
	}
	m.settle()
}

// applyLegacy is freezer_apply_state: set the flag (self or parent) and send
// every task a request, or clear it and, if no freezing flag is left, clear
// FROZEN and thaw every task.
func (m *Model) applyLegacy(c CgroupID, freeze, self bool) {
	g := &m.cgroups[c]
	flag := &g.parentBit
	if self {
		flag = &g.self
	}
	*flag = freeze
	if freeze {
		for _, pid := range m.pids(c) {
			m.freezeTask(pid)
		}
		return
	}
	if g.self || g.parentBit {
		return
	}
	g.frozen = false
	if !m.suspending {
		for _, pid := range m.pids(c) {
			m.thawTask(pid)
		}
	}
}

// updateLegacy is V1's update_if_frozen over c's subtree, children first:
// a freezing cgroup not yet FROZEN becomes FROZEN when its live children are
// all FROZEN and its tasks all counted.
func (m *Model) updateLegacy(c CgroupID) {
	kids := m.children(c)
	for _, k := range kids {
		m.updateLegacy(k)
	}
	g := &m.cgroups[c]
	if !(g.self || g.parentBit) || g.frozen {
		return
	}
	for _, k := range kids {
		if !m.cgroups[k].frozen {
			return
		}
	}
	g.frozen = m.allCounted(c)
}

// changeCgroup2 is V2's cgroup_freeze: c's own wish changes, and each live
// descendant whose effective freeze changes with it, pre-order, is frozen or
// thawed (a subtree whose root keeps its effective freeze is skipped).
// Writing the wish c already has does nothing.
func (m *Model) changeCgroup2(c CgroupID, freeze bool) {
	if m.cgroups[c].self == freeze {
		return
	}
	m.cgroups[c].self = freeze
	var walk func(d CgroupID)
	walk = func(d CgroupID) {
		g := &m.cgroups[d]
		e := g.self || m.freezing(g.parent)
		if e == g.eFreeze {
			return
		}
		m.doFreeze(d, e)
		for _, k := range m.children(d) {
			walk(k)
		}
	}
	walk(c)
	m.settleFrozen()
	m.settle()
}

// doFreeze is cgroup_do_freeze: set or clear CGRP_FREEZE, freeze or thaw
// each task of c, and look at c if all its descendants are frozen.
func (m *Model) doFreeze(c CgroupID, freeze bool) {
	m.cgroups[c].eFreeze = freeze
	for _, pid := range m.pids(c) {
		if freeze {
			m.freezeTask(pid)
		} else if !m.suspending {
			m.thawTask(pid)
		}
	}
	if m.frozenDescendants(c) == len(m.subtree(c))-1 {
		m.updateFrozen(c)
	}
}

// Attach models [Cgroup.Attach] of task pid to c, as writing the PID to c's
// tasks file does: ENODEV if c is removed, ESRCH if the task has exited (or
// never was), nothing if it is already in c.
//
// In the patch: EBUSY if the task is frozen enough or c is FROZEN; a task
// that leaves a FREEZING or FROZEN cgroup loses its freeze request, except
// during a system suspend; one that joins a FREEZING cgroup is not frozen by
// the move.
//
// In V1 and V2 a move is never refused and the task adopts c's state: it
// gets a request if a freeze is in effect on c, and is thawed otherwise
// (except during a system suspend). In V1 c and each FROZEN ancestor go back
// to FREEZING until it freezes; in V2 both cgroups are looked at. It is pure.
func (m *Model) Attach(c CgroupID, pid int) syscall.Errno {
	switch {
	case !m.valid(c):
		return syscall.EINVAL
	case m.cgroups[c].removed:
		return syscall.ENODEV
	case !m.live(pid):
		return syscall.ESRCH
	}
	t := m.task(pid)
	src := t.cgroup
	switch {
	case src == c:
		return 0
	case m.version != Patch2008:
		// V1 and V2 refuse no move.
	case m.frozenEnough(pid):
		return syscall.EBUSY
	case c != RootCgroup && m.effective(c) == Frozen:
		return syscall.EBUSY
	}
	was := m.allCountedAsLooked(src)
	t.cgroup = c
	m.looked(src, was)
	switch m.version {
	case Patch2008:
		if m.freezing(src) && !m.suspending {
			m.thawTask(pid)
		}
	case V1:
		if !m.freezing(c) {
			if !m.suspending {
				m.thawTask(pid)
			}
			break
		}
		for a := c; a != RootCgroup && m.cgroups[a].frozen; a = m.cgroups[a].parent {
			m.cgroups[a].frozen = false
		}
		m.freezeTask(pid)
	case V2:
		m.updateFrozen(src)
		m.updateFrozen(c)
		if m.freezing(c) {
			m.freezeTask(pid)
		} else if !m.suspending {
			m.thawTask(pid)
		}
		m.settleFrozen()
	}
	m.settle()
	return 0
}

// ---------------------------------------------------------------------------
// Cgroups: the cgroupfs view, by path.

// file returns c's control file of that name: the tasks files everywhere,
// the version's freezer files but in the root.
func (m *Model) file(c CgroupID, name string) (modelFile, bool) {
	if slices.Contains(m.rules.taskFiles, name) {
		return modelFile{name, true, true}, true
	}
	if c == RootCgroup {
		return modelFile{}, false
	}
	for _, f := range m.rules.files {
		if f.name == name {
			return f, true
		}
	}
	return modelFile{}, false
}

// isFile reports whether c has a control file of that name.
func (m *Model) isFile(c CgroupID, name string) bool {
	_, ok := m.file(c, name)
	return ok
}

// walk resolves a directory path as the library's path lookup does.
func (m *Model) walk(path string) (CgroupID, syscall.Errno) {
	if strings.IndexByte(path, 0) >= 0 {
		return 0, syscall.EINVAL
	}
	c := RootCgroup
	for _, name := range strings.Split(path, "/") {
		switch name {
		case "", ".":
			continue
		case "..":
			if p := m.cgroups[c].parent; p >= 0 {
				c = p
			}
			continue
		}
		next, ok := m.child(c, name)
		if !ok {
			switch {
			case m.isFile(c, name):
				return 0, syscall.ENOTDIR
			case len(name) > 255:
				return 0, syscall.ENAMETOOLONG
			}
			return 0, syscall.ENOENT
		}
		c = next
	}
	return c, 0
}

// splitPath cuts path into its directory and last component.
func splitPath(path string) (dir, last string, err syscall.Errno) {
	if path == "" {
		return "", "", syscall.ENOENT
	}
	p := strings.TrimRight(path, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p, 0
	}
	return p[:i+1], p[i+1:], 0
}

// Lookup models [Hierarchy.Lookup]: the cgroup at path, ENOENT if there is
// none, ENOTDIR if a component is a control file. It is pure.
func (m *Model) Lookup(path string) (CgroupID, syscall.Errno) {
	if path == "" {
		return 0, syscall.ENOENT
	}
	return m.walk(path)
}

// MkdirPath models [Hierarchy.Mkdir]: ENOENT if the parent does not exist,
// EEXIST if the name is taken by a cgroup or a control file, and the errors
// of [Model.Mkdir]. It returns the new cgroup's ID. It is pure.
func (m *Model) MkdirPath(path string) (CgroupID, syscall.Errno) {
	dir, name, err := splitPath(path)
	if err != 0 {
		return 0, err
	}
	parent, err := m.walk(dir)
	if err != 0 {
		return 0, err
	}
	return m.Mkdir(parent, name)
}

// RmdirPath models [Hierarchy.Rmdir]: ENOENT if there is no such cgroup,
// ENOTDIR for a control file, EBUSY for the root and a cgroup with tasks or
// children. It is pure.
func (m *Model) RmdirPath(path string) syscall.Errno {
	dir, name, err := splitPath(path)
	if err != 0 {
		return err
	}
	parent, err := m.walk(dir)
	if err != 0 {
		return err
	}
	if name == "" || name == "." || name == ".." {
		return syscall.EBUSY
	}
	c, ok := m.child(parent, name)
	if !ok {
		if m.isFile(parent, name) {
			return syscall.ENOTDIR
		}
		return syscall.ENOENT
	}
	return m.remove(c, syscall.ENOENT)
}

// lookupFile resolves path to a cgroup and one of its files.
func (m *Model) lookupFile(path string) (CgroupID, modelFile, syscall.Errno) {
	dir, name, err := splitPath(path)
	if err != 0 {
		return 0, modelFile{}, err
	}
	c, err := m.walk(dir)
	if err != 0 {
		return 0, modelFile{}, err
	}
	if name == "" || name == "." || name == ".." {
		return 0, modelFile{}, syscall.EISDIR
	}
	if _, ok := m.child(c, name); ok {
		return 0, modelFile{}, syscall.EISDIR
	}
	f, ok := m.file(c, name)
	if !ok {
		return 0, modelFile{}, syscall.ENOENT
	}
	return c, f, 0
}

// flagLine01 is a boolean as a control file shows it, without the newline.
func flagLine01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// ReadFile models [Hierarchy.ReadFile] of a control file. Every version has
// its tasks files (the patch's tasks; V1's tasks and cgroup.procs; V2's
// cgroup.procs): the PIDs one a line, ascending. The freezer's files, in
// every cgroup but the root:
//
//   - the patch's freezer.state: the state and a newline (a read, as
//     [Model.State]);
//   - V1's freezer.state (THAWED, FREEZING or FROZEN, a read), and
//     freezer.self_freezing and freezer.parent_freezing ("0\n" or "1\n");
//   - V2's cgroup.freeze (the cgroup's own wish, "0\n" or "1\n"),
//     cgroup.events ("populated N\nfrozen N\n"), and cgroup.stat.local,
//     whose frozen_usec is time, which the model does not keep: for it
//     ReadFile returns no data, only the errno. cgroup.kill cannot be read:
//     EINVAL.
//
// ENOENT for no such file, EISDIR for a cgroup. It is pure.
func (m *Model) ReadFile(path string) ([]byte, syscall.Errno) {
	c, f, err := m.lookupFile(path)
	if err != 0 {
		return nil, err
	}
	if !f.read {
		return nil, syscall.EINVAL
	}
	g := &m.cgroups[c]
	var s string
	switch f.name {
	case "tasks", "cgroup.procs":
		var b []byte
		for _, pid := range m.pids(c) {
			b = strconv.AppendInt(b, int64(pid), 10)
			b = append(b, '\n')
		}
		return b, 0
	case "freezer.state":
		st := m.state(c)
		s = st.String()
		if m.version == V1 && st == Running {
			s = "THAWED"
		}
	case "freezer.self_freezing", "cgroup.freeze":
		s = flagLine01(g.self)
	case "freezer.parent_freezing":
		s = flagLine01(g.parentBit)
	case "cgroup.events":
		ev := m.events(c)
		s = "populated " + flagLine01(ev.Populated) + "\nfrozen " + flagLine01(ev.Frozen)
	case "cgroup.stat.local":
		return nil, 0
	}
	return []byte(s + "\n"), 0
}

// WriteFile models [Hierarchy.WriteFile] of a control file: EINVAL for a
// read-only file, E2BIG for a write longer than the version takes (the
// patch: 4096 bytes or more; V1 and V2: more than 4096). Then:
//
//   - a tasks file: a PID (EINVAL for anything else, ESRCH for no such
//     task, and the errors of [Model.Attach]): in the patch digits with
//     trailing white space stripped, in V1 and V2 what kstrtoint reads as
//     cgroup.freeze below, not negative;
//   - the patch's freezer.state: trailing white space stripped, "FROZEN" or
//     "RUNNING" (EIO for anything else);
//   - V1's freezer.state: white space stripped from both ends as the
//     kernel's strstrip does (the ASCII white space bytes, and 0xA0),
//     "FROZEN" or "THAWED" (EINVAL for anything else);
//   - V2's cgroup.freeze: a number as the kernel's kstrtoint reads it, base
//     0, after strstrip (decimal, 0x hex, 0 octal, a sign: EINVAL for
//     anything else, ERANGE beyond an int), which must be 0 or 1 (ERANGE);
//   - V2's cgroup.kill: likewise, and only 1 (ERANGE).
//
// In V1 and V2 a write too long is E2BIG whatever the file, an empty write
// to any file (read-only ones too) does nothing, and a write is read up to
// its first NUL, as the kernel's C string ends there. It is pure.
func (m *Model) WriteFile(path string, data []byte) syscall.Errno {
	c, f, err := m.lookupFile(path)
	if err != 0 {
		return err
	}
	switch {
	case m.rules.kernfs && len(data) > m.rules.maxWrite:
		return syscall.E2BIG
	case m.rules.kernfs && len(data) == 0:
		return 0
	case !f.write:
		return syscall.EINVAL
	case len(data) > m.rules.maxWrite:
		return syscall.E2BIG
	}
	if m.rules.kernfs {
		data = cString(data)
	}
	switch f.name {
	case "freezer.state":
		if m.version == V1 {
			switch string(strstrip(data)) {
			case "THAWED":
				return m.Thaw(c)
			case "FROZEN":
				return m.Freeze(c)
			}
			return syscall.EINVAL
		}
		switch string(bytes.TrimRight(data, " \t\n\v\f\r")) {
		case "RUNNING":
			return m.Thaw(c)
		case "FROZEN":
			return m.Freeze(c)
		}
		return syscall.EIO
	case "cgroup.freeze", "cgroup.kill":
		n, err := parseInt(data)
		switch {
		case err != nil:
			return errnoOf(err)
		case f.name == "cgroup.kill" && n != 1, n != 0 && n != 1:
			return syscall.ERANGE
		case f.name == "cgroup.kill":
			m.killCgroup(c)
			return 0
		}
		return m.change(c, n == 1)
	}
	pid, perr := parsePID(m.rules.kernfs, data)
	if perr != nil {
		return errnoOf(perr)
	}
	if !m.live(pid) {
		return syscall.ESRCH
	}
	return m.Attach(c, pid)
}

// ---------------------------------------------------------------------------
// System suspend.

// FreezeProcesses models [Hierarchy.FreezeProcesses] called with a context
// that ends before any task reaches another safe point by itself: every task
// but the NoFreeze ones gets a freeze request (those in interruptible waits
// freeze at once). If every one of them is then frozen enough the suspend is
// in effect and it returns 0; otherwise it undoes itself as
// [Model.ThawProcesses] does and returns ETIMEDOUT, standing for the error
// wrapping the context's error. EBUSY while a suspend is in effect. While it
// is, tasks forked get a request, a thaw of a cgroup leaves its tasks frozen,
// and a task moved out of a freezing cgroup keeps its request. It is pure.
func (m *Model) FreezeProcesses() syscall.Errno {
	if m.suspending {
		return syscall.EBUSY
	}
	m.suspending = true
	for pid := 1; pid <= len(m.tasks); pid++ {
		if m.live(pid) && !m.task(pid).noFreeze {
			m.freezeTask(pid)
		}
	}
	m.settle()
	for pid := 1; pid <= len(m.tasks); pid++ {
		if m.live(pid) && !m.task(pid).noFreeze && !m.frozenEnough(pid) {
			m.ThawProcesses()
			return syscall.ETIMEDOUT
		}
	}
	return 0
}

// ThawProcesses models [Hierarchy.ThawProcesses]: the suspend ends, and every
// task is thawed except those in cgroups a freeze is in effect on (the
// patch's stored FREEZING or FROZEN, V1's freezing flags, V2's effective
// freeze), so resume never undoes a cgroup freeze. It is pure.
func (m *Model) ThawProcesses() {
	m.suspending = false
	for pid := 1; pid <= len(m.tasks); pid++ {
		if m.live(pid) && !m.freezing(m.task(pid).cgroup) {
			m.thawTask(pid)
		}
	}
	m.settle()
}
