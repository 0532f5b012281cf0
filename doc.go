/*
Package freezer simulates the Linux cgroup freezer inside one process: the
"Container Freezer" patch of June 2008 (Cedric Le Goater and Matt Helsley,
reviewed by Paul Menage), with goroutines as tasks.

A program uses it to pause and resume groups of worker goroutines at safe
points; a property-based test drives it against a model of the state machine;
a reader uses it to learn how the kernel's freezer works, name by name.

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

# Model

Tasks. A [Task] is a goroutine started by [Cgroup.Spawn], [Task.Fork] or
[Task.Vfork]. It freezes only at safe points: [Task.TryToFreeze], and the end
of every blocking call of the library ([Task.Sleep], [Task.Wait], ...), as a
kernel task freezes on its way back to user mode. Between safe points a task
is running ('R'); it may also be in an interruptible wait ('S'), an
uninterruptible one ('D'), stopped ('T'), traced ('t'), or a vfork parent
waiting for its child ('D').

The refrigerator. A freeze request (the kernel's TIF_FREEZE) is a bit the task
reads with one atomic load at each safe point. A task that finds it set parks
in the refrigerator, holding no lock, until it is thawed. The request wakes an
interruptible wait (the "fake signal", which queues nothing, so the task cannot
tell), and the wait resumes for the time left after the thaw. It does not wake
an uninterruptible wait, a stop or a traced stop.

The cgroup core. A [Hierarchy] is a tree of [Cgroup] directories, each holding
tasks, with control files: tasks in every cgroup, freezer.state in every cgroup
but the root. A [Subsystem] is bound to the hierarchy and gets hooks: create,
destroy and populate (its control files) for cgroups; can_fork and fork, can
attach and attach, and exit for tasks. The freezer is one subsystem among
those a user may write, through the same exported interface.

The freezer's state machine. Each non-root cgroup is RUNNING, FREEZING or
FROZEN ([State]). A task is frozen enough when it is frozen, or when it has a
freeze request and is stopped, traced or a vfork parent: it will freeze the
moment it resumes. A task cannot freeze now when it is in an uninterruptible
wait or is [NoFreeze]. The cgroup keeps, in one atomic word, how many tasks it
has and how many are frozen enough, so a read is O(1):

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

After EBUSY the cgroup stays FREEZING until one of the patch's three ways out:
a write of RUNNING cancels, a write of FROZEN retries, or the tasks that
blocked it leave (exit or move out), and the next read says FROZEN.

A child forked in a FREEZING cgroup gets a freeze request before it runs and
freezes before any of its own code. A task may be moved into a FREEZING cgroup
(it is not frozen by the move; the next write of FROZEN catches it) but not
into a FROZEN one, and a frozen-enough task may not be moved at all (EBUSY).

# Kernel names

	kernel                              here
	struct task_struct                  [Task]
	current                             the task's own goroutine
	struct cgroup                       [Cgroup]
	cgroupfs_root, mount                [Hierarchy], [New]
	struct cgroup_subsys                [Subsystem]
	struct cgroup_subsys_state          [Cgroup.SubsysState]
	struct cftype                       [File]
	cgroup_iter_start/next/end          [Cgroup.Tasks]
	cgroup_attach_task, tasks file      [Cgroup.Attach], writing tasks
	cgroup_mkdir, cgroup_rmdir          [Cgroup.Mkdir], [Cgroup.Remove], [Hierarchy.Mkdir], [Hierarchy.Rmdir]
	cgroup_lock (cgroup_mutex)          cgroupMutex, classCgroupMutex
	css_set_lock                        cssSetLock, classCSSSetLock
	task_lock                           Task.taskLock, classTaskLock
	sighand->siglock                    Task.sigLock, classSigLock
	rcu_read_lock sections              atomic loads (state, counters)
	struct freezer, freezer->lock       freezerCSS, freezerCSS.lock
	enum freezer_state                  [State]: [Running], [Freezing], [Frozen]
	freezer_create                      freezerSubsys.Create
	freezer_populate                    freezerSubsys.Populate
	freezer_can_attach                  freezerSubsys.CanAttach
	freezer_fork                        freezerSubsys.Fork (and CanFork)
	freezer_read                        freezerSubsys.read, [Cgroup.State]
	freezer_write, freezer_freeze       freezerSubsys.write, change; [Cgroup.Freeze], [Cgroup.Thaw]
	freezer_freeze_tasks                freezerSubsys.freezeTasksLocked
	freezer_unfreeze_tasks              freezerSubsys.unfreezeTasksLocked
	freezer_check_if_frozen             Cgroup.allFrozenEnough (a counter, not a walk)
	is_task_frozen_enough               Task.frozenEnoughLocked
	cgroup_frozen                       the state check in [Hierarchy.ThawProcesses]
	try_to_freeze                       [Task.TryToFreeze]
	refrigerator                        Task.refrigerator
	freeze_task, fake_signal_wake_up    Task.freezeTask, Task.setPendingLocked
	thaw_process                        Task.thawTask
	frozen(p), PF_FROZEN                [Task.Frozen]
	freezing(p), TIF_FREEZE             [Task.Freezing]
	freezer_should_skip, PF_FREEZER_SKIP  the vfork wait in [Task.Vfork]
	PF_NOFREEZE                         [NoFreeze]
	task_is_stopped_or_traced           'T' and 't' in [TaskStat]
	schedule_timeout_interruptible      [Task.Sleep], [Task.Wait]
	TASK_UNINTERRUPTIBLE waits          [Task.SleepUninterruptible], [Task.WaitUninterruptible]
	freeze_processes, thaw_processes    [Hierarchy.FreezeProcesses], [Hierarchy.ThawProcesses]
	lockdep                             [WithLockChecks], [LockOrderError]

# Lock ordering

The order is the patch's, declared once in locking.go, outermost first:

	cgroup_mutex → freezer->lock → css_set_lock → task_lock → siglock

cgroup_mutex is outermost because a write of freezer.state holds it from start
to end: no attach, mkdir, rmdir or other write can run meanwhile, which is what
keeps can_attach's answer valid until the move. freezer->lock serialises the
state changes of one cgroup, including the lazy FREEZING to FROZEN promotion
of a read, which does not take cgroup_mutex. css_set_lock comes next because
the freezer walks its tasks under it: a fork links its child and runs the fork
hooks under the same lock held for writing, so a fork and a write cannot
interleave (the review's race). task_lock guards a task's cgroup and freezer
flags, and siglock its signals and run state, so a wake-up cannot be lost
between a task's check and its park.

With [WithLockChecks] every acquisition is checked: taking a lock while holding
one that comes later panics with a [LockOrderError] naming both, as lockdep
would warn. No task parks while holding a library lock; frozen and stopped
tasks wait on channels, never on a mutex, so testing/synctest sees them as
durably blocked.

# Differences from the patch

The library follows the patch's intent where its posted code differs, and the
merged kernel's fixes where the review found a bug:

  - FROZEN means every task is frozen enough. The patch sets FROZEN as soon as
    no task reports busy, while tasks may still be on their way to the
    refrigerator. Here a write of FROZEN to a cgroup of running tasks returns
    with it FREEZING; it reads FROZEN once the last task has parked.
  - freezer.state reads end in a newline and are made whole, so a reader
    cannot see a torn state (the review's read_seq_string point).
  - The patch reads only the first 8 bytes of a write and terminates the
    buffer one byte late; here the whole write is matched, after trailing
    white space is stripped, exactly and case-sensitively.
  - The fork hook reads the state under the lock that writes hold (the review:
    "Racing against a concurrent write ... may be more of an issue"), and runs
    after the child is linked into its cgroup, as the 3.8 kernel does, so no
    child is missed by a write or frozen in a RUNNING cgroup.
  - can_attach also refuses a task that is frozen enough, which the merged
    kernel added: moving it would strand it frozen. A task moved out of a
    FREEZING cgroup loses its freeze request.
  - Stopped, traced and vfork-parent tasks with a freeze request count as
    frozen, resolving the patch's TODO ("check that we handle ptrace'd and
    vfork-ing tasks correctly") as mainline later did. When one resumes it is
    moved into the refrigerator under its own locks, so the cgroup never
    reads anything but FROZEN meanwhile.
  - Resume ([Hierarchy.ThawProcesses]) skips tasks in FREEZING as well as
    FROZEN cgroups: the 2010 fix of cgroup_frozen.
  - Spawning a task into a FROZEN cgroup fails with EBUSY, where the patch
    asserted it could not happen.
  - Invalid writes return EIO, as the posted patch does (2.6.28 final returned
    EINVAL).

# Why not SIGSTOP

A stop is visible: the stopped task's parent sees it through wait, a tracer
sees it, and the task itself sees SIGCONT. A program that uses stops for its
own purposes would have them undone, or would undo them, by a pause built on
the same signals. The freezer's request queues no signal and leaves no trace
the task can observe: an interrupted sleep resumes for its time left, a stopped
task stays stopped across a freeze and a thaw, and a task frozen while stopped
is frozen enough without being woken. That is why the freezer exists beside
SIGSTOP, and why here a [Task.Stop] and a freeze are independent: a thaw never
continues a stopped task, and a Continue during a freeze sends the task into
the refrigerator rather than back to work.
*/
package freezer
