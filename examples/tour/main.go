// Command tour walks through the cgroup freezer of the 2008 "Container
// Freezer" patch, scene by scene: freeze and thaw; EBUSY from a task in an
// uninterruptible wait and the ways out of FREEZING; fork and attach while
// FREEZING; the attach rules; stopped, traced and vfork tasks; a task that
// never freezes; system suspend and resume. Each scene prints what a person
// would type against cgroupfs and ps, and one line on what the kernel does
// there.
//
// With -versions it plays a chapter of its own instead: the three kernels
// side by side. Seven scenes (freeze and ps; a freeze that meets a task in an
// uninterruptible wait; words the file does not take; a parent frozen and a
// child thawed; mkdir under a frozen parent; moves in and out of a frozen
// cgroup; a kill of a frozen task) each run three times, on a fresh hierarchy
// made with freezer.WithVersion for the 2008 patch, the mainline cgroup v1
// freezer and the cgroup v2 freezer, one after another. Each run writes and
// reads that kernel's own files (freezer.state, or cgroup.freeze and
// cgroup.events) and ends with a line on what that kernel does and why.
//
//	go run ./examples/tour                 # the walk-through
//	go run ./examples/tour -versions       # the chapter of the three kernels
//	go run ./examples/tour -debug          # plus every freezer event, as slog debug records on stderr
//	go run ./examples/tour -trace t.out    # plus a runtime trace: go tool trace t.out
//	go run ./examples/tour -observe        # both: debug records, and tour.trace
//
// In the trace each scene is a region of the "tour" task, and each stay of a
// task in the refrigerator is a "freezer.refrigerator" region on the task's
// goroutine.
//
// The output is the same on every run: PIDs are handed out in order, and
// before it prints anything the tour waits for the state it is about to show
// (with WaitFrozen, or by polling a task's Stat with a deadline).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/internal/sh"
)

func main() {
	debug := flag.Bool("debug", false, "log every freezer event to stderr (slog, debug level)")
	traceFile := flag.String("trace", "", "write a runtime/trace of the tour to `file`")
	observe := flag.Bool("observe", false, "turn both on: -debug, and -trace tour.trace unless -trace names a file")
	versions := flag.Bool("versions", false, "play the chapter of the three kernels instead: chosen scenes on the patch2008, v1 and v2 freezers, one after another")
	flag.Parse()
	if *observe {
		*debug = true
		if *traceFile == "" {
			*traceFile = "tour.trace"
		}
	}

	var logw io.Writer
	if *debug {
		logw = os.Stderr
	}
	if err := run(os.Stdout, logw, *traceFile, *versions); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

// run plays the tour to w: the walk-through of the patch or, with versions
// set, the chapter of the three kernels. With logw set it logs the freezer's
// events there; with traceFile set it writes a runtime trace. Extra options
// (the test adds WithLockChecks) go to every New.
func run(w io.Writer, logw io.Writer, traceFile string, versions bool, opts ...freezer.Option) error {
	if logw != nil {
		log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
		opts = append(opts, freezer.WithLogger(log))
	}
	if traceFile != "" {
		f, err := os.Create(traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx, task := trace.NewTask(ctx, "tour")
	defer task.End()

	tr := &tour{w: w, ctx: ctx, opts: opts}
	if versions {
		tr.playVersions()
		return tr.err
	}
	tr.h = freezer.New(opts...)
	tr.play()
	tr.shutdown()
	return tr.err
}

type tour struct {
	w      io.Writer
	ctx    context.Context
	opts   []freezer.Option // for every hierarchy the tour makes
	h      *freezer.Hierarchy
	err    error // the first step that did not go as the tour expects
	region *trace.Region
}

// shutdown ends the tour's hierarchy, keeping the first error.
func (tr *tour) shutdown() {
	if err := tr.h.Shutdown(tr.ctx); err != nil && tr.err == nil {
		tr.err = err
	}
}

func (tr *tour) play() {
	h := tr.h

	tr.scene("1. A hierarchy and a cgroup",
		"Mounting the hierarchy makes the root cgroup; freezer_create gives each new cgroup a struct freezer in state RUNNING, and freezer_populate adds freezer.state to every cgroup but the root (as merged; the posted patch gave the root one too), so the root cannot be frozen.")
	tr.sh("mkdir /jobs")
	tr.sh("ls /")
	tr.sh("ls /jobs")
	tr.sh("cat /jobs/freezer.state")
	jobs := tr.lookup("/jobs")

	tr.scene("2. Freeze and thaw",
		"Writing FROZEN sets TIF_FREEZE on every task of the cgroup (freeze_task) and wakes the sleeping ones with a fake signal; each task parks in refrigerator() at its next try_to_freeze(), and the read that finds them all parked says FROZEN.")
	tr.note("start a CPU-bound worker and a task sleeping in nanosleep")
	worker := tr.spawn(jobs, "worker", busy)
	sleeper := tr.spawn(jobs, "sleeper", sleep)
	tr.settle()
	tr.sh("ps")
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.waitFrozen(jobs)
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("A task in the refrigerator shows as D, an uninterruptible sleep: no signal is queued, so nothing the task can see has happened to it.")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("thaw_process clears PF_FROZEN and wakes each task; the sleeper's nanosleep restarts for the time it had left.")

	tr.scene("3. EBUSY, and the ways out of FREEZING",
		"A task in TASK_UNINTERRUPTIBLE is not woken by the fake signal, so the write cannot finish the freeze. As the patch describes it, the write returns EBUSY and the cgroup stays partially frozen, FREEZING, until userspace cancels, retries, or the blocking task leaves.")
	io := make(chan struct{})
	tr.note("start a task waiting uninterruptibly for a disk read")
	disk := tr.spawn(jobs, "disk", func(t *freezer.Task) {
		for {
			t.WaitUninterruptible(io) // each receive from io completes one read
		}
	})
	tr.settle()
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.settle()
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	var be *freezer.BusyError
	err := jobs.Freeze()
	if errors.As(err, &be) {
		tr.gof("jobs.Freeze() = %v\nerrors.As finds a *freezer.BusyError; PIDs() = %v", err, be.PIDs())
	} else {
		tr.fail("jobs.Freeze() = %v, want a *BusyError", err)
	}

	tr.step("way out 1: cancel")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("Writing RUNNING thaws the frozen tasks and takes back the request the disk reader never honoured.")

	tr.step("way out 2: the blocking task leaves the cgroup")
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.settle()
	tr.sh("mkdir /io")
	tr.sh(fmt.Sprintf("echo %d > /io/tasks", disk.PID()))
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("can_attach lets a task that is not frozen move out; the move drops its freeze request, so it will not freeze in a cgroup that never asked, and the read finds every task left in /jobs frozen.")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.sh(fmt.Sprintf("echo %d > /jobs/tasks", disk.PID()))

	tr.step("way out 3: retry, once the blocking task is done")
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.settle()
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.note("the disk read completes")
	io <- struct{}{}
	tr.waitStat(disk, "frozen", func(st freezer.TaskStat) bool { return st.Frozen })
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.sh("cat /jobs/freezer.state")
	tr.kernel("The read ended the uninterruptible wait; the reader kept its request, so it froze at the safe point on its way back to user mode, and the retry finds nothing busy.")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()

	tr.scene("4. Fork and attach while FREEZING",
		"freezer_fork gives a child born in a FREEZING cgroup a freeze request before it first runs. The review found that reading the state there without a lock races with a write; here the hook runs after the child is linked into its cgroup, under css_set_lock, which a write's walk of the tasks takes too, as the kernel has done since 3.8.")
	fork := make(chan struct{})
	children := make(chan *freezer.Task, 1)
	var childRan atomic.Bool
	io2 := tr.lookup("/io")
	tr.note("start a shell in /io; it will fork when told to")
	shell := tr.spawn(io2, "shell", func(t *freezer.Task) {
		t.Wait(fork)
		child, err := t.Fork("child", func(t *freezer.Task) {
			childRan.Store(true)
			sleep(t)
		})
		if err == nil {
			children <- child
		}
		sleep(t)
	})
	tr.settle()
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.settle()
	tr.sh("cat /jobs/freezer.state")
	tr.sh(fmt.Sprintf("echo %d > /jobs/tasks", shell.PID()))
	tr.kernel("Moving a task into a FREEZING cgroup is allowed (Matt Helsley's answer to the review), and the move does not freeze it.")
	tr.note("the shell forks")
	close(fork)
	child := <-children
	tr.settle()
	tr.sh("ps")
	tr.gof("the child has run its own code: %v", childRan.Load())
	tr.note("the disk read completes")
	io <- struct{}{}
	tr.waitStat(disk, "frozen", func(st freezer.TaskStat) bool { return st.Frozen })
	tr.sh("cat /jobs/freezer.state")
	tr.kernel("Still FREEZING: the shell joined after the write and has no request. Retrying the write sends it one.")
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.waitFrozen(jobs)
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")

	tr.scene("5. The attach rules",
		"freezer_can_attach refuses a move into a FROZEN cgroup, and (as the merged kernel added) a move of a frozen task out of one, which would strand it frozen in a cgroup nobody will thaw; a fork into a FROZEN cgroup is refused too.")
	tr.note("start a visitor in /io")
	visitor := tr.spawn(io2, "visitor", sleep)
	tr.settle()
	tr.sh(fmt.Sprintf("echo %d > /jobs/tasks", visitor.PID()))
	tr.sh(fmt.Sprintf("echo %d > /io/tasks", worker.PID()))
	_, err = jobs.Spawn("late", sleep)
	tr.gof(`jobs.Spawn("late", ...) = %v`, err)
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()
	tr.gof("the child has run its own code: %v", childRan.Load())
	tr.note("tidy up: kill the shell, its child and the visitor, and move the disk reader to /io")
	tr.kill(shell, child, visitor)
	tr.sh(fmt.Sprintf("echo %d > /io/tasks", disk.PID()))
	tr.settle()
	tr.sh("ps")

	tr.scene("6. Stopped, traced and vfork tasks",
		"A task that is stopped, ptrace-stopped or a vfork parent waiting for its child cannot run, so once it has a freeze request it counts as frozen enough: it will enter the refrigerator the moment it resumes. The patch left these as a TODO; mainline settled them this way.")
	tr.step("stopped")
	tr.signal("STOP", sleeper)
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.waitFrozen(jobs)
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()
	tr.sh("ps")
	tr.kernel("The thaw leaves the stopped task stopped: the freezer and job control do not undo each other.")
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.waitFrozen(jobs)
	tr.signal("CONT", sleeper)
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("SIGCONT during a freeze: the task resumes only to enter the refrigerator (here in the same step), and the cgroup keeps reading FROZEN.")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()

	tr.step("traced")
	tr.note(fmt.Sprintf("a debugger attaches to %d: PTRACE_SEIZE, then PTRACE_INTERRUPT", sleeper.PID()))
	sleeper.Trace()
	tr.waitStat(sleeper, "in a traced stop", func(st freezer.TaskStat) bool { return st.State == 't' })
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.waitFrozen(jobs)
	tr.sh("ps")
	tr.note("the debugger detaches: PTRACE_DETACH")
	sleeper.Untrace()
	tr.settle()
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()

	tr.step("vfork")
	exec := make(chan struct{})
	tr.note("start a task that vforks a child; the child waits, then exits")
	parent := tr.spawn(jobs, "parent", func(t *freezer.Task) {
		t.Vfork("vchild", func(t *freezer.Task) { t.Wait(exec) })
		sleep(t)
	})
	vchild := tr.waitTask(parent.PID() + 1)
	tr.settle()
	tr.note("move the child to /io, leaving the parent alone with the others in /jobs")
	tr.sh(fmt.Sprintf("echo %d > /io/tasks", vchild.PID()))
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.waitFrozen(jobs)
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("The vfork parent is in D but marked PF_FREEZER_SKIP (freezer_should_skip): it cannot run until its child is gone, so it does not hold up the freeze.")
	tr.note("the child exits")
	close(exec)
	tr.wait(vchild)
	tr.waitStat(parent, "frozen", func(st freezer.TaskStat) bool { return st.Frozen })
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.kernel("The parent, released by its child's exit, went straight into the refrigerator.")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()

	tr.scene("7. A task that never freezes",
		"A task with PF_NOFREEZE, as most kernel threads of the time had, is never frozen, so the cgroup stays FREEZING while the task is in it, until it leaves, here by exiting. The posted code returned 0 here; the library returns EBUSY, as for any task that cannot freeze now.")
	tr.note("start a kernel-thread-like task with NoFreeze")
	kthread := tr.spawn(jobs, "kthread", sleep, freezer.NoFreeze())
	tr.settle()
	tr.sh("echo FROZEN > /jobs/freezer.state")
	tr.settle()
	tr.sh("cat /jobs/freezer.state")
	tr.sh("ps")
	tr.signal("KILL", kthread)
	tr.sh("cat /jobs/freezer.state")
	tr.kernel("The task that blocked the freeze has left the cgroup's set of tasks: the third way out of FREEZING.")

	tr.scene("8. System suspend and resume",
		"freeze_processes (patch 4/4) freezes every freezable task before a suspend, retrying while some are busy; thaw_processes at resume skips the tasks of FROZEN cgroups (cgroup_frozen, widened in 2010 to FREEZING as well), so resume never undoes a freeze the user asked for.")
	tr.sh("cat /jobs/freezer.state")
	tr.note("suspend: freeze_processes(); the disk reader holds it up until its read completes")
	suspended := make(chan error, 1)
	go func() { suspended <- h.FreezeProcesses(tr.ctx) }()
	tr.waitStat(disk, "a freeze request", func(st freezer.TaskStat) bool { return st.Freezing })
	io <- struct{}{}
	if err := <-suspended; err != nil {
		tr.fail("FreezeProcesses: %v", err)
	}
	tr.settle()
	tr.sh("ps")
	tr.sh("cat /io/freezer.state")
	tr.kernel("The system freeze is not a cgroup freeze: /io still reads RUNNING while its task is frozen.")
	tr.note("resume: thaw_processes()")
	h.ThawProcesses()
	tr.settle()
	tr.sh("ps")
	tr.sh("cat /jobs/freezer.state")
	tr.sh("echo RUNNING > /jobs/freezer.state")
	tr.settle()
	tr.sh("ps")

	tr.scene("9. Shutdown",
		"Shutdown kills every task and thaws every cgroup; a frozen task dies once thawed, a task in D once its wait ends.")
	tr.note("the disk reader's device goes away: its waits end at once from now on")
	close(io)
	if err := h.Shutdown(tr.ctx); err != nil {
		tr.fail("Shutdown: %v", err)
	}
	tr.sh("cat /jobs/tasks")
	tr.sh("cat /io/tasks")
	tr.sh("rmdir /io")
	tr.sh("rmdir /jobs")
	tr.sh("ls /")
	tr.endRegion()
}

// busy is a CPU-bound task: it freezes only at the safe point of each loop.
func busy(t *freezer.Task) {
	for {
		t.TryToFreeze()
		runtime.Gosched()
	}
}

// sleep sleeps in interruptible, freezable waits for ever.
func sleep(t *freezer.Task) {
	for {
		t.Sleep(time.Hour)
	}
}

// scene starts a scene: a heading, and what the kernel does in it.
func (tr *tour) scene(title, kernel string) {
	tr.heading(title)
	tr.kernel(kernel)
}

// heading starts a scene's trace region and prints its title.
func (tr *tour) heading(title string) {
	tr.endRegion()
	tr.region = trace.StartRegion(tr.ctx, "scene "+title)
	fmt.Fprintf(tr.w, "\n== %s\n", title)
}

func (tr *tour) endRegion() {
	if tr.region != nil {
		tr.region.End()
		tr.region = nil
	}
}

func (tr *tour) step(title string) { fmt.Fprintf(tr.w, "\n-- %s\n", title) }

// kernel prints a line on what the kernel does.
func (tr *tour) kernel(s string) { fmt.Fprintf(tr.w, "kernel: %s\n", s) }

// note prints what happens outside the shell, as a comment.
func (tr *tour) note(s string) { fmt.Fprintf(tr.w, "# %s\n", s) }

// gof prints what the Go program does or sees, indented as program output.
func (tr *tour) gof(format string, args ...any) {
	for _, line := range strings.Split(fmt.Sprintf(format, args...), "\n") {
		fmt.Fprintf(tr.w, "> %s\n", line)
	}
}

func (tr *tour) fail(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(tr.w, "!! %v\n", err)
	if tr.err == nil {
		tr.err = err
	}
}

// sh runs one shell command against the hierarchy's cgroupfs view and prints
// it and its output: mkdir, rmdir, ls, cat, echo WORD > FILE, ps.
func (tr *tour) sh(cmd string) {
	h, w := tr.h, tr.w
	fmt.Fprintf(w, "$ %s\n", cmd)
	f := strings.Fields(cmd)
	switch f[0] {
	case "mkdir":
		if err := h.Mkdir(f[1]); err != nil {
			fmt.Fprintf(w, "mkdir: cannot create directory '%s': %s\n", f[1], sh.Strerror(err))
		}
	case "rmdir":
		if err := h.Rmdir(f[1]); err != nil {
			fmt.Fprintf(w, "rmdir: failed to remove '%s': %s\n", f[1], sh.Strerror(err))
		}
	case "ls":
		c := tr.lookup(f[1])
		for _, k := range c.Children() {
			fmt.Fprintf(w, "%s/\n", k.Path()[len(strings.TrimSuffix(c.Path(), "/"))+1:])
		}
		for _, name := range c.Files() {
			fmt.Fprintln(w, name)
		}
	case "cat":
		b, err := h.ReadFile(f[1])
		if err != nil {
			fmt.Fprintf(w, "cat: %s: %s\n", f[1], sh.Strerror(err))
		}
		w.Write(b)
	case "echo": // echo WORD > FILE
		if err := h.WriteFile(f[3], []byte(f[1]+"\n")); err != nil {
			fmt.Fprintf(w, "write error: %s\n", sh.Strerror(err))
		}
	case "ps":
		sh.PS(w, h)
	default:
		tr.fail("unknown command %q", cmd)
	}
}

func (tr *tour) lookup(path string) *freezer.Cgroup {
	c, err := tr.h.Lookup(path)
	if err != nil {
		tr.fail("%v", err)
		return tr.h.Root()
	}
	return c
}

func (tr *tour) spawn(c *freezer.Cgroup, name string, fn func(*freezer.Task), opts ...freezer.TaskOption) *freezer.Task {
	t, err := c.Spawn(name, fn, opts...)
	if err != nil {
		tr.fail("spawn %s: %v", name, err)
	}
	return t
}

// waitTask waits for the task with the given PID to exist, as a vfork child
// made by another goroutine.
func (tr *tour) waitTask(pid int) *freezer.Task {
	var t *freezer.Task
	tr.await("task "+strconv.Itoa(pid), func() bool {
		var ok bool
		t, ok = tr.h.Task(pid)
		return ok
	})
	return t
}

func (tr *tour) waitFrozen(c *freezer.Cgroup) {
	if err := c.WaitFrozen(tr.ctx); err != nil {
		tr.fail("WaitFrozen(%s): %v", c.Path(), err)
	}
}

func (tr *tour) waitStat(t *freezer.Task, what string, cond func(freezer.TaskStat) bool) {
	tr.await(fmt.Sprintf("%s (%d) %s", t.Name(), t.PID(), what), func() bool { return cond(t.Stat()) })
}

// wait waits for t to exit.
func (tr *tour) wait(t *freezer.Task) {
	select {
	case <-t.Done():
	case <-tr.ctx.Done():
		tr.fail("%s (%d) did not exit", t.Name(), t.PID())
	}
}

// signal sends sig to t as kill(1) would and waits until it has taken
// effect: KILL until t has exited, STOP until it is stopped, CONT until it
// is at rest again.
func (tr *tour) signal(sig string, t *freezer.Task) {
	fmt.Fprintf(tr.w, "$ kill -%s %d\n", sig, t.PID())
	switch sig {
	case "KILL":
		t.Kill()
		tr.wait(t)
	case "STOP":
		t.Stop()
		tr.waitStat(t, "stopped", func(st freezer.TaskStat) bool { return st.State == 'T' })
	case "CONT":
		t.Continue()
		tr.settle()
	}
}

func (tr *tour) kill(ts ...*freezer.Task) {
	fmt.Fprint(tr.w, "$ kill -KILL")
	for _, t := range ts {
		fmt.Fprintf(tr.w, " %d", t.PID())
	}
	fmt.Fprintln(tr.w)
	for _, t := range ts {
		t.Kill()
	}
	for _, t := range ts {
		tr.wait(t)
	}
}

// settle waits until every task is at rest, so that what the tour prints next
// is the same on every run: no task is on its way into the refrigerator or
// into a stop, and each is in its resting state (a sleeper sleeping rather
// than between two sleeps). A task that has a freeze request and could
// honour it is not at rest. A cgroup's state needs no wait of its own: a
// read shows every task that has settled.
func (tr *tour) settle() {
	tr.await("every task to settle", func() bool {
		for _, t := range sh.Tasks(tr.h) {
			if !atRest(t.Stat()) {
				return false
			}
		}
		return true
	})
}

// atRest tells whether a task has nowhere to go by itself: frozen, stopped,
// traced, in D, or running without a freeze request. A busy task is always
// 'R'; the others rest in 'S'.
func atRest(st freezer.TaskStat) bool {
	switch {
	case st.Frozen, st.State == 'Z', st.State == 'D', st.State == 'T', st.State == 't':
		return true
	case st.Freezing:
		return false
	case st.State == 'R':
		return st.Name == "worker"
	}
	return true
}

// await polls cond with a deadline: the tour has no event for a task's state
// letter. The deadline only bounds a broken run.
func (tr *tour) await(what string, cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tr.fail("timed out waiting for %s", what)
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}
