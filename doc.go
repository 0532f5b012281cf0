/*
Package freezer simulates the Linux cgroup freezer inside one process: the
"Container Freezer" patch of June 2008 (Cedric Le Goater and Matt Helsley,
patch 3/4, reviewed by Paul Menage on the containers list), with goroutines
as tasks. What the review changed, and what the merged kernel later fixed,
is said below where the library follows it.

A program uses it to pause and resume groups of worker goroutines at safe
points; a property-based test drives the library and its pure model,
[Model], with the same operations; a reader uses it to learn how the kernel's
freezer works, name by name.

	h := freezer.New()
	jobs, _ := h.Root().Mkdir("jobs")
	jobs.Spawn("worker", func(t *freezer.Task) {
		for {
			t.TryToFreeze() // a safe point: parks here while frozen
			work()
		}
	})
	jobs.FreezeContext(ctx) // every worker parked at a safe point
	checkpoint()
	jobs.Thaw()
	h.Shutdown(ctx)

The sections below are a short course: the model, the map from kernel names
to Go names, the lock order, where the library departs from the posted patch,
the later kernels' freezers that [WithVersion] chooses, and why the freezer
is not SIGSTOP. Until the section on versions, everything describes the
default, the patch ([Patch2008]). The programs in the module's examples
directory play it out:

  - examples/tour walks the patch scene by scene, printing cgroupfs reads and
    writes, a ps table, and what the kernel does at each step
    (go run ./examples/tour; -debug logs every event, -trace writes a trace;
    -versions plays chosen scenes on the three kernels, one after another).
  - examples/checkpoint freezes workers to copy a consistent snapshot of the
    state they share, the kernel documentation's reason for the freezer.
  - examples/batch time-shares two job groups by freezing one while the
    other runs.
  - examples/signalsubsys writes a second subsystem, signal.kill, through the
    hook interface the freezer uses.
  - examples/cgsh is a shell: mkdir, cat, echo FROZEN > FILE, ps, kill, ...
    (-version v1 or v2 for the later kernels' files).

# Model

Tasks. A [Task] is a goroutine started by [Cgroup.Spawn], [Task.Fork] or
[Task.Vfork], the kernel's task_struct. It freezes only at safe points: each
call of [Task.TryToFreeze], and the end of every blocking call of the
library ([Task.Sleep], [Task.Wait], [Task.Fork], ...), as a kernel task
freezes on its way back to user mode. Between safe points it is running
('R' in [TaskStat]); it may also be in an interruptible wait ([Task.Sleep],
[Task.Wait]: 'S'), an uninterruptible one ([Task.SleepUninterruptible],
[Task.WaitUninterruptible]: 'D'), stopped ([Task.Stop]: 'T'), in a traced
stop ([Task.Trace]: 't'), or a vfork parent waiting for its child
([Task.Vfork]: 'D'). A task blocked in a select of its own stays
interruptible by adding [Task.Interrupt] to it. Safe points also take
signals: [Task.Kill] ends the goroutine with runtime.Goexit at the next one.

The refrigerator. A freeze request (the kernel's TIF_FREEZE, reported by
[Task.Freezing]) is a bit the task reads with one atomic load at each safe
point. A task that finds it set consumes it and parks in the refrigerator
([Task.Frozen] is true, and ps would show 'D'), holding no lock, until it is
thawed. The request wakes an interruptible wait, like the kernel's "fake
signal", which queues nothing: after the thaw the wait resumes for the time
it had left, as an interrupted nanosleep restarts. It does not wake an
uninterruptible wait, a stop or a traced stop. A killed task in the
refrigerator dies only once it is thawed, as on a v1 kernel.

The cgroup core. A [Hierarchy] ([New]) is a tree of [Cgroup] directories.
Every task is in exactly one cgroup; a child starts in its parent's. Every
cgroup has a tasks file (read: the PIDs; write a PID: move that task in);
the root has no freezer.state and cannot be frozen. A [Subsystem] is bound
to the hierarchy and gets hooks, called by the core with the locks of
[Subsystem]'s documentation held: Create and Destroy for cgroups, Populate
for their control files ([File]), CanFork and Fork, CanAttach and Attach, and
Exit for tasks. The freezer is bound by [New] through that same interface;
[WithSubsystem] binds a user's own. Both views of the hierarchy work: typed
methods ([Cgroup.Freeze], [Cgroup.Attach], ...) and the cgroupfs view of
paths and errno values ([Hierarchy.ReadFile], [Hierarchy.WriteFile],
[Hierarchy.Mkdir], [Hierarchy.Rmdir]), whose errors are *fs.PathError values
around a syscall.Errno, as os.WriteFile on a real cgroupfs returns.

The freezer's state machine. Each non-root cgroup is RUNNING, FREEZING or
FROZEN ([State]), each on its own: a cgroup's state does not affect its
children (the patch's freezer is flat; the hierarchical one came in 3.8).
A task is frozen enough when it is frozen, or when it has a freeze request
and is stopped, traced or a vfork parent waiting for its child: it cannot
run, and will freeze the moment it resumes. A task cannot freeze now when it
is in an uninterruptible wait (other than a vfork parent's) or is marked
[NoFreeze]. The cgroup keeps, in one atomic word, how many tasks it has and
how many of them are frozen enough, so a read costs O(1). A write of
freezer.state ([Cgroup.Freeze], [Cgroup.Thaw]) does this:

	operation        before             effect                    after                     result
	write FROZEN     RUNNING, FREEZING  request every task        FROZEN if all frozen      EBUSY if a task cannot
	                                                              enough, else FREEZING     freeze now, else ok
	write FROZEN     FROZEN             none                      FROZEN                    ok
	write RUNNING    FREEZING, FROZEN   thaw every task           RUNNING                   ok
	write RUNNING    RUNNING            none                      RUNNING                   ok
	write other      any                none                      unchanged                 EIO
	write >= 4096 B  any                none                      unchanged                 E2BIG
	read             FREEZING, all      none                      FROZEN                    "FROZEN\n"
	                 frozen enough
	read             otherwise          none                      unchanged                 the state and "\n"
	any              removed cgroup                                                         ENODEV

"request every task" is freeze_task: it sets the request and wakes an
interruptible wait. "thaw every task" is thaw_process: it lets a frozen task
go and cancels a request not yet honoured; a stopped task stays stopped. The
frozen tasks of a cgroup all wait on one channel that the thaw closes once,
after clearing every task's flag, as a hand-written pause gate closes its
one channel: the runtime then readies them all in one step. The
write of FROZEN returns without waiting for the tasks: [Cgroup.WaitFrozen]
waits for the read to say FROZEN, and [Cgroup.FreezeContext] does both and,
if its context ends first, thaws back a cgroup it found RUNNING.

After EBUSY ([BusyError] names the tasks) the cgroup stays FREEZING until one
of the patch's three ways out: userspace cancels (writes RUNNING), retries
(writes FROZEN again, which succeeds once nothing is busy), or the tasks that
blocked it leave the cgroup (exit, or are moved out); then the next read says
FROZEN. The state a read would return is what every check uses (attach,
fork, the waits): nothing acts on a stale FREEZING.

Fork. A child forked in a FREEZING cgroup gets a freeze request before it
runs, and since a new task passes a safe point before its function starts
(the kernel's return from fork), it freezes before running any code of its
own. [Cgroup.Spawn] runs the same hooks; a spawn into a FROZEN cgroup fails
with EBUSY.

Attach. A task may be moved into a FREEZING cgroup: the move does not freeze
it, and the next write of FROZEN catches it. It may not be moved into a
FROZEN cgroup, and a frozen-enough task may not be moved at all (EBUSY). A
task moved out of a FREEZING cgroup loses its freeze request.

Signals. [Task.Stop] and [Task.Trace] take effect at the task's next safe
point, or at once in an interruptible wait. A stopped or traced task is
frozen enough while it has a request, a thaw leaves it stopped, and
[Task.Continue] or [Task.Untrace] during a freeze sends it straight into the
refrigerator. [Task.Kill] wakes interruptible waits and stops, not
uninterruptible waits and not the refrigerator. An exiting task leaves its
cgroup, which may complete a freeze.

System suspend (patch 4/4). [Hierarchy.FreezeProcesses] freezes every
freezable task of the hierarchy, whatever its cgroup, retrying while some
are busy, and thaws them back if its context ends first.
[Hierarchy.ThawProcesses] thaws every task except those in FREEZING or
FROZEN cgroups, so resume never undoes a freeze the user asked for. During a
suspend a write of RUNNING changes the cgroup's state but leaves its tasks
frozen until the resume.

Observability. With [WithLogger] the hierarchy logs its events at
slog.LevelDebug: freeze requests, entry to and exit from the refrigerator,
state changes, mkdir, rmdir, attach, fork, kill and exit. Each stay in the
refrigerator is a runtime/trace region named "freezer.refrigerator" on the
task's goroutine, which go tool trace shows.

# Kernel names

The kernel identifiers of the patch and of the code it builds on, and their
Go counterparts. Unexported names are in the source file given.

The generic task freezer (kernel/freezer.c, include/linux/freezer.h; here
fridge.go and task.go):

  - struct task_struct: [Task]; current: the task's own goroutine, the only
    caller allowed of [Task.TryToFreeze], [Task.Sleep], [Task.Wait],
    [Task.Fork] and the other methods [Task] lists as its own.
  - try_to_freeze: [Task.TryToFreeze]; its slow path, where signals are
    taken too (get_signal_to_deliver), is Task.safePoint.
  - refrigerator: Task.refrigeratorLocked; a runtime/trace region when a
    trace runs.
  - freeze_task: Task.freezeTask; fake_signal_wake_up: Task.raisePendingLocked
    and the close that follows it in freezeTask; signal_wake_up:
    Task.setPendingLocked; wake_up_process: Task.wakeLocked.
  - thaw_process: Task.thawLocked, Cgroup.thawTasksLocked.
  - frozen(p), PF_FROZEN: [Task.Frozen], TaskStat.Frozen.
  - freezing(p), TIF_FREEZE: [Task.Freezing], TaskStat.Freezing.
  - freezer_should_skip, PF_FREEZER_SKIP, freezer_do_not_count and
    freezer_count: the vfork wait of [Task.Vfork] (Task.skip).
  - PF_NOFREEZE: [NoFreeze].
  - task_is_stopped_or_traced: 'T' and 't' in TaskStat.State (Task.stopped,
    Task.trapped).
  - is_task_frozen_enough (2.6.28): Task.frozenEnoughLocked.
  - TASK_INTERRUPTIBLE waits (schedule_timeout_interruptible,
    wait_event_interruptible): [Task.Sleep], [Task.Wait], [Task.Interrupt].
  - TASK_UNINTERRUPTIBLE waits (schedule_timeout_uninterruptible,
    wait_event): [Task.SleepUninterruptible], [Task.WaitUninterruptible].
  - SIGKILL, SIGSTOP, SIGCONT: [Task.Kill], [Task.Stop], [Task.Continue].
  - PTRACE_SEIZE with PTRACE_INTERRUPT, PTRACE_DETACH: [Task.Trace],
    [Task.Untrace].
  - do_fork, copy_process: [Task.Fork], [Task.Vfork], [Cgroup.Spawn]
    (Hierarchy.fork); do_exit, PF_EXITING: Task.exit, Task.exiting.
  - comm, pid, /proc/PID/stat, /proc/PID/cgroup: [Task.Name], [Task.PID],
    [Task.Stat], [TaskStat]; find_task_by_vpid: [Hierarchy.Task].

The cgroup core (kernel/cgroup.c; here cgroup.go):

  - cgroupfs_root, mount -t cgroup -o freezer: [Hierarchy], [New].
  - struct cgroup: [Cgroup]; cgroup_is_removed: [Cgroup.Removed].
  - struct cgroup_subsys, SUBSYS(): [Subsystem], [WithSubsystem]; its hooks
    create, destroy, populate, fork, can_attach, attach and exit: the
    methods of the same names (CanFork is the later kernels' can_fork).
  - struct cgroup_subsys_state, cgroup_subsys_state(): [Cgroup.SubsysState].
  - struct cftype, cgroup_add_files: [File], returned by Populate.
  - cgroup_iter_start, cgroup_iter_next, cgroup_iter_end: [Cgroup.Tasks].
  - cgroup_attach_task, a write to tasks: [Cgroup.Attach].
  - cgroup_mkdir, cgroup_rmdir: [Cgroup.Mkdir], [Cgroup.Remove],
    [Hierarchy.Mkdir], [Hierarchy.Rmdir].
  - the cgroupfs read and write methods (read, write_string,
    read_seq_string): [Hierarchy.ReadFile], [Hierarchy.WriteFile].
  - cgroup_lock, cgroup_unlock (cgroup_mutex): Hierarchy.cgroupMutex.
  - css_set_lock: Hierarchy.cssSetLock, a reader-writer lock as the kernel's
    became.
  - task_lock: Task.lockTask; sighand->siglock: Task.lockSig.
  - lockdep: [WithLockChecks], [LockOrderError], and the declared order in
    locking.go; held_locks: heldLocks, in Task.held for a task's goroutine;
    current: getg (current_getg.go).

The freezer subsystem (kernel/cgroup_freezer.c; here freezer.go):

  - struct freezer, cgroup_freezer(), task_freezer(): freezerCSS, css(c).
  - freezer->lock: freezerCSS.lock.
  - enum freezer_state, STATE_RUNNING, STATE_FREEZING, STATE_FROZEN: [State],
    [Running], [Freezing], [Frozen]; freezer_state_strs: [State.String].
  - freezer_create: freezerSubsys.Create; freezer_destroy: none, the garbage
    collector frees a struct freezer; freezer_populate:
    freezerSubsys.Populate.
  - freezer_can_attach: freezerSubsys.CanAttach; the patch had no attach
    hook, freezerSubsys.migrateLocked is new (see below).
  - freezer_fork: freezerSubsys.Fork; the review's BUG_ON(state == FROZEN):
    freezerSubsys.CanFork.
  - freezer_read: freezerSubsys.read, [Cgroup.State].
  - freezer_write, freezer_freeze: freezerSubsys.write, freezerSubsys.change,
    [Cgroup.Freeze], [Cgroup.Thaw].
  - freezer_freeze_tasks: freezerSubsys.freezeTasksLocked; its
    num_cant_freeze_now and -EBUSY: Task.cannotFreezeNowLocked, [BusyError].
  - freezer_unfreeze_tasks: freezerSubsys.unfreezeTasksLocked.
  - freezer_check_if_frozen: freezerBase.allCounted, a counter instead of a
    walk; the lazy FREEZING to FROZEN store of a read:
    freezerSubsys.promoteLocked.
  - cgroup_frozen, and cgroup_freezing_or_frozen after 2010: the state check
    in [Hierarchy.ThawProcesses].
  - rcu_read_lock sections: atomic loads of freezerCSS.state and of the
    cgroup's counters; the garbage collector plays the grace period.

System suspend (kernel/power/process.c; here suspend.go):

  - freeze_processes, try_to_freeze_tasks: [Hierarchy.FreezeProcesses],
    Hierarchy.freezeAllTasks; thaw_processes, thaw_tasks:
    [Hierarchy.ThawProcesses]; pm_freezing: Hierarchy.suspending.

Go-only, with no kernel counterpart: [Cgroup.WaitFrozen] and
[Cgroup.FreezeContext] (what a user-space tool does by polling reads and
retrying writes), [Hierarchy.Shutdown], [Task.Done].

# Lock ordering

The order is the patch's ("Locking and lock ordering" in its
cgroup_freezer.c), declared once in locking.go, outermost first:

	cgroup_mutex → freezer->lock → css_set_lock → task_lock → siglock

A goroutine may take a lock only while every lock it holds comes earlier.

cgroup_mutex is outermost because a write of freezer.state holds it from
start to end, and so do attach, mkdir and rmdir: none of them can run during
a write, and no task moves in or out of a cgroup while it is being frozen or
thawed. That is also what keeps can_attach's answer valid until the move is
done, as the patch's own comment in freezer_can_attach says.

freezer->lock serialises the changes of one cgroup's stored state. A write
takes it inside cgroup_mutex; [Cgroup.State] takes it without cgroup_mutex,
as the patch's freezer_read does, to store the lazy FREEZING to FROZEN
transition.

css_set_lock guards the lists that link tasks to cgroups. A fork, an attach
and an exit take it for writing: a fork links its child and runs the fork
hooks under it, so the freezer's fork hook reads a state that cannot change
under it. A write takes it for reading, inside freezer->lock, to store the
new state and walk the tasks; so a fork and a write are ordered one way or
the other, and whichever comes second sees the other (the review's race,
closed). A read's lazy promotion checks the counters and stores FROZEN under
it too, so no attach or fork can slip a running task into a cgroup that is
being declared FROZEN.

task_lock guards a task's cgroup pointer and its freezer flags (the request,
PF_FROZEN, PF_FREEZER_SKIP). The freezer's walk takes it for each task it
visits, which is why it comes inside css_set_lock; can_attach runs under it,
so a task cannot become frozen enough between the check and the move.

siglock, innermost, guards a task's signals and its run state ('S', 'D',
stopped, traced). Setting a request and detaching the channel of an
interruptible wait happen under it, and so does a task's decision to wait, so
a wake-up cannot be lost between a task's check and its wait. The freezer
closes the detached channel just after dropping the locks, so that the task it
wakes does not find them held; a task that looks first sees the request
pending and does not wait.

The patch's rcu_read_lock sections have no lock here: they are atomic loads.
With [WithLockChecks] every acquisition is checked against the order, and an
inversion panics with a [LockOrderError] naming both locks, as lockdep
warns; the test suite runs with checks on. Like lockdep's held_locks in
task_struct, each goroutine's record of what it holds is its own and only it
touches it: a task's goroutine keeps its record in its Task, and any other
goroutine finds its own through the runtime's descriptor of the running
goroutine (the kernel's current) in a table read without a lock. Checking
therefore costs the same with a hundred thousand tasks as with one, and
goroutines never wait on each other to check. lockdep learns the order from
what it sees and keeps a graph of it; here the order is declared, and the
check is a comparison against it. No task parks while it holds a
library lock (that too is checked), and frozen and stopped tasks wait on
channels, never on a mutex, so testing/synctest sees them as durably
blocked. A [Subsystem]'s hooks run under the locks its documentation lists
and must take none that come earlier.

# Differences from the patch

The library follows the patch's intent where its posted code differs, and
the review's point or the merged kernel's fix where those found a bug. What
a user observes:

  - EBUSY means a task cannot freeze now: it is in an uninterruptible wait
    (not a vfork parent) or is [NoFreeze]. The posted freezer_freeze_tasks
    counts as busy only a task left without a request after freeze_task,
    which hardly ever happens, so it almost never returns the EBUSY its
    changelog promises ("some tasks in the cgroup are busy doing something
    that prevents us from completely freezing"). Here it does, and
    [BusyError] names the tasks. A task that is merely running or asleep is
    not busy: it will reach a safe point.
  - FROZEN means every task is frozen enough. The posted code stores FROZEN
    as soon as no task is busy, while tasks may still be on their way to the
    refrigerator. Here a write of FROZEN to a cgroup of running tasks
    succeeds and leaves it FREEZING; it reads FROZEN once the last task has
    parked ([Cgroup.WaitFrozen]).
  - Stopped, traced and vfork-parent tasks with a request count as frozen,
    resolving the patch's TODO ("Check that we handle ptrace'd and vfork-ing
    tasks correctly") as mainline later did. The posted
    freezer_check_if_frozen counts only frozen(p): once a cgroup was left
    FREEZING, a stopped task in it kept every read from saying FROZEN. When
    such a task resumes it is moved into the refrigerator under its own
    locks, so it never counts as unfrozen on the way.
  - can_attach and the fork check use the state a read would return. The
    posted can_attach compares the stored state with FROZEN, and the stored
    state may still say FREEZING when every task is frozen (the transition
    is lazy): here a move or a spawn into such a cgroup is refused, as into
    any FROZEN cgroup.
  - The fork hook runs after the child is linked into its cgroup, and reads
    the state under css_set_lock, which a write holds while it changes the
    state and walks the tasks. The posted hook read the state under RCU only,
    before the child was linked. The review: "Racing against a concurrent
    write to the cgroup's freeze file may be more of an issue"; Matt
    Helsley agreed that "it could change state between the test of the
    state and the call to freeze_task()". The kernel moved the hook after
    the linking in 3.8. No child is missed by a write or left frozen in a
    RUNNING cgroup.
  - A spawn into a FROZEN cgroup fails with EBUSY; the review asked for
    BUG_ON(freezer->state == STATE_FROZEN) in the fork hook, and 2.6.28 has
    it.
  - can_attach also refuses a task that is frozen enough, as 2.6.28 does:
    moving it would strand it frozen in a cgroup that never froze it. And a
    task moved out of a FREEZING cgroup loses its request, within the move
    (freezerSubsys.migrateLocked; the patch has no attach hook): otherwise it
    would freeze later in a RUNNING cgroup, where a write of RUNNING, a no-op
    there, would never thaw it. During a system suspend the request stays.
  - The root cgroup has no freezer.state, as in 2.6.28; the posted
    freezer_populate gave every cgroup one.
  - A read ends in a newline and is made whole at once, so a reader going
    byte by byte cannot see a torn state (the review's read_seq_string
    point, which Matt Helsley took up).
  - A write is matched whole, after trailing white space is stripped,
    exactly and case-sensitively. The posted freezer_write copies only the
    first 8 bytes (STATE_MAX_STRLEN, which the review called "a bit nasty")
    and puts the terminating NUL one byte past them, so what it matches
    depends on nothing past the eighth byte of the write and on one byte of
    stack. Writes of 4096 bytes (PATH_MAX) or more are E2BIG in both.
  - An invalid write, FREEZING included, returns EIO, as the posted patch
    and its changelog say; 2.6.28 returned EINVAL.
  - Resume ([Hierarchy.ThawProcesses]) skips tasks in FREEZING cgroups as
    well as FROZEN ones: the 2010 fix of cgroup_frozen, which let a resume
    thaw a cgroup that had not yet been read as FROZEN.
  - A FREEZING cgroup's read costs O(1): the cgroup counts its frozen-enough
    tasks as they change, where freezer_check_if_frozen walks them all.

# Versions

The freezer changed three times after the patch, and [WithVersion] makes a
hierarchy follow any of the three kernels on the same tasks: [Patch2008]
(the default, everything above), [V1] and [V2]. The cgroup core, the tasks
and the refrigerator are shared; each version's rules are one file, bound
through the [Subsystem] hooks and a small internal interface (version.go):
freezer.go for the patch, legacy.go for v1, cgroup2.go for v2. The core
never asks which version it carries.

History:

  - June 2008, the posted patch: RUNNING, FREEZING, FROZEN; a flat hierarchy;
    EBUSY when a task cannot freeze now; EIO for a bad write; moves into and
    out of frozen cgroups refused.
  - 2.6.28 (December 2008), the merge: the same machine with the review's
    fixes (EINVAL for a bad write, no freezer.state on the root, a fork
    check, can_attach refusing frozen tasks). 3.3 made freezing(p) mean "a
    freeze is in effect" rather than "a request is pending".
  - 3.8 (2013): the v1 freezer became hierarchical and lost EBUSY. THAWED
    replaced RUNNING; a write sets the cgroup's own flag and passes a second
    flag down the subtree; freezer.self_freezing and freezer.parent_freezing
    show them; moves are always allowed and adopt the destination's state,
    because a frozen cgroup was never meant to lock migrations; the fork hook
    moved after the child's linking, closing the review's race. 6.1 rewrote
    the task freezer: a stopped or traced task, or a vfork parent, is moved
    to TASK_FROZEN directly, so it shows 'D'. 6.7 to 6.15 read a FROZEN
    cgroup as no longer freezing, which left a task moved into it unfrozen;
    6.16 reverted that, and the library follows 6.16.
  - 5.2 (2019): the cgroup v2 freezer, part of the cgroup core.
    cgroup.freeze is a cgroup's own wish, a freeze covers the subtree, and
    cgroup.events says when the cgroup is frozen and notifies each change, so
    no one polls. A frozen task waits in an interruptible trap on its way back
    to user mode rather than in the uninterruptible refrigerator, so it shows
    'S' and a fatal signal kills it at once: v1 could not kill a frozen
    task, which the v2 changelog calls "not the acceptable state for some
    subset of the system". Stopped and traced tasks count as frozen. 5.14
    added cgroup.kill, 6.18 cgroup.stat.local's frozen_usec.

What each version shows (DESIGN.md's table; "seen" rows were observed on
Linux 6.18 with real processes, and the conformance package observes them
again, beside the library, on every test run):

	                      patch2008            v1                         v2
	files (non-root)      tasks,               tasks, cgroup.procs,       cgroup.procs, cgroup.freeze,
	                      freezer.state        freezer.state,             cgroup.events, cgroup.kill,
	                                           .self_freezing,            cgroup.stat.local
	                                           .parent_freezing
	new cgroup            RUNNING              THAWED                     freeze 0, frozen 0
	hierarchy             flat                 subtree; a child's THAWED  subtree; a child's 0
	                                           clears its own bit only    leaves it frozen
	bad write             EIO                  EINVAL; "" no-op           EINVAL, ERANGE; "" no-op
	too long              E2BIG at 4096 B      E2BIG above 4096 B         E2BIG above 4096 B
	task in D             EBUSY, FREEZING      FREEZING, no error         frozen 0, no error
	NoFreeze task         EBUSY                does not block FROZEN      keeps frozen 0
	frozen task in ps     D                    D                          S
	kill a frozen task    after the thaw       after the thaw             at once
	stopped, then freeze  frozen enough, T     FROZEN; D, T after thaw    frozen 1; T throughout
	stop a frozen task    T after the thaw     T after the thaw           S; T after the thaw
	move in, frozen dst   EBUSY                allowed; freezes           allowed; freezes
	move a frozen task    EBUSY                allowed; thaws unless dst  allowed; thaws
	                                           freezes
	mkdir, frozen parent  RUNNING              FROZEN, self 0, parent 1   frozen 1, freeze 0
	rmdir, frozen, empty  allowed              allowed                    allowed
	populated             -                    -                          subtree has a task
	time frozen           -                    -                          frozen_usec

The typed calls answer in every version: [Cgroup.State] (v1: the read of
freezer.state, THAWED being [Running]; v2: [Running] without an effective
freeze, [Frozen] when cgroup.events says frozen 1, else [Freezing]),
[Cgroup.Freeze], [Cgroup.Thaw], [Cgroup.WaitFrozen], [Cgroup.FreezeContext],
[Cgroup.SelfFreezing], [Cgroup.ParentFreezing], [Cgroup.Events] and
[Cgroup.WatchEvents]; [Cgroup.Kill] and [Cgroup.FrozenTime] are v2's alone.

The kernel names of v1's rules (kernel/cgroup/legacy_freezer.c; here
legacy.go):

  - struct freezer, freezer->state: legacyCSS, legacyCSS.state;
    CGROUP_FREEZER_ONLINE, CGROUP_FREEZING_SELF, CGROUP_FREEZING_PARENT,
    CGROUP_FROZEN: legacyOnline, legacyFreezingSelf, legacyFreezingParent,
    legacyFrozen.
  - freezer_css_online, freezer_css_offline: legacyFreezer.Create,
    legacyFreezer.Destroy; freezer_attach: legacyFreezer.Attach;
    freezer_fork: legacyFreezer.Fork.
  - freezer_read and update_if_frozen: legacyFreezer.read,
    legacyFreezer.state, legacyFreezer.updateLocked (post-order, lazy).
  - freezer_write, freezer_change_state, freezer_apply_state:
    legacyFreezer.write, legacyFreezer.change, legacyFreezer.applyLocked
    (pre-order).
  - freezer_self_freezing_read, freezer_parent_freezing_read:
    [Cgroup.SelfFreezing], [Cgroup.ParentFreezing].
  - freezer_mutex: legacyFreezer.mu. freezing(t) && !frozen(t), the task
    that holds a cgroup up: the negation of legacyFreezer.counted.

The kernel names of v2's rules (kernel/cgroup/freezer.c and the freezer
parts of kernel/cgroup/cgroup.c and kernel/signal.c; here cgroup2.go):

  - struct cgroup_freezer_state, freeze, e_freeze, nr_frozen_tasks,
    nr_frozen_descendants, CGRP_FREEZE, CGRP_FROZEN: cgroup2CSS.freeze,
    eFreeze, counts, nrFrozenDescendants, eFreeze and frozen.
  - cgroup_freeze_write, cgroup_freeze, cgroup_do_freeze,
    cgroup_freeze_task: cgroup2Freezer.write, change, doFreezeLocked,
    freezeTaskLocked.
  - cgroup_update_frozen, cgroup_propagate_frozen:
    cgroup2Freezer.updateFrozenLocked, propagateFrozenLocked;
    cgroup_enter_frozen and cgroup_leave_frozen: the counting in
    Task.recalcLocked, finished by cgroup2Freezer.settle.
  - cgroup_freezer_migrate_task: cgroup2Freezer.migrateLocked, within the
    move under css_set_lock as in cgroup_migrate_execute; cgroup_post_fork's
    JOBCTL_TRAP_FREEZE: cgroup2Freezer.Fork; cgroup_create and
    cgroup_destroy_locked's counting: cgroup2Freezer.Create, Destroy.
  - do_freezer_trap: the refrigerator, with 'S' for its letter and a kill
    or ptrace interrupt breaking it (taskRules); cgroup.events and
    cgroup_file_notify: [Cgroup.Events], [Cgroup.WatchEvents],
    Cgroup.notify; cgroup.kill, cgroup_kill: [Cgroup.Kill];
    cgroup.stat.local's frozen_usec: [Cgroup.FrozenTime].

Lock orders. Each version declares its own in locking.go, and a checked
hierarchy refuses a lock that is not in its version's order:

	patch2008  cgroup_mutex → freezer->lock → css_set_lock → task_lock → siglock
	v1         cgroup_mutex → freezer_mutex → css_set_lock → task_lock → siglock
	v2         cgroup_mutex → css_set_lock → task_lock → siglock

Decisions. Where the kernel's source and its documentation disagree, the
library follows what Linux 6.18 was seen to do, and where that was not seen,
the source:

  - v1's fork hook leaves a FROZEN cgroup FROZEN with a new unfrozen child
    (the source; the documentation says a new task sends the cgroup back to
    FREEZING, which only a move does). A read never looks again at a cgroup
    already FROZEN.
  - v1 follows 6.16's cgroup_freezing: a cgroup whose flags say freezing
    keeps freezing the tasks moved in, FROZEN or not.
  - v2's frozen state is kept as the source keeps it: a cgroup's own tasks
    are tested when one of them changes, its descendants when one of them
    does, and each test sets the flag. So a cgroup with tasks of its own can
    read frozen 1 while a child is still freezing, and removing a child
    that is not frozen does not make its parent frozen. A fork into a frozen
    cgroup does not test it again (the child traps before it runs), and a
    frozen task that is killed leaves the trap uncounted, so the cgroup reads
    frozen 0 until the task is gone, then frozen 1 again.
  - v2's frozen_usec counts from the freeze request, effective by the
    cgroup's own wish or an ancestor's, to the thaw, whether or not every
    task froze, as the documentation says and 6.18 does.
  - cgroup.kill kills NoFreeze tasks too: the kernel skips kernel threads,
    but a NoFreeze task is a goroutine of the program.
  - In v1 and v2 a task with a kill pending cannot fork (EINTR, as
    copy_process refuses it), so no child escapes cgroup.kill.
  - A v1 or v2 write reaches its file as Linux 6.18 passes it on (seen by
    the conformance suite): an empty write does nothing, whatever the file;
    the data ends at its first NUL, as the kernel's C string does; and tasks
    and cgroup.procs read a PID as kstrtoint reads the stripped write, with
    EINVAL for anything it refuses, a negative PID or one beyond int's range
    included. A write of PID 0, which the kernel takes for the writer
    itself, is ESRCH: a write here comes from no task. The patch keeps its
    own rules, above.
  - A task that exits is gone at once, as if its parent had reaped it at
    once. The kernel counts a dead process in its v2 cgroup's populated
    until it is reaped, and for a moment after (seen), so the conformance
    suite reaps its processes at once and waits for "populated 0".
  - At a v2 task's safe point a pending kill, then a ptrace interrupt, goes
    before a freeze request, and a SIGSTOP after it, in get_signal's order:
    a stop signal is only dequeued after the freezer trap. A v2 vfork parent
    counts as frozen, as wait_for_vfork_done calls cgroup_enter_frozen; its
    wait is not killable here, where the kernel's is.

Departures in mechanism, with the same observable result: v1's fork hook
runs under css_set_lock, which a write takes between changing the flags and
walking the tasks, rather than under freezer_mutex; v1 walks its own tree of
cgroups, as the kernel walks its css tree. v2's tasks count themselves under
their own locks, which come after css_set_lock, so the update of CGRP_FROZEN
that follows a count crossing "every task frozen" is finished a moment
later, under css_set_lock, by the task itself once it holds no lock (on its
way to park, or out of a safe point), by its exit, by a write, or by any
reader of the state first (cgroup2Freezer.settle), where the kernel's task
drops its siglock first: whoever has seen a task frozen or gone reads its
cgroup up to date. A frozen task may move in v1 and v2: it waits on its
cgroup's thaw broadcast, which the move closes so that it looks again.

# Why not SIGSTOP

The kernel's freezer documentation asks why a group is not paused with
SIGSTOP and resumed with SIGCONT, and answers that "both of these signals are
observable from within the tasks we wish to freeze": a waiting or ptracing
parent sees the stop, and SIGCONT can be caught by the task. The freezer
instead uses the kernel's freezer code "to prevent the freeze/unfreeze cycle
from becoming visible to the tasks being frozen".

In this library's terms: [Task.Stop] and [Task.Continue] are job control,
visible as 'T' in [TaskStat] to whoever watches, the user's to use. If a
scheduler paused a group with them, its Continue would restart a task the
user had stopped on purpose, and the user's Continue would restart a task
the scheduler had paused. A freeze request queues nothing and changes no
signal state: a task in an interruptible wait resumes it for the time it had
left, as if nothing had happened but the passing of time. And the two do not
undo each other: a thaw never continues a stopped task, a stopped task
counts as frozen without being woken, and a Continue during a freeze sends
the task into the refrigerator rather than back to work. examples/cgsh and
examples/signalsubsys show both at work on the same tasks.
*/
package freezer
