package freezer

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// This file is a pure model of the library: the same state machine as
// task.go, fridge.go, cgroup.go, freezer.go and suspend.go, with no
// goroutines, no locks and no time. A property-based test drives a Model and
// a real Hierarchy with the same operations and compares what each observes.

// Model is a pure, deterministic model of a [Hierarchy]: its cgroups, its
// tasks and the freezer's state machine. Every method runs to completion at
// once, blocks on nothing and touches nothing but the model: where the
// library's goroutines would go on running after a call (a woken task
// freezing, a continued task stopping again, a vfork parent resuming when its
// child exits), the model runs them until every task is blocked again, so
// after each call it describes the hierarchy once every task has settled.
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
// The model follows DESIGN.md's rules. Where DESIGN.md is silent it does what
// the kernel did, and what the library does:
//
//   - At a safe point a freeze request is honoured before any signal, as
//     get_signal_to_deliver calls try_to_freeze first: a killed task with a
//     request freezes, and dies after the thaw.
//   - A child inherits NoFreeze from its parent, as copy_process keeps
//     PF_NOFREEZE.
//   - Trace of a stopped task turns its stop into a traced stop at once
//     (PTRACE_INTERRUPT traps a group-stopped task); Untrace puts it back in
//     that stop; Continue does not end a traced stop (SIGCONT does not resume
//     a ptrace stop). Stop of a stopped task and Trace of a traced one do
//     nothing; signals to an exited task do nothing.
//   - During a system suspend a thaw of a cgroup stores RUNNING but leaves its
//     tasks frozen until resume (in the kernel user space is frozen then, so
//     no write can happen).
//
// Copy a Model with [Model.Clone]; a plain copy shares its state. The zero
// Model is not usable; make one with [NewModel].
type Model struct {
	cgroups    []modelCgroup // by CgroupID
	tasks      []modelTask   // by PID-1
	suspending bool          // pm_freezing: a FreezeProcesses is in effect
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

type modelCgroup struct {
	name    string
	path    string
	parent  CgroupID // -1 for the root
	removed bool
	state   State // stored; a read may promote FREEZING to FROZEN
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
}

// NewModel returns a model of a freshly made hierarchy: the root cgroup "/"
// and nothing else, as [New] makes. It is pure.
func NewModel() *Model {
	return &Model{cgroups: []modelCgroup{{path: "/", parent: -1}}}
}

// Clone returns an independent copy of m. It is pure.
func (m *Model) Clone() *Model {
	return &Model{
		cgroups:    slices.Clone(m.cgroups),
		tasks:      slices.Clone(m.tasks),
		suspending: m.suspending,
	}
}

// ---------------------------------------------------------------------------
// Observation

// Snapshot returns the observable state of m: every live cgroup with the
// state a read returns and its tasks, and the Stat of every live task. It is
// pure: unlike a read, it does not store a FREEZING that has become FROZEN
// (which no observer can tell apart).
func (m *Model) Snapshot() Snapshot {
	var s Snapshot
	for id := range m.cgroups {
		c := &m.cgroups[id]
		if c.removed {
			continue
		}
		cs := CgroupSnapshot{Path: c.path, State: m.effective(CgroupID(id)), PIDs: m.pids(CgroupID(id))}
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
// uninterruptible wait, or NoFreeze), ascending: the tasks that the
// *[BusyError] of a write of FROZEN to c names. It is pure.
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
		st.State = 'D'
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

func (m *Model) children(c CgroupID) []CgroupID {
	var kids []CgroupID
	for id := range m.cgroups {
		if k := &m.cgroups[id]; !k.removed && k.parent == c {
			kids = append(kids, CgroupID(id))
		}
	}
	return kids
}

func (m *Model) child(c CgroupID, name string) (CgroupID, bool) {
	for _, k := range m.children(c) {
		if m.cgroups[k].name == name {
			return k, true
		}
	}
	return 0, false
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

func (m *Model) allFrozenEnough(c CgroupID) bool {
	for _, pid := range m.pids(c) {
		if !m.frozenEnough(pid) {
			return false
		}
	}
	return true
}

// effective is the state a read returns: a stored FREEZING whose tasks are
// all frozen enough (an empty cgroup's at once) reads FROZEN.
func (m *Model) effective(c CgroupID) State {
	s := m.cgroups[c].state
	if s == Freezing && m.allFrozenEnough(c) {
		return Frozen
	}
	return s
}

// promote stores what effective returns, as a read does.
func (m *Model) promote(c CgroupID) {
	m.cgroups[c].state = m.effective(c)
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
	t.freezeReq = true
	return !m.cannotFreezeNow(pid)
}

// thawTask cancels a request and lets a frozen task out of the refrigerator.
func (m *Model) thawTask(pid int) {
	t := m.task(pid)
	t.freezeReq = false
	t.frozen = false
}

// release lets a task out of a stop, a traced stop or a vfork wait; one with
// a freeze request goes straight into the refrigerator.
func (m *Model) release(pid int) {
	t := m.task(pid)
	if t.freezeReq {
		t.freezeReq = false
		t.frozen = true
	}
}

// safePoint runs the loop of the library's safePoint until the task parks,
// exits or goes on with its code. The order is the kernel's: a task in the
// refrigerator or a stop stays; a freeze request comes before any signal.
func (m *Model) safePoint(pid int) {
	t := m.task(pid)
	t.inSafe = true
	for {
		switch {
		case t.frozen, t.stopped, t.trapped:
			return // parked
		case t.freezeReq:
			t.freezeReq, t.frozen = false, true
		case t.kill:
			m.exit(pid)
			return
		case t.trap:
			t.trap, t.trapped = false, true
		case t.stop:
			t.stop, t.stopped = false, true
		default:
			t.inSafe = false
			return
		}
	}
}

func (m *Model) pending(pid int) bool {
	t := m.task(pid)
	return t.freezeReq || t.kill || t.trap || t.stop
}

// exit is do_exit: the task leaves its cgroup and is gone.
func (m *Model) exit(pid int) {
	t := m.task(pid)
	*t = modelTask{name: t.name, cgroup: -1, noFreeze: t.noFreeze, at: Exited}
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
// hierarchy reaches once its goroutines are quiescent.
func (m *Model) settle() {
	for changed := true; changed; {
		changed = false
		for pid := 1; pid <= len(m.tasks); pid++ {
			if m.step(pid) {
				changed = true
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Tasks: creation, and what a task's own code does.

// newTask is the fork path: CanFork, link, the fork hook, the suspend's
// request, and the safe point every new task passes before its function.
func (m *Model) newTask(c CgroupID, name string, noFreeze bool) (int, syscall.Errno) {
	if m.cgroups[c].removed {
		return 0, syscall.ENODEV
	}
	if c != RootCgroup && m.effective(c) == Frozen {
		return 0, syscall.EBUSY
	}
	m.tasks = append(m.tasks, modelTask{name: name, cgroup: c, noFreeze: noFreeze, at: AtWork, inSafe: true})
	pid := len(m.tasks)
	if c != RootCgroup && m.cgroups[c].state != Running {
		m.freezeTask(pid)
	}
	if m.suspending {
		m.freezeTask(pid)
	}
	return pid, 0
}

// Spawn models [Cgroup.Spawn] of a task named name in c, made with
// [NoFreeze] if noFreeze is set: ENODEV if c is removed, EBUSY if c is
// FROZEN. In a FREEZING cgroup (or during a system suspend) the task freezes
// before its code runs. It returns the new task's PID. It is pure.
func (m *Model) Spawn(c CgroupID, name string, noFreeze bool) (int, syscall.Errno) {
	if !m.valid(c) {
		return 0, syscall.EINVAL
	}
	pid, err := m.newTask(c, name, noFreeze)
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
// the parent's cgroup (inheriting NoFreeze) and, in a FREEZING cgroup, freezes
// before its code runs; then the parent passes a safe point. It returns the
// child's PID, or EBUSY in a FROZEN cgroup (which a running task never is
// in). The task must be running its own code (it panics otherwise). It is
// pure.
func (m *Model) Fork(pid int, name string) (int, syscall.Errno) {
	t := m.mustWork("Fork", pid)
	child, err := m.newTask(t.cgroup, name, t.noFreeze)
	m.safePoint(pid)
	m.settle()
	return child, err
}

// Vfork models the task's own call of [Task.Vfork]: a child is forked as by
// [Model.Fork], and the parent waits ('D', skip-counted: frozen enough once
// it has a freeze request) until the child exits; then it goes straight into
// the refrigerator if it has a request, and passes a safe point. It returns
// the child's PID. The task must be running its own code (it panics
// otherwise). It is pure.
func (m *Model) Vfork(pid int, name string) (int, syscall.Errno) {
	t := m.mustWork("Vfork", pid)
	child, err := m.newTask(t.cgroup, name, t.noFreeze)
	if err != 0 {
		m.safePoint(pid)
	} else {
		t = m.task(pid) // newTask grew m.tasks
		t.at, t.child = InVfork, child
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
// interruptible wait and a stop, not an uninterruptible wait, a vfork wait or
// the refrigerator: a frozen task dies once thawed, and a stopped one with a
// freeze request goes into the refrigerator first. It is pure.
func (m *Model) Kill(pid int) {
	if !m.live(pid) {
		return
	}
	t := m.task(pid)
	t.kill = true
	if t.stopped || t.trapped {
		t.stopped, t.trapped, t.stopBelow = false, false, false
		m.release(pid)
	}
	m.settle()
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
	m.settle()
}

// Trace models [Task.Trace] (PTRACE_SEIZE and PTRACE_INTERRUPT): the task
// enters a traced stop ('t') at its next safe point, at once if it is in an
// interruptible wait, and a stopped task's stop turns into a traced stop at
// once. A second Trace while traced does nothing. It is pure.
func (m *Model) Trace(pid int) {
	if !m.live(pid) || m.task(pid).ptraced {
		return
	}
	t := m.task(pid)
	t.ptraced = true
	if t.stopped {
		t.stopped, t.trapped, t.stopBelow = false, true, true
	} else {
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
	m.settle()
}

// ---------------------------------------------------------------------------
// Cgroups: the typed API.

// Mkdir models [Cgroup.Mkdir] of name under parent: ENODEV if parent is
// removed, EEXIST for "", ".", "..", a taken name or a control file's name,
// EINVAL for a name with '/' or NUL, ENAMETOOLONG past 255 bytes. The new
// cgroup is RUNNING. It is pure.
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
	path := strings.TrimSuffix(p.path, "/") + "/" + name
	m.cgroups = append(m.cgroups, modelCgroup{name: name, path: path, parent: parent})
	return CgroupID(len(m.cgroups) - 1), 0
}

// Remove models [Cgroup.Remove]: ENODEV once removed, EBUSY for the root and
// for a cgroup with tasks or children. It is pure.
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

// State models [Cgroup.State], a read of freezer.state: a FREEZING cgroup
// whose tasks are all frozen enough reads, and from then on is, FROZEN.
// ENOENT for the root, ENODEV once removed. It is pure.
func (m *Model) State(c CgroupID) (State, syscall.Errno) {
	switch {
	case !m.valid(c):
		return Running, syscall.EINVAL
	case c == RootCgroup:
		return Running, syscall.ENOENT
	case m.cgroups[c].removed:
		return Running, syscall.ENODEV
	}
	m.promote(c)
	return m.cgroups[c].state, 0
}

// Freeze models [Cgroup.Freeze], a write of FROZEN: every task gets a freeze
// request (the refrigerator takes those in interruptible waits at once, the
// others at their next safe point); the cgroup is FROZEN once every task is
// frozen enough, FREEZING until then. EBUSY if a task cannot freeze now (see
// [Model.Busy]), ENOENT for the root, ENODEV once removed. It is pure.
func (m *Model) Freeze(c CgroupID) syscall.Errno {
	return m.change(c, Frozen)
}

// Thaw models [Cgroup.Thaw], a write of RUNNING: the cgroup is RUNNING and
// every task is thawed and loses a request not yet honoured; stopped tasks
// stay stopped. During a system suspend the tasks stay frozen until
// [Model.ThawProcesses], as the library's do. ENOENT for the root, ENODEV once
// removed. It is pure.
func (m *Model) Thaw(c CgroupID) syscall.Errno {
	return m.change(c, Running)
}

func (m *Model) change(c CgroupID, goal State) syscall.Errno {
	switch {
	case !m.valid(c):
		return syscall.EINVAL
	case c == RootCgroup:
		return syscall.ENOENT
	case m.cgroups[c].removed:
		return syscall.ENODEV
	}
	from := m.effective(c)
	var err syscall.Errno
	switch {
	case goal == Frozen && from == Frozen:
		m.promote(c)
	case goal == Frozen:
		m.cgroups[c].state = Freezing
		for _, pid := range m.pids(c) {
			if !m.freezeTask(pid) {
				err = syscall.EBUSY
			}
		}
		m.promote(c)
	case goal == Running && from != Running:
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

// Attach models [Cgroup.Attach] of task pid to c, as writing the PID to c's
// tasks file does: ENODEV if c is removed, ESRCH if the task has exited (or
// never was), nothing if it is already in c, EBUSY if it is frozen enough or
// c is FROZEN. A task that leaves a FREEZING or FROZEN cgroup loses its
// freeze request, except during a system suspend; one that joins a FREEZING
// cgroup is not frozen by the move. It is pure.
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
	case m.frozenEnough(pid):
		return syscall.EBUSY
	case c != RootCgroup && m.effective(c) == Frozen:
		return syscall.EBUSY
	}
	t.cgroup = c
	if src != RootCgroup && m.cgroups[src].state != Running && !m.suspending {
		m.thawTask(pid)
	}
	m.settle()
	return 0
}

// ---------------------------------------------------------------------------
// Cgroups: the cgroupfs view, by path.

// isFile reports whether c has a control file of that name: tasks, and
// freezer.state but in the root.
func (m *Model) isFile(c CgroupID, name string) bool {
	return name == "tasks" || (name == "freezer.state" && c != RootCgroup)
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

// lookupFile resolves path to a cgroup and the name of one of its files.
func (m *Model) lookupFile(path string) (CgroupID, string, syscall.Errno) {
	dir, name, err := splitPath(path)
	if err != 0 {
		return 0, "", err
	}
	c, err := m.walk(dir)
	if err != 0 {
		return 0, "", err
	}
	if name == "" || name == "." || name == ".." {
		return 0, "", syscall.EISDIR
	}
	if _, ok := m.child(c, name); ok {
		return 0, "", syscall.EISDIR
	}
	if !m.isFile(c, name) {
		return 0, "", syscall.ENOENT
	}
	return c, name, 0
}

// ReadFile models [Hierarchy.ReadFile] of a control file: freezer.state
// gives the state and a newline (a read, as [Model.State]), tasks the PIDs
// one a line, ascending. ENOENT for no such file, EISDIR for a cgroup. It is
// pure.
func (m *Model) ReadFile(path string) ([]byte, syscall.Errno) {
	c, name, err := m.lookupFile(path)
	if err != 0 {
		return nil, err
	}
	if name == "tasks" {
		var b []byte
		for _, pid := range m.pids(c) {
			b = strconv.AppendInt(b, int64(pid), 10)
			b = append(b, '\n')
		}
		return b, 0
	}
	s, _ := m.State(c)
	return []byte(s.String() + "\n"), 0
}

// WriteFile models [Hierarchy.WriteFile] of a control file, trailing white
// space stripped: "FROZEN" or "RUNNING" to freezer.state (EIO for anything
// else), a PID to tasks (EINVAL for a non-number, ESRCH for no such task, and
// the errors of [Model.Attach]); E2BIG for 4096 bytes or more. It is pure.
func (m *Model) WriteFile(path string, data []byte) syscall.Errno {
	c, name, err := m.lookupFile(path)
	if err != 0 {
		return err
	}
	if len(data) >= maxWrite {
		return syscall.E2BIG
	}
	s := string(bytes.TrimRight(data, " \t\n\v\f\r"))
	if name == "freezer.state" {
		switch s {
		case "RUNNING":
			return m.Thaw(c)
		case "FROZEN":
			return m.Freeze(c)
		}
		return syscall.EIO
	}
	pid, perr := strconv.Atoi(s)
	if perr != nil || pid < 0 || s == "" || s[0] == '+' {
		return syscall.EINVAL
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
// and a task moved out of a FREEZING cgroup keeps its request. It is pure.
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
// task is thawed except those in FREEZING or FROZEN cgroups (a stored state,
// as the library's cgroup_freezing_or_frozen reads it), so resume never
// undoes a cgroup freeze. It is pure.
func (m *Model) ThawProcesses() {
	m.suspending = false
	for pid := 1; pid <= len(m.tasks); pid++ {
		if !m.live(pid) {
			continue
		}
		c := m.task(pid).cgroup
		if c != RootCgroup && m.cgroups[c].state != Running {
			continue
		}
		m.thawTask(pid)
	}
	m.settle()
}
