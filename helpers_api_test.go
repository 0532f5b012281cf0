package freezer_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/google/go-cmp/cmp"
)

// apiDWait spawns a task blocked in WaitUninterruptible on hold and waits
// until it is in its D wait.
func apiDWait(t testing.TB, c *freezer.Cgroup, name string, hold <-chan struct{}) *freezer.Task {
	t.Helper()
	tk := spawn(t, c, name, func(tk *freezer.Task) {
		tk.WaitUninterruptible(hold)
		for {
			tk.Sleep(time.Hour)
		}
	})
	waitFor(t, name+" in its D wait", func() bool { return tk.Stat().State == 'D' })
	return tk
}

// apiCtx returns a context that ends after d, cancelled when the test ends.
func apiCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// apiClosed reports whether ch is closed, without waiting.
func apiClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// WaitFrozen returns once the tasks of a freezing cgroup have all parked
// (the selftests' cg_freeze_wait with an explicit timeout).
func TestWaitFrozenReturnsWhenFrozen(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "wf")
	tasks := []*freezer.Task{spawn(t, c, "s1", sleeper), spawn(t, c, "s2", sleeper), spawn(t, c, "b", busy)}
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitFrozen(apiCtx(t, 10*time.Second)); err != nil {
		t.Fatalf("WaitFrozen: %v", err)
	}
	if s := state(t, c); s != freezer.Frozen {
		t.Errorf("state after WaitFrozen: %v", s)
	}
	for _, tk := range tasks {
		if !tk.Frozen() {
			t.Errorf("task %d not frozen after WaitFrozen: %+v", tk.PID(), tk.Stat())
		}
	}
}

// A task in an uninterruptible wait holds the cgroup FREEZING: WaitFrozen
// returns ctx.Err() when ctx ends first, and succeeds once the wait ends.
func TestWaitFrozenContextEnds(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "wf")
	hold, release := holdGate(t)
	d := apiDWait(t, c, "dwait", hold)
	if err := c.Freeze(); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("Freeze with a D task: %v, want EBUSY", err)
	}
	ctx := apiCtx(t, 20*time.Millisecond)
	err := c.WaitFrozen(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || err != ctx.Err() {
		t.Fatalf("WaitFrozen: %v, want ctx.Err() (deadline exceeded)", err)
	}
	if s := state(t, c); s != freezer.Freezing {
		t.Errorf("state: %v, want FREEZING", s)
	}
	release()
	if err := c.WaitFrozen(apiCtx(t, 10*time.Second)); err != nil {
		t.Fatalf("WaitFrozen after the D wait ended: %v", err)
	}
	if !d.Frozen() {
		t.Errorf("task not frozen after its D wait: %+v", d.Stat())
	}
}

// WaitFrozen on a cgroup removed while it waits returns ENODEV.
func TestWaitFrozenRemoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := freezer.New(freezer.WithLockChecks())
		c, err := h.Root().Mkdir("gone")
		if err != nil {
			t.Fatal(err)
		}
		res := make(chan error, 1)
		go func() { res <- c.WaitFrozen(context.Background()) }()
		synctest.Wait() // the waiter is blocked: an empty RUNNING cgroup
		select {
		case err := <-res:
			t.Fatalf("WaitFrozen on a RUNNING cgroup returned %v", err)
		default:
		}
		if err := c.Remove(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case err := <-res:
			var pe *fs.PathError
			if !errors.Is(err, syscall.ENODEV) || !errors.As(err, &pe) {
				t.Errorf("WaitFrozen: %v, want *fs.PathError ENODEV", err)
			}
		default:
			t.Fatal("WaitFrozen still blocked after Remove")
		}
		shutdown(t, h)
	})
}

// FreezeContext freezes busy and sleeping tasks and returns once FROZEN.
func TestFreezeContext(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "fc")
	var tasks []*freezer.Task
	for i := range 4 {
		fn := busy
		if i%2 == 1 {
			fn = sleeper
		}
		tasks = append(tasks, spawn(t, c, "w"+strconv.Itoa(i), fn))
	}
	if err := c.FreezeContext(apiCtx(t, 10*time.Second)); err != nil {
		t.Fatalf("FreezeContext: %v", err)
	}
	if s := state(t, c); s != freezer.Frozen {
		t.Errorf("state after FreezeContext: %v", s)
	}
	for _, tk := range tasks {
		if st := tk.Stat(); !st.Frozen || st.State != 'D' {
			t.Errorf("task %d: %+v, want frozen D", tk.PID(), st)
		}
	}
}

// FreezeContext re-issues the freeze: a task attached into the cgroup while it
// is FREEZING carries no request, and is caught by the next issue.
func TestFreezeContextCatchesAttached(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "fc")
	hold, release := holdGate(t)
	d := apiDWait(t, c, "dwait", hold)
	res := make(chan error, 1)
	go func() { res <- c.FreezeContext(apiCtx(t, 10*time.Second)) }()
	waitFor(t, "FreezeContext's freeze", func() bool { return d.Freezing() })
	if s := state(t, c); s != freezer.Freezing {
		t.Fatalf("state with a D task: %v, want FREEZING", s)
	}

	late := spawn(t, h.Root(), "late", busy)
	if err := c.Attach(late); err != nil {
		t.Fatalf("Attach into FREEZING: %v", err)
	}
	release()
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("FreezeContext: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("FreezeContext did not return; late task %+v", late.Stat())
	}
	if s := state(t, c); s != freezer.Frozen {
		t.Errorf("state: %v, want FROZEN", s)
	}
	want := freezer.TaskStat{PID: late.PID(), Name: "late", Cgroup: "/fc", State: 'D', Frozen: true}
	if diff := cmp.Diff(want, late.Stat()); diff != "" {
		t.Errorf("attached task (-want +got):\n%s", diff)
	}
	if !d.Frozen() {
		t.Errorf("D task not frozen after its wait: %+v", d.Stat())
	}
}

// When ctx ends first, FreezeContext thaws back: the error wraps the deadline
// and a *BusyError naming the task that held it up, and nothing stays frozen.
func TestFreezeContextRollback(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "fc")
	hold, release := holdGate(t)
	others := []*freezer.Task{spawn(t, c, "busy", busy), spawn(t, c, "sleeper", sleeper)}
	d := apiDWait(t, c, "stuck-in-d", hold)

	err := c.FreezeContext(apiCtx(t, 50*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FreezeContext: %v, want deadline exceeded", err)
	}
	var be *freezer.BusyError
	if !errors.As(err, &be) {
		t.Fatalf("FreezeContext: %v, want a *BusyError", err)
	}
	if !slices.Contains(be.PIDs(), d.PID()) {
		t.Errorf("busy PIDs %v do not list the D task %d", be.PIDs(), d.PID())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("%d (stuck-in-d", d.PID())) {
		t.Errorf("message %q does not name the D task by PID and name", msg)
	}
	if s := state(t, c); s != freezer.Running {
		t.Errorf("state after rollback: %v, want RUNNING", s)
	}
	for _, tk := range append(others, d) {
		if st := tk.Stat(); st.Frozen || st.Freezing {
			t.Errorf("task %d after rollback: %+v, want neither frozen nor freezing", tk.PID(), st)
		}
	}
	release()
	// The D task's wait ends with a safe point: it must not freeze there.
	waitFor(t, "D task to sleep again", func() bool { return d.Stat().State == 'S' })
	if d.Frozen() {
		t.Errorf("D task froze after the rollback: %+v", d.Stat())
	}
}

// Shutdown kills every kind of task, frozen ones included, and returns once
// every Done is closed; then no task can be created.
func TestShutdownKillsEveryKind(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "all")
	fc := mkdir(t, h, "frozen")

	busyT := spawn(t, c, "busy", busy)
	sleepT := spawn(t, c, "sleeper", sleeper)
	stopT := spawn(t, c, "stopped", sleeper)
	stopT.Stop()
	traceT := spawn(t, c, "traced", busy)
	traceT.Trace()
	childc := make(chan *freezer.Task, 1)
	vforkT := spawn(t, c, "vforker", func(tk *freezer.Task) {
		tk.Vfork("vchild", func(ct *freezer.Task) {
			childc <- ct
			sleeper(ct)
		})
		busy(tk)
	})
	frozenB := spawn(t, fc, "frozen-busy", busy)
	frozenS := spawn(t, fc, "frozen-sleeper", sleeper)
	if err := fc.Freeze(); err != nil {
		t.Fatal(err)
	}
	var vchild *freezer.Task
	select {
	case vchild = <-childc:
	case <-time.After(10 * time.Second):
		t.Fatal("vfork child did not start")
	}
	waitFor(t, "stopped task", func() bool { return stopT.Stat().State == 'T' })
	waitFor(t, "traced task", func() bool { return traceT.Stat().State == 't' })
	waitFor(t, "vfork parent", func() bool { return vforkT.Stat().State == 'D' })
	waitFrozen(t, fc)

	all := []*freezer.Task{busyT, sleepT, stopT, traceT, vforkT, vchild, frozenB, frozenS}
	if err := h.Shutdown(apiCtx(t, 10*time.Second)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, tk := range all {
		if !apiClosed(tk.Done()) {
			t.Errorf("task %d (%s) alive after Shutdown: %+v", tk.PID(), tk.Name(), tk.Stat())
		}
		if _, ok := h.Task(tk.PID()); ok {
			t.Errorf("Task(%d) still found after Shutdown", tk.PID())
		}
	}
	for _, cg := range []*freezer.Cgroup{h.Root(), c, fc} {
		_, err := cg.Spawn("late", busy)
		if !errors.Is(err, syscall.ENODEV) {
			t.Errorf("Spawn in %s after Shutdown: %v, want ENODEV", cg.Path(), err)
		}
	}
}

// Shutdown cannot kill a task in an uninterruptible wait: with a short ctx it
// reports that task, and a second Shutdown finishes once the wait ends.
func TestShutdownStuckInD(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "stuck")
	hold, release := holdGate(t)
	d := spawn(t, c, "stuck-in-d", func(tk *freezer.Task) { tk.WaitUninterruptible(hold) })
	other := spawn(t, c, "sleeper", sleeper)
	waitFor(t, "D wait", func() bool { return d.Stat().State == 'D' })

	err := h.Shutdown(apiCtx(t, 50*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want deadline exceeded", err)
	}
	var be *freezer.BusyError
	if !errors.As(err, &be) {
		t.Fatalf("Shutdown: %v, want a *BusyError", err)
	}
	// The sleeper may or may not have finished dying when ctx ended; the D
	// task cannot have.
	if pids := be.PIDs(); !slices.Contains(pids, d.PID()) || slices.ContainsFunc(pids, func(p int) bool { return p != d.PID() && p != other.PID() }) {
		t.Errorf("alive PIDs %v, want %d (and perhaps %d)", pids, d.PID(), other.PID())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("%d (stuck-in-d", d.PID())) {
		t.Errorf("message %q does not name the D task", msg)
	}
	select {
	case <-other.Done():
	case <-time.After(10 * time.Second):
		t.Errorf("sleeping task survived Shutdown: %+v", other.Stat())
	}
	if apiClosed(d.Done()) {
		t.Fatal("D task died although its wait did not end")
	}

	release()
	if err := h.Shutdown(apiCtx(t, 10*time.Second)); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if !apiClosed(d.Done()) {
		t.Errorf("D task alive after the second Shutdown: %+v", d.Stat())
	}
}

// apiCountCSS is apiRecorder's per-cgroup state: the number of tasks in the
// cgroup, kept by the fork, attach and exit hooks.
type apiCountCSS struct {
	path string
	n    atomic.Int64
}

// apiRecorder is a user subsystem, "count": it records every hook call,
// counts tasks per cgroup, serves count.tasks, and can refuse attaches.
type apiRecorder struct {
	freezer.BaseSubsystem

	mu       sync.Mutex // not a library lock: hooks may take it anywhere
	events   []string
	where    map[int]*freezer.Cgroup // PID to cgroup, as the hooks saw it
	refuseTo string                  // CanAttach refuses moves into this path with EPERM
}

func (r *apiRecorder) Name() string { return "count" }

func (r *apiRecorder) record(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

// take returns the events recorded since the last take.
func (r *apiRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

func (r *apiRecorder) css(c *freezer.Cgroup) *apiCountCSS {
	return c.SubsysState(r).(*apiCountCSS)
}

func (r *apiRecorder) Create(c *freezer.Cgroup) (any, error) {
	r.record("create %s", c.Path())
	return &apiCountCSS{path: c.Path()}, nil
}

func (r *apiRecorder) Destroy(c *freezer.Cgroup) { r.record("destroy %s", c.Path()) }

func (r *apiRecorder) Populate(c *freezer.Cgroup) []freezer.File {
	r.record("populate %s", c.Path())
	return []freezer.File{{
		Name: "tasks",
		Read: func(c *freezer.Cgroup) ([]byte, error) {
			return []byte(strconv.FormatInt(r.css(c).n.Load(), 10) + "\n"), nil
		},
	}}
}

func (r *apiRecorder) CanFork(c *freezer.Cgroup) error {
	r.record("canfork %s", c.Path())
	return nil
}

// Fork runs under css_set_lock only, so it may take the child's task_lock
// through Cgroup.
func (r *apiRecorder) Fork(t *freezer.Task) {
	c := t.Cgroup()
	r.css(c).n.Add(1)
	r.mu.Lock()
	if r.where == nil {
		r.where = make(map[int]*freezer.Cgroup)
	}
	r.where[t.PID()] = c
	r.mu.Unlock()
	r.record("fork %d %s", t.PID(), c.Path())
}

func (r *apiRecorder) CanAttach(dst *freezer.Cgroup, t *freezer.Task) error {
	r.record("canattach %d %s", t.PID(), dst.Path())
	r.mu.Lock()
	refuse := r.refuseTo == dst.Path()
	r.mu.Unlock()
	if refuse {
		return syscall.EPERM
	}
	return nil
}

func (r *apiRecorder) Attach(dst, src *freezer.Cgroup, t *freezer.Task) {
	r.css(src).n.Add(-1)
	r.css(dst).n.Add(1)
	r.mu.Lock()
	r.where[t.PID()] = dst
	r.mu.Unlock()
	r.record("attach %d %s %s", t.PID(), src.Path(), dst.Path())
}

// Exit runs under task_lock: it must not call t.Cgroup, and is given the
// cgroup instead, which must be the one the recorder's own hooks saw.
func (r *apiRecorder) Exit(c *freezer.Cgroup, t *freezer.Task) {
	r.mu.Lock()
	want := r.where[t.PID()]
	delete(r.where, t.PID())
	r.mu.Unlock()
	if c != want {
		r.record("exit %d in %s, hooks saw %s", t.PID(), c.Path(), want.Path())
	}
	r.css(c).n.Add(-1)
	r.record("exit %d %s", t.PID(), c.Path())
}

// apiReadCount reads path's count.tasks.
func apiReadCount(t testing.TB, h *freezer.Hierarchy, dir string) string {
	t.Helper()
	b, err := h.ReadFile(strings.TrimSuffix(dir, "/") + "/count.tasks")
	if err != nil {
		t.Fatalf("ReadFile(%s/count.tasks): %v", dir, err)
	}
	return string(b)
}

// A subsystem of the user's is bound beside the freezer and gets every hook
// of the kernel's struct cgroup_subsys, in the core's order.
func TestSubsystemHooks(t *testing.T) {
	r := &apiRecorder{}
	h := newHierarchy(t, freezer.WithSubsystem(r))
	if diff := cmp.Diff([]string{"create /", "populate /"}, r.take()); diff != "" {
		t.Errorf("events of New (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"count.tasks", "tasks"}, h.Root().Files()); diff != "" {
		t.Errorf("root files (-want +got):\n%s", diff)
	}

	jobs := mkdir(t, h, "jobs")
	other := mkdir(t, h, "other")
	if diff := cmp.Diff([]string{"create /jobs", "populate /jobs", "create /other", "populate /other"}, r.take()); diff != "" {
		t.Errorf("events of Mkdir (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"count.tasks", "freezer.state", "tasks"}, jobs.Files()); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	st, ok := jobs.SubsysState(r).(*apiCountCSS)
	if !ok || st.path != "/jobs" {
		t.Fatalf("SubsysState = %#v, want the *apiCountCSS Create made for /jobs", jobs.SubsysState(r))
	}
	if got := other.SubsysState(r); got == any(st) {
		t.Error("two cgroups share one subsystem state")
	}
	if got := jobs.SubsysState(&apiRecorder{}); got != nil {
		t.Errorf("SubsysState of an unbound subsystem = %#v, want nil", got)
	}

	hold, release := holdGate(t)
	tk := spawn(t, jobs, "worker", func(tk *freezer.Task) { tk.Wait(hold) })
	pid := tk.PID()
	want := []string{"canfork /jobs", fmt.Sprintf("fork %d /jobs", pid)}
	if diff := cmp.Diff(want, r.take()); diff != "" {
		t.Errorf("events of Spawn (-want +got):\n%s", diff)
	}
	if got := apiReadCount(t, h, "/jobs"); got != "1\n" {
		t.Errorf("/jobs/count.tasks = %q, want 1", got)
	}

	if err := other.Attach(tk); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	want = []string{fmt.Sprintf("canattach %d /other", pid), fmt.Sprintf("attach %d /jobs /other", pid)}
	if diff := cmp.Diff(want, r.take()); diff != "" {
		t.Errorf("events of Attach (-want +got):\n%s", diff)
	}
	if got := apiReadCount(t, h, "/jobs") + apiReadCount(t, h, "/other"); got != "0\n1\n" {
		t.Errorf("counts after Attach = %q, want 0 then 1", got)
	}

	// CanAttach refuses: the write of the PID fails with the hook's errno,
	// and the task stays where it was.
	r.mu.Lock()
	r.refuseTo = "/jobs"
	r.mu.Unlock()
	err := h.WriteFile("/jobs/tasks", []byte(strconv.Itoa(pid)+"\n"))
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Err != syscall.EPERM || pe.Path != "/jobs/tasks" {
		t.Fatalf("WriteFile(/jobs/tasks) = %#v, want *fs.PathError{Path: /jobs/tasks, Err: EPERM}", err)
	}
	want = []string{fmt.Sprintf("canattach %d /jobs", pid)}
	if diff := cmp.Diff(want, r.take()); diff != "" {
		t.Errorf("events of the refused attach (-want +got):\n%s", diff)
	}
	if got := tk.Stat().Cgroup; got != "/other" {
		t.Errorf("refused task is in %q, want /other", got)
	}
	if got := apiReadCount(t, h, "/other"); got != "1\n" {
		t.Errorf("/other/count.tasks after the refusal = %q, want 1", got)
	}

	release()
	select {
	case <-tk.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("task did not exit")
	}
	want = []string{fmt.Sprintf("exit %d /other", pid)}
	if diff := cmp.Diff(want, r.take()); diff != "" {
		t.Errorf("events of exit (-want +got):\n%s", diff)
	}
	if got := apiReadCount(t, h, "/other"); got != "0\n" {
		t.Errorf("/other/count.tasks after exit = %q, want 0", got)
	}

	if err := other.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := h.Rmdir("/jobs"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"destroy /other", "destroy /jobs"}, r.take()); diff != "" {
		t.Errorf("events of Rmdir (-want +got):\n%s", diff)
	}
}

// apiBadHook is a user subsystem whose CanAttach, once, calls Freeze: it takes
// cgroup_mutex while the core holds cgroup_mutex, css_set_lock and task_lock.
type apiBadHook struct {
	freezer.BaseSubsystem
	misbehave atomic.Bool
}

func (*apiBadHook) Name() string { return "bad" }

func (b *apiBadHook) CanAttach(dst *freezer.Cgroup, t *freezer.Task) error {
	if b.misbehave.CompareAndSwap(true, false) {
		_ = dst.Freeze()
	}
	return nil
}

// A hook that takes a lock out of the declared order panics, as lockdep would
// report it, and the panic leaves the hierarchy's locks released.
func TestUserSubsystemInversionPanics(t *testing.T) {
	bad := &apiBadHook{}
	h := newHierarchy(t, freezer.WithSubsystem(bad))
	src := mkdir(t, h, "src")
	dst := mkdir(t, h, "dst")
	tk := spawn(t, src, "mover", sleeper)

	bad.misbehave.Store(true)
	v := func() (v any) {
		defer func() { v = recover() }()
		_ = dst.Attach(tk)
		return nil
	}()
	e, ok := v.(*freezer.LockOrderError)
	if !ok {
		t.Fatalf("Attach with a hook that freezes: panic %#v, want *freezer.LockOrderError", v)
	}
	if e.Acquiring != "cgroup_mutex" {
		t.Errorf("Acquiring = %q, want cgroup_mutex", e.Acquiring)
	}
	if !slices.Contains([]string{"cgroup_mutex", "css_set_lock", "task_lock"}, e.Holding) {
		t.Errorf("Holding = %q, want a lock the core holds around CanAttach", e.Holding)
	}
	if msg := e.Error(); !strings.Contains(msg, e.Acquiring) || !strings.Contains(msg, e.Holding) {
		t.Errorf("message %q does not name both locks", msg)
	}

	// The panic unwound the core's locks: everything still works.
	if got := tk.Stat().Cgroup; got != "/src" {
		t.Errorf("task is in %q after the panicking attach, want /src", got)
	}
	if err := dst.Attach(tk); err != nil {
		t.Fatalf("second Attach: %v", err)
	}
	if got := tk.Stat().Cgroup; got != "/dst" {
		t.Errorf("task is in %q, want /dst", got)
	}
	if err := dst.Freeze(); err != nil {
		t.Fatalf("Freeze after the panic: %v", err)
	}
	waitFrozen(t, dst)
	if err := dst.Thaw(); err != nil {
		t.Fatalf("Thaw after the panic: %v", err)
	}
}
