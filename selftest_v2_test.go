package freezer_test

// Ports of the kernel's cgroup v2 freezer selftests
// (tools/testing/selftests/cgroup/test_freezer.c in torvalds/linux, described
// in /work/shared/reference/peer-tests.md section A) on V2 hierarchies, in
// the selftest's own terms: cgroup paths, cgroup.freeze, cgroup.events,
// cgroup.procs, cgroup.kill and cgroup.stat.local, through the path API, with
// the typed calls as a cross-check. A selftest process is a Task, and the
// selftest's helpers from cgroup_util.c are the methods of sv2FS. Every
// private name here starts with "sv2"; the fork bomb and a few checks are
// peer_test.go's, shared with the patch's ports there.
//
// Differences common to every port:
//   - cg_run_nowait clones the child straight into the cgroup where the
//     kernel can (CLONE_INTO_CGROUP) and otherwise forks a child that writes
//     its own PID to cgroup.procs; the port always takes the second way: the
//     task is spawned in the root and attaches itself.
//   - child_fn sleeps until it is reparented, that is until the test process
//     dies; a task here sleeps until it is killed (cgroup.kill, or the
//     hierarchy's Shutdown when the test ends, which stands for the
//     selftest's cleanup unless the test makes cg_destroy a step).
//   - cg_wait_for_proc_count polls for about a second; the port waits with
//     a deadline for the same condition (in a bubble, until every goroutine
//     is blocked, then checks once).
//   - cg_freeze_wait's poll(2) retries for ever; the port's wait ends after
//     sv2Timeout, and it checks the value the notification carries as well as
//     the read of cgroup.events that follows it.
//   - SIGSTOP is Task.Stop; PTRACE_SEIZE with PTRACE_INTERRUPT is Task.Trace,
//     and PTRACE_DETACH Task.Untrace; the tracer's waitpid and
//     PTRACE_GETSIGINFO, which need the tracee in a traced stop, are checks
//     that Task.Stat shows 't'; /proc/PID/stat is Task.Stat.

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
)

const (
	// sv2Timeout bounds every wait for a notification of cgroup.events: the
	// ten seconds of cg_wait_for's poll(2), which the selftest retries for
	// ever.
	sv2Timeout = 10 * time.Second

	// sv2Syscall is the fake time that one access of a control file takes in
	// the frozen-time tests' synctest bubbles. There no time passes between
	// two calls unless a goroutine sleeps, while each of the kernel's system
	// calls takes some, and several of the selftest's strict comparisons
	// rely on that (read, unfreeze, read again: the second reading must be
	// larger). With it every reading is exact, and the time tests assert the
	// exact value, which satisfies the selftest's comparison.
	sv2Syscall = time.Microsecond
)

// sv2FS is the cgroupfs of a V2 hierarchy as the selftest's helpers use it.
// In a bubble (the frozen-time tests) every access of a control file first
// spends sv2Syscall of fake time. Its methods are for the test's goroutine.
type sv2FS struct {
	t      *testing.T
	h      *freezer.Hierarchy
	bubble bool
}

// sv2Mount mounts a V2 hierarchy, shut down when the test ends.
func sv2Mount(t *testing.T) *sv2FS {
	return &sv2FS{t: t, h: newHierarchy(t, freezer.WithVersion(freezer.V2))}
}

// sv2MountBubble is sv2Mount inside a synctest bubble, where newHierarchy's
// cleanup runs before synctest.Test returns.
func sv2MountBubble(t *testing.T) *sv2FS {
	fs := sv2Mount(t)
	fs.bubble = true
	return fs
}

// sv2Bubble runs test in a synctest bubble, on a V2 hierarchy mounted
// there with sv2MountBubble.
func sv2Bubble(t *testing.T, test func(t *testing.T, fs *sv2FS)) {
	synctest.Test(t, func(t *testing.T) { test(t, sv2MountBubble(t)) })
}

// syscall spends the time an access of a control file takes, in a bubble.
func (fs *sv2FS) syscall() {
	if fs.bubble {
		time.Sleep(sv2Syscall)
	}
}

// create is cg_create: mkdir.
func (fs *sv2FS) create(path string) *freezer.Cgroup {
	fs.t.Helper()
	fs.syscall()
	if err := fs.h.Mkdir(path); err != nil {
		fs.t.Fatalf("cg_create(%s): %v", path, err)
	}
	c, err := fs.h.Lookup(path)
	if err != nil {
		fs.t.Fatalf("Lookup(%s): %v", path, err)
	}
	return c
}

// destroy is cg_destroy on an empty cgroup: rmdir, which must succeed (the
// selftest's loop would kill and retry on EBUSY; here nothing is left to
// kill).
func (fs *sv2FS) destroy(c *freezer.Cgroup) {
	fs.t.Helper()
	fs.syscall()
	if err := fs.h.Rmdir(c.Path()); err != nil {
		fs.t.Fatalf("cg_destroy(%s): %v", c.Path(), err)
	}
}

// read is cg_read of c's file.
func (fs *sv2FS) read(c *freezer.Cgroup, file string) string {
	fs.t.Helper()
	fs.syscall()
	b, err := fs.h.ReadFile(c.Path() + "/" + file)
	if err != nil {
		fs.t.Fatalf("cg_read(%s, %s): %v", c.Path(), file, err)
	}
	return string(b)
}

// write is cg_write to c's file.
func (fs *sv2FS) write(c *freezer.Cgroup, file, data string) {
	fs.t.Helper()
	fs.syscall()
	if err := fs.h.WriteFile(c.Path()+"/"+file, []byte(data)); err != nil {
		fs.t.Fatalf("cg_write(%s, %s, %q): %v", c.Path(), file, data, err)
	}
}

// sv2EventsText is what cgroup.events reads for ev.
func sv2EventsText(ev freezer.Events) string {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	return fmt.Sprintf("populated %d\nfrozen %d\n", b(ev.Populated), b(ev.Frozen))
}

// events reads c's cgroup.events, which must be in the kernel's format.
func (fs *sv2FS) events(c *freezer.Cgroup) freezer.Events {
	fs.t.Helper()
	s := fs.read(c, "cgroup.events")
	for _, ev := range []freezer.Events{{}, {Frozen: true}, {Populated: true}, {Populated: true, Frozen: true}} {
		if s == sv2EventsText(ev) {
			return ev
		}
	}
	fs.t.Fatalf("%s/cgroup.events reads %q, want \"populated N\\nfrozen N\\n\"", c.Path(), s)
	return freezer.Events{}
}

// checkFrozen is cg_check_frozen: cgroup.events says frozen f.
func (fs *sv2FS) checkFrozen(c *freezer.Cgroup, f bool) {
	fs.t.Helper()
	if ev := fs.events(c); ev.Frozen != f {
		fs.t.Fatalf("cg_check_frozen(%s, %v): cgroup.events reads %q", c.Path(), f, sv2EventsText(ev))
	}
}

// wantEvents checks the whole of c's cgroup.events.
func (fs *sv2FS) wantEvents(c *freezer.Cgroup, want freezer.Events) {
	fs.t.Helper()
	if got := fs.events(c); got != want {
		fs.t.Fatalf("%s/cgroup.events reads %q, want %q", c.Path(), sv2EventsText(got), sv2EventsText(want))
	}
}

// freezeNowait is cg_freeze_nowait: write 1 or 0 to cgroup.freeze.
func (fs *sv2FS) freezeNowait(c *freezer.Cgroup, f bool) {
	fs.t.Helper()
	v := "0"
	if f {
		v = "1"
	}
	fs.write(c, "cgroup.freeze", v)
}

// sv2Watch is an open watch on a cgroup's cgroup.events: the inotify file
// descriptor of cg_prepare_for_wait, whose waits end sv2Timeout after it was
// opened.
type sv2Watch struct {
	c      *freezer.Cgroup
	next   func() (freezer.Events, bool)
	stop   func()
	cancel context.CancelFunc
}

// watch is cg_prepare_for_wait: it takes the current value of c's events, so
// that the next wait returns at the first notification after this call.
func (fs *sv2FS) watch(c *freezer.Cgroup) *sv2Watch {
	fs.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sv2Timeout)
	next, stop := iter.Pull(c.WatchEvents(ctx))
	w := &sv2Watch{c: c, next: next, stop: stop, cancel: cancel}
	if _, ok := next(); !ok {
		w.close()
		fs.t.Fatalf("cg_prepare_for_wait(%s): WatchEvents yields nothing", c.Path())
	}
	return w
}

func (w *sv2Watch) close() {
	w.stop()
	w.cancel()
}

// wait is cg_wait_for: the value of the next notification.
func (fs *sv2FS) wait(w *sv2Watch) freezer.Events {
	fs.t.Helper()
	ev, ok := w.next()
	if !ok {
		fs.t.Fatalf("cg_wait_for(%s): no notification of cgroup.events within %v", w.c.Path(), sv2Timeout)
	}
	return ev
}

// freezeWait is cg_freeze_wait: watch cgroup.events, write cgroup.freeze,
// wait for the first notification, and check that it says frozen f, and so
// does a read of cgroup.events.
func (fs *sv2FS) freezeWait(c *freezer.Cgroup, f bool) {
	fs.t.Helper()
	w := fs.watch(c)
	defer w.close()
	fs.freezeNowait(c, f)
	if ev := fs.wait(w); ev.Frozen != f {
		fs.t.Fatalf("cg_freeze_wait(%s, %v): the first notification shows %q", c.Path(), f, sv2EventsText(ev))
	}
	fs.checkFrozen(c, f)
}

// enter is cg_enter: write pid to c's cgroup.procs.
func (fs *sv2FS) enter(c *freezer.Cgroup, pid int) {
	fs.t.Helper()
	fs.write(c, "cgroup.procs", strconv.Itoa(pid))
}

// enterAndWaitForFrozen is cg_enter_and_wait_for_frozen: move pid into c and
// wait until c is frozen f, passing over transient notifications. The
// selftest waits for ten notifications and lets its tenth check decide; as
// its inotify queue is never drained, that is the first notification and
// ten reads right after it. The port waits for up to ten notifications
// until one says frozen f, then checks cgroup.events.
func (fs *sv2FS) enterAndWaitForFrozen(c *freezer.Cgroup, pid int, f bool) {
	fs.t.Helper()
	w := fs.watch(c)
	defer w.close()
	fs.enter(c, pid)
	for n := 1; ; n++ {
		ev := fs.wait(w)
		if ev.Frozen == f {
			break
		}
		if n == 10 {
			fs.t.Fatalf("cg_enter_and_wait_for_frozen(%s, %d, %v): ten notifications, the last %q",
				c.Path(), pid, f, sv2EventsText(ev))
		}
	}
	fs.checkFrozen(c, f)
}

// waitEvents waits, within sv2Timeout, until c's events satisfy cond.
func (fs *sv2FS) waitEvents(c *freezer.Cgroup, what string, cond func(freezer.Events) bool) {
	fs.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sv2Timeout)
	defer cancel()
	var last freezer.Events
	for ev := range c.WatchEvents(ctx) {
		if cond(ev) {
			return
		}
		last = ev
	}
	fs.t.Fatalf("%s: %s/cgroup.events still %q after %v", what, c.Path(), sv2EventsText(last), sv2Timeout)
}

// killall is cg_killall where cgroup.kill exists: write 1 to it.
func (fs *sv2FS) killall(c *freezer.Cgroup) {
	fs.t.Helper()
	fs.write(c, "cgroup.kill", "1")
}

// procCount is the number of lines of c's cgroup.procs.
func (fs *sv2FS) procCount(c *freezer.Cgroup) int {
	fs.t.Helper()
	return strings.Count(fs.read(c, "cgroup.procs"), "\n")
}

// waitForProcCount is cg_wait_for_proc_count: until c's cgroup.procs lists
// at least n processes. In a bubble it waits until every other goroutine is
// blocked, then checks once: polling would move the fake clock.
func (fs *sv2FS) waitForProcCount(c *freezer.Cgroup, n int) {
	fs.t.Helper()
	if fs.bubble {
		synctest.Wait()
		if got := fs.procCount(c); got < n {
			fs.t.Fatalf("cg_wait_for_proc_count(%s, %d): %d processes", c.Path(), n, got)
		}
		return
	}
	waitFor(fs.t, fmt.Sprintf("%d processes in %s", n, c.Path()), func() bool { return fs.procCount(c) >= n })
}

// runNowait is cg_run_nowait by fork: a task spawned in the root writes its
// own PID to c's cgroup.procs, then runs fn; if the write fails it exits, as
// the selftest's child does with EXIT_FAILURE.
func (fs *sv2FS) runNowait(c *freezer.Cgroup, fn func(*freezer.Task)) *freezer.Task {
	fs.t.Helper()
	t, h, procs := fs.t, fs.h, c.Path()+"/cgroup.procs"
	tk, err := h.Root().Spawn("test_freezer", func(tk *freezer.Task) {
		if err := h.WriteFile(procs, []byte(strconv.Itoa(tk.PID()))); err != nil {
			t.Errorf("task %d: cg_write(%s): %v", tk.PID(), procs, err)
			return
		}
		fn(tk)
	})
	if err != nil {
		t.Fatalf("cg_run_nowait(%s): %v", c.Path(), err)
	}
	return tk
}

// runChild is cg_run_nowait of child_fn into the empty cgroup c, then
// cg_wait_for_proc_count(c, 1).
func (fs *sv2FS) runChild(c *freezer.Cgroup) *freezer.Task {
	fs.t.Helper()
	tk := fs.runNowait(c, sv2ChildFn)
	fs.waitForProcCount(c, 1)
	return tk
}

// createWithChild is cg_create of path, then runChild there.
func (fs *sv2FS) createWithChild(path string) (*freezer.Cgroup, *freezer.Task) {
	fs.t.Helper()
	c := fs.create(path)
	return c, fs.runChild(c)
}

// frozenTime is cg_check_freezetime: cgroup.stat.local's frozen_usec, which
// must read as FrozenTime says. For bubbles only, where no time passes
// between the two.
func (fs *sv2FS) frozenTime(c *freezer.Cgroup) time.Duration {
	fs.t.Helper()
	s := fs.read(c, "cgroup.stat.local")
	d, err := c.FrozenTime()
	if err != nil {
		fs.t.Fatalf("FrozenTime(%s): %v", c.Path(), err)
	}
	if want := fmt.Sprintf("frozen_usec %d\n", d.Microseconds()); s != want {
		fs.t.Fatalf("%s/cgroup.stat.local reads %q; FrozenTime is %v, so want %q", c.Path(), s, d, want)
	}
	return d
}

// createTimed is cg_create of path, then a frozenTime, which stands for the
// time tests' first check of the new cgroup: that the kernel has
// cgroup.stat.local.
func (fs *sv2FS) createTimed(path string) *freezer.Cgroup {
	fs.t.Helper()
	c := fs.create(path)
	fs.frozenTime(c)
	return c
}

// wantTime checks c's frozen time at the step named what (which says the
// selftest's own comparison) against the exact value the fake clock gives.
func (fs *sv2FS) wantTime(c *freezer.Cgroup, what string, want time.Duration) time.Duration {
	fs.t.Helper()
	got := fs.frozenTime(c)
	if got != want {
		fs.t.Errorf("%s: %s frozen for %v, want exactly %v", what, c.Path(), got, want)
	}
	return got
}

// sv2ChildFn is child_fn: it sleeps in 1 ms steps for as long as it lives.
func sv2ChildFn(tk *freezer.Task) {
	for {
		tk.Sleep(time.Millisecond)
	}
}

// sv2WantFrozenTask checks that tk is frozen, showing 'S' as v2's freezer
// trap does.
func sv2WantFrozenTask(t *testing.T, what string, tk *freezer.Task) {
	t.Helper()
	if st := tk.Stat(); !st.Frozen || st.State != 'S' {
		t.Fatalf("%s: task %+v (State %q), want frozen in S", what, st, st.State)
	}
}

// sv2WantLetterNow checks that tk's /proc state letter is letter now (a
// traced stop 't', a stop 'T'), and stops the test if not.
func sv2WantLetterNow(t *testing.T, what string, tk *freezer.Task, letter byte) {
	t.Helper()
	if st := tk.Stat(); st.State != letter {
		t.Fatalf("%s: the process is %+v (State %q), want %q", what, st, st.State, letter)
	}
}

// TestSelftestV2Simple ports test_cgfreezer_simple: a cgroup of 100 child_fn
// processes is not frozen, the first notification after writing 1 to
// cgroup.freeze says frozen 1, and the first after writing 0 says frozen 0.
// Beyond the selftest, every task is seen frozen (in S) and then thawed.
func TestSelftestV2Simple(t *testing.T) {
	fs := sv2Mount(t)
	c := fs.create("/cg_test_simple")
	tasks := make([]*freezer.Task, 100)
	for i := range tasks {
		tasks[i] = fs.runNowait(c, sv2ChildFn)
	}
	fs.waitForProcCount(c, 100)
	fs.checkFrozen(c, false)

	fs.freezeWait(c, true)
	for i, tk := range tasks {
		sv2WantFrozenTask(t, fmt.Sprintf("process %d after the freeze", i), tk)
	}

	fs.freezeWait(c, false)
	for i, tk := range tasks {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Fatalf("process %d after the unfreeze: %+v", i, st)
		}
	}
}

// TestSelftestV2Tree ports test_cgfreezer_tree on A{B{C,D}, E{F{G{H}}}, I, K}
// with a process in C, one in H and three in K: freezing B, F, then G
// (already frozen through F: the write changes nothing effective, yet
// notifies) leaves A and E unfrozen; freezing A freezes B and E too;
// unfreezing B, F and G leaves C and H frozen by A; unfreezing A thaws C and
// K.
func TestSelftestV2Tree(t *testing.T) {
	fs := sv2Mount(t)
	cA := fs.create("/cg_test_tree_A")
	cB := fs.create("/cg_test_tree_A/B")
	cC := fs.create("/cg_test_tree_A/B/C")
	fs.create("/cg_test_tree_A/B/D")
	cE := fs.create("/cg_test_tree_A/E")
	cF := fs.create("/cg_test_tree_A/E/F")
	cG := fs.create("/cg_test_tree_A/E/F/G")
	cH := fs.create("/cg_test_tree_A/E/F/G/H")
	fs.create("/cg_test_tree_A/I")
	cK := fs.create("/cg_test_tree_A/K")

	fs.runNowait(cC, sv2ChildFn)
	fs.runNowait(cH, sv2ChildFn)
	for range 3 {
		fs.runNowait(cK, sv2ChildFn)
	}
	fs.waitForProcCount(cC, 1)
	fs.waitForProcCount(cH, 1)
	fs.waitForProcCount(cK, 3)

	fs.freezeWait(cB, true)
	fs.freezeWait(cF, true)
	fs.freezeWait(cG, true)
	fs.checkFrozen(cA, false)
	fs.checkFrozen(cE, false)

	fs.freezeWait(cA, true)
	fs.checkFrozen(cB, true)
	fs.checkFrozen(cE, true)

	fs.freezeNowait(cB, false)
	fs.freezeNowait(cF, false)
	fs.freezeNowait(cG, false)
	fs.checkFrozen(cC, true)
	fs.checkFrozen(cH, true)

	fs.freezeWait(cA, false)
	fs.checkFrozen(cC, false)
	fs.checkFrozen(cK, false)
}

// TestSelftestV2Forkbomb ports test_cgfreezer_forkbomb: a fork bomb freezes,
// cgroup.kill then kills its frozen processes without a thaw, the cgroup
// empties and can be removed (the selftest's cg_destroy would spin for ever
// otherwise). The selftest's 100 ms for the bomb to go off becomes a wait
// for its four processes in the first round; in the rounds after it the
// freeze is written as soon as the first process is in the cgroup, racing
// the forks. Beyond the selftest: every process is frozen when frozen 1 is
// notified, the cgroup still has cgroup.freeze 1 and reads frozen 1 once
// empty, and no fork fails.
func TestSelftestV2Forkbomb(t *testing.T) {
	fs := sv2Mount(t)
	for round := range peerRounds(10, 3) {
		c := fs.create("/cg_forkbomb_test")
		errs := make(chan error, 4)
		fs.runNowait(c, peerForkbomb("test_freezer", sv2ChildFn, errs)) // forkbomb_fn
		if round == 0 {
			fs.waitForProcCount(c, 4)
		} else {
			fs.waitForProcCount(c, 1)
		}

		fs.freezeWait(c, true)
		tasks := peerTasks(c)
		if len(tasks) < 1 || len(tasks) > 4 || round == 0 && len(tasks) != 4 {
			t.Fatalf("round %d: %d processes frozen, want 4 (1 to 4 when racing)", round, len(tasks))
		}
		for _, tk := range tasks {
			sv2WantFrozenTask(t, fmt.Sprintf("round %d", round), tk)
		}

		fs.killall(c)
		fs.waitEvents(c, fmt.Sprintf("round %d: kill of frozen processes", round),
			func(ev freezer.Events) bool { return !ev.Populated })
		waitDone(t, tasks...)
		if n := fs.procCount(c); n != 0 {
			t.Fatalf("round %d: cg_wait_for_proc_count(0): %d processes left", round, n)
		}
		if got := fs.read(c, "cgroup.freeze"); got != "1\n" {
			t.Fatalf("round %d: cgroup.freeze reads %q after the kill, want \"1\\n\" (never thawed)", round, got)
		}
		if ev := fs.events(c); ev != (freezer.Events{Frozen: true}) {
			t.Fatalf("round %d: every killed process reaped, cgroup.events reads %q, want %q (empty, with cgroup.freeze 1)",
				round, sv2EventsText(ev), sv2EventsText(freezer.Events{Frozen: true}))
		}
		fs.destroy(c)
		peerNoForkError(t, round, errs)
	}
}

// TestSelftestV2Mkdir ports test_cgfreezer_mkdir: under a frozen parent a new
// child is frozen, and a process that attaches itself to the child freezes,
// leaving child and parent frozen. The selftest checks the child at once once
// the process is listed, relying on the process trapping on its way back
// from its write before the test reads; the port waits, with a deadline, for
// the child to say frozen 1, then checks both. Beyond the selftest: the new
// child reads frozen 1 before the process arrives, and the process shows
// frozen in S.
func TestSelftestV2Mkdir(t *testing.T) {
	fs := sv2Mount(t)
	parent := fs.create("/cg_test_mkdir_A")
	fs.freezeWait(parent, true)
	child := fs.create("/cg_test_mkdir_A/cg_test_mkdir_B")
	fs.wantEvents(child, freezer.Events{Frozen: true})

	tk := fs.runChild(child)
	fs.waitEvents(child, "the process attached to a frozen child freezes",
		func(ev freezer.Events) bool { return ev.Populated && ev.Frozen })
	fs.checkFrozen(child, true)
	fs.checkFrozen(parent, true)
	sv2WantFrozenTask(t, "process in the child", tk)
}

// TestSelftestV2Rmdir ports test_cgfreezer_rmdir: with parent and empty
// child frozen through the parent, removing the child leaves the parent
// frozen, and a child made again is frozen at once.
func TestSelftestV2Rmdir(t *testing.T) {
	fs := sv2Mount(t)
	parent := fs.create("/cg_test_rmdir_A")
	child := fs.create("/cg_test_rmdir_A/cg_test_rmdir_B")
	fs.freezeWait(parent, true)
	fs.destroy(child)
	fs.checkFrozen(parent, true)
	child = fs.create("/cg_test_rmdir_A/cg_test_rmdir_B")
	fs.checkFrozen(child, true)
}

// TestSelftestV2Migrate ports test_cgfreezer_migrate: a process moves from A
// (running) to B (frozen) and freezes there, A staying unfrozen; back to A,
// where it runs, B staying frozen though empty; then, with A frozen too, from
// A to B, both staying frozen. Beyond the selftest: the process's own state
// at each step.
func TestSelftestV2Migrate(t *testing.T) {
	fs := sv2Mount(t)
	a := fs.create("/cg_test_migrate_A")
	b := fs.create("/cg_test_migrate_B")
	tk := fs.runChild(a)

	// A (running) -> B (frozen).
	fs.freezeWait(b, true)
	fs.enterAndWaitForFrozen(b, tk.PID(), true)
	fs.checkFrozen(a, false)
	sv2WantFrozenTask(t, "moved into frozen B", tk)

	// B (frozen) -> A (running).
	fs.enterAndWaitForFrozen(a, tk.PID(), false)
	fs.checkFrozen(b, true)
	waitFor(t, "the process moved out of frozen B thaws", func() bool {
		st := tk.Stat()
		return !st.Frozen && !st.Freezing
	})

	// A (frozen) -> B (frozen).
	fs.freezeWait(a, true)
	fs.enterAndWaitForFrozen(b, tk.PID(), true)
	fs.checkFrozen(a, true)
	sv2WantFrozenTask(t, "moved from frozen A to frozen B", tk)
}

// TestSelftestV2Ptrace ports test_cgfreezer_ptrace: a frozen process can be
// seized and interrupted (the tracer's waitpid returns: it is in a traced
// stop, 't'), can be asked for its siginfo (it is still in that stop) and
// detached, and its cgroup says frozen 1 while it is traced and after the
// detach. Beyond the selftest: after the detach the process is back in the
// freezer (frozen, S).
func TestSelftestV2Ptrace(t *testing.T) {
	fs := sv2Mount(t)
	c, tk := fs.createWithChild("/cg_test_ptrace")
	fs.freezeWait(c, true)

	tk.Trace() // PTRACE_SEIZE, PTRACE_INTERRUPT
	peerWaitLetter(t, tk, 't')
	fs.checkFrozen(c, true)
	// PTRACE_GETSIGINFO needs a tracee in a traced stop.
	sv2WantLetterNow(t, "PTRACE_GETSIGINFO", tk, 't')
	tk.Untrace() // PTRACE_DETACH
	fs.checkFrozen(c, true)
	sv2WantFrozenTask(t, "after the detach", tk)
}

// TestSelftestV2Stopped ports test_cgfreezer_stopped: a SIGSTOPped process
// does not make its cgroup frozen, the freeze says frozen 1, the unfreeze
// frozen 0, and the process is still stopped ('T') afterwards. The port waits
// for the stop to be taken before freezing, which the selftest's kill(2)
// leaves to the scheduler, so that the freeze always meets a stopped
// process. Beyond the selftest: the process shows T while frozen, as a v2
// kernel shows it.
func TestSelftestV2Stopped(t *testing.T) {
	fs := sv2Mount(t)
	c, tk := fs.createWithChild("/cg_test_stopped")

	tk.Stop() // kill(pid, SIGSTOP)
	peerWaitLetter(t, tk, 'T')
	fs.checkFrozen(c, false)

	fs.freezeWait(c, true)
	sv2WantLetterNow(t, "stopped process while frozen", tk, 'T')
	fs.freezeWait(c, false)
	sv2WantLetterNow(t, "proc_check_stopped", tk, 'T')
}

// TestSelftestV2Ptraced ports test_cgfreezer_ptraced: a process seized and
// interrupted before the freeze (a traced stop, 't') does not make its
// cgroup frozen, the freeze says frozen 1 (the traced process counts as
// frozen), the unfreeze frozen 0, and the tracer can still get its siginfo
// (it is still in the traced stop) and detach it, after which it runs.
func TestSelftestV2Ptraced(t *testing.T) {
	fs := sv2Mount(t)
	c, tk := fs.createWithChild("/cg_test_ptraced")

	tk.Trace()                 // PTRACE_SEIZE, PTRACE_INTERRUPT
	peerWaitLetter(t, tk, 't') // waitpid
	fs.checkFrozen(c, false)

	fs.freezeWait(c, true)
	fs.freezeWait(c, false)
	sv2WantLetterNow(t, "PTRACE_GETSIGINFO", tk, 't')
	tk.Untrace() // PTRACE_DETACH
	waitFor(t, "the detached process runs", func() bool {
		s := tk.Stat().State
		return s == 'S' || s == 'R'
	})
}

// TestSelftestV2Vfork ports test_cgfreezer_vfork: a process that vforks a
// child sleeping for ever (sleep(1) in a loop) waits for it, and the cgroup
// of the two still freezes: the vfork parent does not hold it up. Beyond the
// selftest: the child is frozen.
func TestSelftestV2Vfork(t *testing.T) {
	fs := sv2Mount(t)
	c := fs.create("/cg_test_vfork")
	parent := fs.runNowait(c, func(tk *freezer.Task) {
		if err := tk.Vfork("test_freezer", func(child *freezer.Task) {
			for {
				child.Sleep(time.Second)
			}
		}); err != nil {
			t.Errorf("vfork: %v", err)
		}
	})
	fs.waitForProcCount(c, 2)

	fs.freezeWait(c, true)
	for _, tk := range peerTasks(c) {
		if tk != parent {
			sv2WantFrozenTask(t, "vfork child", tk)
		}
	}
}

// The frozen-time tests run in synctest bubbles, where the selftest's sleeps
// are exact on the fake clock and every control-file access takes sv2Syscall
// (tick in the code, τ in the comments). The comments give the fake instant
// of each access, from the test's start. Every reading is checked against
// its exact value, which satisfies the selftest's comparison, named in the
// message; that is the deliberate difference of each time test.

// TestSelftestV2TimeEmpty ports test_cgfreezer_time_empty: an empty cgroup's
// frozen time is 0, at least 1000 µs after 1 ms frozen, larger after the
// unfreeze than before it, and unchanged after that.
func TestSelftestV2TimeEmpty(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const ms, tick = time.Millisecond, sv2Syscall
		c := fs.create("/cg_time_test_empty") // τ
		fs.wantTime(c, "1) new cgroup: 0", 0) // 2τ

		fs.freezeNowait(c, true) // 3τ
		time.Sleep(ms)
		fs.wantTime(c, "2) after 1 ms: at least 1000 us", ms+tick) // 4τ+1ms

		fs.freezeNowait(c, false)                                           // 5τ+1ms
		fs.wantTime(c, "3) after the unfreeze: more than at 2)", ms+2*tick) // 6τ+1ms
		fs.wantTime(c, "4) read again: unchanged", ms+2*tick)               // 7τ+1ms
	})
}

// TestSelftestV2TimeSimple ports test_cgfreezer_time_simple: as
// TimeEmpty, with one child_fn process, which does not start the clock, and
// 1 ms after the unfreeze the time is unchanged.
func TestSelftestV2TimeSimple(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const ms, tick = time.Millisecond, sv2Syscall
		c := fs.create("/cg_time_test_simple") // τ
		fs.wantTime(c, "1) new cgroup: 0", 0)  // 2τ

		fs.runNowait(c, sv2ChildFn)
		fs.wantTime(c, "2) populated: still 0", 0) // 3τ

		fs.freezeNowait(c, true) // 4τ
		time.Sleep(ms)
		fs.wantTime(c, "3) after 1 ms: at least 1000 us", ms+tick) // 5τ+1ms

		fs.freezeNowait(c, false)                                           // 6τ+1ms
		fs.wantTime(c, "4) after the unfreeze: more than at 3)", ms+2*tick) // 7τ+1ms

		time.Sleep(ms)
		fs.wantTime(c, "5) 1 ms later: unchanged", ms+2*tick) // 8τ+2ms
	})
}

// TestSelftestV2TimePopulate ports test_cgfreezer_time_populate: the frozen
// time stays 0 while 100 processes arrive, then grows at each step while the
// cgroup is frozen and 100 more arrive, stops at the unfreeze, does not move
// when the processes are killed, and grows by a freeze and unfreeze back to
// back.
func TestSelftestV2TimePopulate(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const tick = sv2Syscall
		c := fs.create("/cg_time_test_populate") // τ
		fs.wantTime(c, "new cgroup: 0", 0)       // 2τ

		for range 100 {
			fs.runNowait(c, sv2ChildFn)
		}
		fs.wantTime(c, "1) 100 processes started: 0", 0) // 3τ
		fs.waitForProcCount(c, 100)                      // 4τ
		fs.wantTime(c, "2) 100 processes in: 0", 0)      // 5τ

		fs.freezeNowait(c, true)                           // 6τ
		fs.wantTime(c, "3) frozen: more than at 2)", tick) // 7τ
		for range 100 {
			fs.runNowait(c, sv2ChildFn)
		}
		fs.wantTime(c, "3) 100 more started: more than before", 2*tick) // 8τ

		fs.waitForProcCount(c, 200)                                    // 9τ
		fs.wantTime(c, "4) 200 processes in: more than at 3)", 4*tick) // 10τ

		fs.freezeNowait(c, false)                                        // 11τ
		fs.wantTime(c, "5) after the unfreeze: more than at 4)", 5*tick) // 12τ

		fs.killall(c)                                          // 13τ
		fs.wantTime(c, "6) after the kill: unchanged", 5*tick) // 14τ

		fs.freezeNowait(c, true)                                                  // 15τ
		fs.freezeNowait(c, false)                                                 // 16τ
		fs.wantTime(c, "7) after a freeze and unfreeze: more than at 6)", 6*tick) // 17τ
	})
}

// TestSelftestV2TimeMigrate ports test_cgfreezer_time_migrate: a process
// moved out of frozen A into running B leaves B's frozen time at 0 while A's
// keeps growing.
func TestSelftestV2TimeMigrate(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const ms, tick = time.Millisecond, sv2Syscall
		a := fs.createTimed("/cg_time_test_migrate_A") // τ, the check at 2τ
		b := fs.create("/cg_time_test_migrate_B")      // 3τ
		tk := fs.runNowait(a, sv2ChildFn)
		fs.waitForProcCount(a, 1)        // 4τ
		fs.wantTime(a, "A before: 0", 0) // 5τ
		fs.wantTime(b, "B before: 0", 0) // 6τ

		fs.freezeWait(a, true)                          // 7τ, the check at 8τ
		fs.wantTime(a, "A frozen: more than 0", 2*tick) // 9τ

		fs.enter(b, tk.PID()) // 10τ
		time.Sleep(ms)
		fs.wantTime(b, "B 1 ms after the move: 0", 0)                        // 11τ+1ms
		fs.wantTime(a, "A 1 ms after the move: more than before", ms+5*tick) // 12τ+1ms
	})
}

// TestSelftestV2TimeParent ports test_cgfreezer_time_parent: a child made
// under a parent frozen for 1 ms is frozen and has less frozen time than the
// parent (its clock starts at its creation); with the child's own freeze
// set and the parent unfrozen, the child stays frozen, and 100 ms later has
// more frozen time than the parent.
func TestSelftestV2TimeParent(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const ms, tick = time.Millisecond, sv2Syscall
		parent := fs.createTimed("/cg_test_parent_A") // τ, the check at 2τ

		fs.freezeWait(parent, true) // 3τ, the check at 4τ
		time.Sleep(ms)
		child := fs.create("/cg_test_parent_A/cg_test_parent_B") // 5τ+1ms
		fs.checkFrozen(child, true)                              // 6τ+1ms

		ptime := fs.wantTime(parent, "parent after the child's creation", ms+4*tick) // 7τ+1ms
		ctime := fs.wantTime(child, "child after its creation", 3*tick)              // 8τ+1ms
		if ptime <= ctime {
			t.Errorf("ptime %v <= ctime %v, want ptime > ctime", ptime, ctime)
		}

		fs.freezeNowait(child, true) // 9τ+1ms
		fs.freezeWait(parent, false) // 10τ+1ms, the check at 11τ+1ms
		fs.checkFrozen(child, true)  // 12τ+1ms
		time.Sleep(100 * ms)
		ctime = fs.wantTime(child, "child 100 ms after the parent's unfreeze", 100*ms+8*tick) // 13τ+101ms
		ptime = fs.wantTime(parent, "parent 100 ms after its unfreeze", ms+7*tick)            // 14τ+101ms
		if ctime <= ptime {
			t.Errorf("ctime %v <= ptime %v, want ctime > ptime", ctime, ptime)
		}
	})
}

// TestSelftestV2TimeChild ports test_cgfreezer_time_child: freezing a child
// gives it frozen time and leaves its parent's at 0.
func TestSelftestV2TimeChild(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const tick = sv2Syscall
		parent := fs.createTimed("/cg_test_child_A")           // τ, the check at 2τ
		child := fs.create("/cg_test_child_A/cg_test_child_B") // 3τ

		fs.freezeWait(child, true)                                       // 4τ, the check at 5τ
		fs.wantTime(child, "child frozen: more than the parent", 2*tick) // 6τ
		fs.wantTime(parent, "parent: 0", 0)                              // 7τ
	})
}

// TestSelftestV2TimeNested ports test_cgfreezer_time_nested on A/B/C:
// freezing C, B, A, then 1 ms later unfreezing A, B, C leaves C with more
// frozen time than B, and B more than A, each clock running while a freeze,
// its own or an ancestor's, holds.
func TestSelftestV2TimeNested(t *testing.T) {
	sv2Bubble(t, func(t *testing.T, fs *sv2FS) {
		const ms, tick = time.Millisecond, sv2Syscall
		a := fs.createTimed("/cg_test_time_A") // τ, the check at 2τ
		b := fs.create("/cg_test_time_A/B")    // 3τ
		c := fs.create("/cg_test_time_A/B/C")  // 4τ

		fs.freezeNowait(c, true) // 5τ
		fs.freezeNowait(b, true) // 6τ
		fs.freezeNowait(a, true) // 7τ
		time.Sleep(ms)
		fs.freezeNowait(a, false) // 8τ+1ms
		fs.freezeNowait(b, false) // 9τ+1ms
		fs.freezeNowait(c, false) // 10τ+1ms

		tc := fs.wantTime(c, "C", ms+5*tick) // 11τ+1ms
		tb := fs.wantTime(b, "B", ms+3*tick) // 12τ+1ms
		ta := fs.wantTime(a, "A", ms+tick)   // 13τ+1ms
		if tc <= tb || tb <= ta {
			t.Errorf("C %v, B %v, A %v: want C > B > A", tc, tb, ta)
		}
	})
}
