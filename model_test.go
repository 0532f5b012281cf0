package freezer_test

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgfreezer/freezer"
)

// errnoString prints 0 as "ok" and an errno by its constant's name.
func errnoString(e syscall.Errno) string {
	switch e {
	case 0:
		return "ok"
	case syscall.EBUSY:
		return "EBUSY"
	case syscall.ENOENT:
		return "ENOENT"
	case syscall.ENODEV:
		return "ENODEV"
	case syscall.EEXIST:
		return "EEXIST"
	case syscall.ESRCH:
		return "ESRCH"
	case syscall.EINVAL:
		return "EINVAL"
	case syscall.EIO:
		return "EIO"
	case syscall.ENOTDIR:
		return "ENOTDIR"
	case syscall.EISDIR:
		return "EISDIR"
	case syscall.E2BIG:
		return "E2BIG"
	case syscall.ETIMEDOUT:
		return "ETIMEDOUT"
	}
	return fmt.Sprintf("errno %d", int(e))
}

// ExampleModel drives the pure model through a freeze: a task in an
// interruptible wait freezes at once, a busy one only at its next safe point,
// and the cgroup reads FROZEN when the last one has. A property-based test
// does the same operations on a real Hierarchy (see rapid_test.go) and
// compares m.Snapshot() with what the hierarchy shows.
func ExampleModel() {
	m := freezer.NewModel()
	jobs, _ := m.Mkdir(freezer.RootCgroup, "jobs")
	worker, _ := m.Spawn(jobs, "worker", false)   // runs its own code: 'R'
	sleeper, _ := m.Spawn(jobs, "sleeper", false) // ...
	m.Wait(sleeper)                               // and now waits: 'S'

	show := func(what string) {
		st, _ := m.State(jobs)
		fmt.Printf("%-22s jobs %-8v", what, st)
		for _, pid := range []int{worker, sleeper} {
			ti, _ := m.Task(pid)
			fmt.Printf("  %s %c frozen=%v freezing=%v", ti.Stat.Name, ti.Stat.State, ti.Stat.Frozen, ti.Stat.Freezing)
		}
		fmt.Println()
	}
	show("start")
	fmt.Println("freeze:", errnoString(m.Freeze(jobs)))
	show("after freeze")
	m.TryToFreeze(worker) // the worker reaches a safe point
	show("worker at safe point")
	fmt.Println("move worker:", errnoString(m.Attach(freezer.RootCgroup, worker)))
	fmt.Println("thaw:", errnoString(m.Thaw(jobs)))
	show("after thaw")
	fmt.Printf("%+v\n", m.Snapshot().Cgroups)
	// Output:
	// start                  jobs RUNNING   worker R frozen=false freezing=false  sleeper S frozen=false freezing=false
	// freeze: ok
	// after freeze           jobs FREEZING  worker R frozen=false freezing=true  sleeper D frozen=true freezing=false
	// worker at safe point   jobs FROZEN    worker D frozen=true freezing=false  sleeper D frozen=true freezing=false
	// move worker: EBUSY
	// thaw: ok
	// after thaw             jobs RUNNING   worker R frozen=false freezing=false  sleeper S frozen=false freezing=false
	// [{Path:/ State:RUNNING PIDs:[]} {Path:/jobs State:RUNNING PIDs:[1 2]}]
}

// ExampleModel_stop shows why the freezer is not SIGSTOP: a stopped task
// counts as frozen while it has a freeze request, a thaw leaves it stopped,
// and a task continued during a freeze goes straight into the refrigerator.
func ExampleModel_stop() {
	m := freezer.NewModel()
	jobs, _ := m.Mkdir(freezer.RootCgroup, "jobs")
	pid, _ := m.Spawn(jobs, "job", false)
	show := func(what string) {
		st, _ := m.State(jobs)
		ti, _ := m.Task(pid)
		fmt.Printf("%-18s %-8v %c frozen=%v freezing=%v\n", what, st, ti.Stat.State, ti.Stat.Frozen, ti.Stat.Freezing)
	}
	m.Stop(pid)
	m.TryToFreeze(pid) // the stop takes effect at the safe point
	show("stopped")
	m.Freeze(jobs)
	show("frozen while 'T'")
	m.Thaw(jobs)
	show("thawed")
	m.Freeze(jobs)
	m.Continue(pid)
	show("continued")
	m.Thaw(jobs)
	show("thawed again")
	// Output:
	// stopped            RUNNING  T frozen=false freezing=false
	// frozen while 'T'   FROZEN   T frozen=false freezing=true
	// thawed             RUNNING  T frozen=false freezing=false
	// continued          FROZEN   D frozen=true freezing=false
	// thawed again       RUNNING  R frozen=false freezing=false
}

// modelStat returns the model's Stat of pid or fails the test.
func modelStat(t *testing.T, m *freezer.Model, pid int) freezer.TaskStat {
	t.Helper()
	ti, ok := m.Task(pid)
	if !ok {
		t.Fatalf("model has no task %d", pid)
	}
	return ti.Stat
}

func modelState(t *testing.T, m *freezer.Model, c freezer.CgroupID) freezer.State {
	t.Helper()
	s, err := m.State(c)
	if err != 0 {
		t.Fatalf("State(%s): %v", m.Path(c), err)
	}
	return s
}

func wantErrno(t *testing.T, what string, got, want syscall.Errno) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %s, want %s", what, errnoString(got), errnoString(want))
	}
}

// TestModelTransitions checks the model against DESIGN.md's transition and
// errno table for freezer.state writes and reads.
func TestModelTransitions(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")

	// An empty cgroup freezes at once.
	wantErrno(t, "Freeze(empty)", m.Freeze(a), 0)
	if s := modelState(t, m, a); s != freezer.Frozen {
		t.Errorf("empty cgroup after Freeze: %v, want FROZEN", s)
	}
	wantErrno(t, "Spawn into FROZEN", func() syscall.Errno { _, e := m.Spawn(a, "x", false); return e }(), syscall.EBUSY)
	wantErrno(t, "Thaw", m.Thaw(a), 0)

	// A D task: EBUSY, the cgroup stays FREEZING, and it freezes when the
	// wait ends.
	d, _ := m.Spawn(a, "d", false)
	m.WaitUninterruptible(d)
	wantErrno(t, "Freeze with a D task", m.Freeze(a), syscall.EBUSY)
	if diff := cmp.Diff([]int{d}, m.Busy(a)); diff != "" {
		t.Errorf("Busy (-want +got):\n%s", diff)
	}
	if s := modelState(t, m, a); s != freezer.Freezing {
		t.Errorf("after EBUSY: %v, want FREEZING", s)
	}
	if st := modelStat(t, m, d); st.State != 'D' || st.Frozen || !st.Freezing {
		t.Errorf("D task with a request: %+v", st)
	}
	m.Ready(d)
	if st := modelStat(t, m, d); st.State != 'D' || !st.Frozen || st.Freezing {
		t.Errorf("D task after its wait: %+v, want frozen", st)
	}
	if s := modelState(t, m, a); s != freezer.Frozen {
		t.Errorf("after the D task froze: %v, want FROZEN", s)
	}
	wantErrno(t, "Freeze FROZEN", m.Freeze(a), 0)

	// Bad writes change nothing.
	for _, data := range []string{"FREEZING", "frozen", "", " FROZEN", string(make([]byte, 4096))} {
		want := syscall.EIO
		if len(data) >= 4096 {
			want = syscall.E2BIG
		}
		wantErrno(t, fmt.Sprintf("WriteFile(%.10q)", data), m.WriteFile("/a/freezer.state", []byte(data)), want)
	}
	b, err := m.ReadFile("/a/freezer.state")
	if err != 0 || string(b) != "FROZEN\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	wantErrno(t, "WriteFile(RUNNING\\n)", m.WriteFile("/a/freezer.state", []byte("RUNNING\n")), 0)
	if st := modelStat(t, m, d); st.State != 'R' || st.Frozen || st.Freezing {
		t.Errorf("after thaw: %+v", st)
	}

	// A NoFreeze task: EBUSY, no request, FREEZING for as long as it stays.
	n, _ := m.Spawn(a, "n", true)
	wantErrno(t, "Freeze with NoFreeze", m.Freeze(a), syscall.EBUSY)
	if st := modelStat(t, m, n); st.Freezing {
		t.Errorf("NoFreeze task got a request: %+v", st)
	}
	m.TryToFreeze(d)
	if s := modelState(t, m, a); s != freezer.Freezing {
		t.Errorf("with a NoFreeze task: %v, want FREEZING", s)
	}
	wantErrno(t, "move NoFreeze out", m.Attach(freezer.RootCgroup, n), 0)
	if s := modelState(t, m, a); s != freezer.Frozen {
		t.Errorf("after the NoFreeze task left: %v, want FROZEN", s)
	}

	// The root has no freezer.state; a removed cgroup is ENODEV.
	if _, err := m.State(freezer.RootCgroup); err != syscall.ENOENT {
		t.Errorf("State(root) = %s, want ENOENT", errnoString(err))
	}
	wantErrno(t, "Freeze(root)", m.Freeze(freezer.RootCgroup), syscall.ENOENT)
	e, _ := m.Mkdir(freezer.RootCgroup, "e")
	wantErrno(t, "Remove(e)", m.Remove(e), 0)
	wantErrno(t, "Freeze(removed)", m.Freeze(e), syscall.ENODEV)
	wantErrno(t, "Thaw(removed)", m.Thaw(e), syscall.ENODEV)
	if _, err := m.State(e); err != syscall.ENODEV {
		t.Errorf("State(removed) = %s, want ENODEV", errnoString(err))
	}
}

// TestModelSignals checks DESIGN.md's signal rules: stops and traces count as
// frozen enough with a request, Continue and Untrace during a freeze go
// straight into the refrigerator, and a frozen task dies only after the thaw.
func TestModelSignals(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")
	p, _ := m.Spawn(a, "p", false)

	// A sleeper stops at once; Trace turns the stop into a traced stop, and
	// Untrace goes back to it.
	m.Wait(p)
	m.Stop(p)
	if st := modelStat(t, m, p); st.State != 'T' {
		t.Fatalf("sleeper after Stop: %c, want T", st.State)
	}
	m.Trace(p)
	if st := modelStat(t, m, p); st.State != 't' {
		t.Fatalf("after Trace: %c, want t", st.State)
	}
	m.Freeze(a)
	if s := modelState(t, m, a); s != freezer.Frozen {
		t.Errorf("traced task with a request: cgroup %v, want FROZEN", s)
	}
	m.Untrace(p)
	if st := modelStat(t, m, p); st.State != 'T' || !st.Freezing {
		t.Errorf("after Untrace: %+v, want T with a request", st)
	}
	m.Continue(p)
	if st := modelStat(t, m, p); st.State != 'D' || !st.Frozen {
		t.Errorf("continued during a freeze: %+v, want frozen", st)
	}
	if ti, _ := m.Task(p); ti.At != freezer.InWait || !ti.Parked {
		t.Errorf("continued sleeper: at %v parked %v, want InWait parked", ti.At, ti.Parked)
	}

	// Kill does not reach into the refrigerator.
	m.Kill(p)
	if ti, _ := m.Task(p); ti.At == freezer.Exited {
		t.Fatalf("frozen task died before the thaw")
	}
	m.Thaw(a)
	if st := modelStat(t, m, p); st.State != 'Z' || st.Cgroup != "" {
		t.Errorf("killed task after the thaw: %+v, want Z", st)
	}
	if _, err := m.Spawn(a, "q", false); err != 0 {
		t.Fatal(err)
	}

	// Kill wakes a stop; a D wait holds it until the wait ends.
	q := 2
	m.WaitUninterruptible(q)
	m.Kill(q)
	if st := modelStat(t, m, q); st.State != 'D' {
		t.Errorf("killed D task: %c, want D", st.State)
	}
	m.Ready(q)
	if st := modelStat(t, m, q); st.State != 'Z' {
		t.Errorf("killed D task after its wait: %c, want Z", st.State)
	}
	// Signals to an exited task do nothing.
	m.Stop(q)
	m.Continue(q)
	m.Trace(q)
	m.Untrace(q)
	m.Kill(q)
	if st := modelStat(t, m, q); st.State != 'Z' {
		t.Errorf("exited task after signals: %c", st.State)
	}
}

// TestModelVfork checks the vfork rules: the waiting parent is 'D' but frozen
// enough with a request, and enters the refrigerator when its child exits.
func TestModelVfork(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")
	b, _ := m.Mkdir(freezer.RootCgroup, "b")
	parent, _ := m.Spawn(a, "parent", false)
	child, err := m.Vfork(parent, "child")
	if err != 0 {
		t.Fatal(err)
	}
	if ti, _ := m.Task(parent); ti.At != freezer.InVfork || ti.Stat.State != 'D' {
		t.Fatalf("vfork parent: %+v", ti)
	}
	wantErrno(t, "move the child", m.Attach(b, child), 0)
	wantErrno(t, "Freeze(a)", m.Freeze(a), 0)
	if s := modelState(t, m, a); s != freezer.Frozen {
		t.Errorf("vfork parent with a request: cgroup %v, want FROZEN", s)
	}
	wantErrno(t, "move the frozen-enough parent", m.Attach(b, parent), syscall.EBUSY)
	m.Exit(child)
	if st := modelStat(t, m, parent); !st.Frozen {
		t.Errorf("parent after its child exited: %+v, want frozen", st)
	}
	m.Thaw(a)
	if ti, _ := m.Task(parent); ti.At != freezer.AtWork || ti.Parked {
		t.Errorf("parent after the thaw: %+v, want at work", ti)
	}
	// A NoFreeze parent's children are NoFreeze, as PF_NOFREEZE is inherited.
	n, _ := m.Spawn(b, "n", true)
	nc, _ := m.Fork(n, "nc")
	if ti, _ := m.Task(nc); !ti.NoFreeze {
		t.Errorf("child of a NoFreeze task is not NoFreeze")
	}
}

// TestModelForkInFreezing checks that a child forked in a FREEZING cgroup
// freezes before its code runs, and Attach's rules about FREEZING cgroups.
func TestModelForkInFreezing(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")
	b, _ := m.Mkdir(freezer.RootCgroup, "b")
	p, _ := m.Spawn(a, "p", false)
	m.Freeze(a) // p has a request, has not reached a safe point
	c, _ := m.Spawn(a, "c", false)
	if ti, _ := m.Task(c); !ti.Stat.Frozen || !ti.Parked || ti.At != freezer.AtWork {
		t.Errorf("spawned into FREEZING: %+v, want frozen before its code", ti)
	}
	// Moving p out of FREEZING drops its request; the cgroup then reads
	// FROZEN; moving it back in does not freeze it.
	wantErrno(t, "move p out", m.Attach(b, p), 0)
	if st := modelStat(t, m, p); st.Freezing {
		t.Errorf("moved out of FREEZING, still freezing: %+v", st)
	}
	if s := modelState(t, m, a); s != freezer.Frozen {
		t.Errorf("a after p left: %v, want FROZEN", s)
	}
	wantErrno(t, "move p into FROZEN", m.Attach(a, p), syscall.EBUSY)
	m.Thaw(a)
	m.Freeze(b)
	wantErrno(t, "write p to /a/tasks", m.WriteFile("/a/tasks", []byte("1\n")), 0)
	if st := modelStat(t, m, p); st.Freezing || st.Cgroup != "/a" {
		t.Errorf("moved into RUNNING a: %+v", st)
	}
	wantErrno(t, "attach to its own cgroup", m.Attach(a, p), 0)
	wantErrno(t, "tasks: not a number", m.WriteFile("/a/tasks", []byte("+1")), syscall.EINVAL)
	wantErrno(t, "tasks: no such PID", m.WriteFile("/a/tasks", []byte("42")), syscall.ESRCH)
}

// TestModelSuspend checks system suspend: FreezeProcesses fails and undoes
// itself while a task runs, a cgroup thaw during a suspend leaves the tasks
// frozen, and resume does not thaw a frozen cgroup.
func TestModelSuspend(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")
	b, _ := m.Mkdir(freezer.RootCgroup, "b")
	pa, _ := m.Spawn(a, "pa", false)
	pb, _ := m.Spawn(b, "pb", false)
	wantErrno(t, "FreezeProcesses with running tasks", m.FreezeProcesses(), syscall.ETIMEDOUT)
	if st := modelStat(t, m, pa); st.Freezing {
		t.Errorf("after a failed suspend: %+v, still freezing", st)
	}
	m.Wait(pa)
	m.Wait(pb)
	m.Freeze(a)
	wantErrno(t, "FreezeProcesses", m.FreezeProcesses(), 0)
	wantErrno(t, "FreezeProcesses again", m.FreezeProcesses(), syscall.EBUSY)
	n, _ := m.Spawn(freezer.RootCgroup, "new", false)
	if st := modelStat(t, m, n); !st.Frozen {
		t.Errorf("spawned during a suspend: %+v, want frozen", st)
	}
	m.Thaw(b) // RUNNING already: nothing
	m.Thaw(a)
	m.Freeze(a)
	if st := modelStat(t, m, pa); !st.Frozen {
		t.Errorf("thawed during a suspend: %+v, want still frozen", st)
	}
	m.ThawProcesses()
	if st := modelStat(t, m, pa); !st.Frozen {
		t.Errorf("resume thawed a FROZEN cgroup's task: %+v", st)
	}
	for _, pid := range []int{pb, n} {
		if st := modelStat(t, m, pid); st.Frozen || st.Freezing {
			t.Errorf("task %d after resume: %+v", pid, st)
		}
	}
	if st := modelStat(t, m, pb); st.State != 'S' {
		t.Errorf("sleeper after resume: %c, want S", st.State)
	}
}

// TestModelPaths checks the cgroupfs view's errno values.
func TestModelPaths(t *testing.T) {
	m := freezer.NewModel()
	steps := []struct {
		op, path string
		want     syscall.Errno
	}{
		{"mkdir", "/a", 0},
		{"mkdir", "/a", syscall.EEXIST},
		{"mkdir", "/a/tasks", syscall.EEXIST},
		{"mkdir", "/a/freezer.state", syscall.EEXIST},
		{"mkdir", "/freezer.state", 0}, // the root has no freezer.state
		{"mkdir", "/x/y", syscall.ENOENT},
		{"mkdir", "/a/tasks/y", syscall.ENOTDIR},
		{"mkdir", "", syscall.ENOENT},
		{"mkdir", "/", syscall.EEXIST},
		{"mkdir", "/a/..", syscall.EEXIST},
		{"mkdir", "a//b/", 0},
		{"rmdir", "/a", syscall.EBUSY},
		{"rmdir", "/", syscall.EBUSY},
		{"rmdir", "/a/tasks", syscall.ENOTDIR},
		{"rmdir", "/nope", syscall.ENOENT},
		{"rmdir", "/a/b", 0},
		{"rmdir", "/a/b", syscall.ENOENT},
		{"rmdir", "/a", 0},
		{"read", "/a/tasks", syscall.ENOENT},
		{"read", "/tasks", 0},
		{"read", "/freezer.state", syscall.EISDIR},
		{"read", "/", syscall.EISDIR},
		{"read", "/freezer.state/freezer.state", 0},
		{"read", "/freezer.state/nope", syscall.ENOENT},
	}
	for _, s := range steps {
		var got syscall.Errno
		switch s.op {
		case "mkdir":
			_, got = m.MkdirPath(s.path)
		case "rmdir":
			got = m.RmdirPath(s.path)
		case "read":
			_, got = m.ReadFile(s.path)
		}
		wantErrno(t, fmt.Sprintf("%s(%q)", s.op, s.path), got, s.want)
	}
	if _, err := m.Lookup("/freezer.state/../freezer.state"); err != 0 {
		t.Errorf("Lookup: %s", errnoString(err))
	}
	a, _ := m.Lookup("/freezer.state")
	wantErrno(t, "Mkdir under a cgroup removed by path", func() syscall.Errno {
		m.RmdirPath("/freezer.state")
		_, e := m.Mkdir(a, "k")
		return e
	}(), syscall.ENODEV)
	wantErrno(t, "Remove(removed)", m.Remove(a), syscall.ENODEV)
	if !m.Removed(a) || m.Path(a) != "/freezer.state" {
		t.Errorf("removed cgroup: Removed %v Path %q", m.Removed(a), m.Path(a))
	}
}

// TestModelClone checks that a clone is independent of its original.
func TestModelClone(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")
	p, _ := m.Spawn(a, "p", false)
	before := m.Snapshot()
	c := m.Clone()
	c.Freeze(a)
	c.TryToFreeze(p)
	if _, err := c.Mkdir(a, "b"); err != 0 {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, m.Snapshot()); diff != "" {
		t.Errorf("the original changed with its clone (-want +got):\n%s", diff)
	}
	if st := modelStat(t, c, p); !st.Frozen {
		t.Errorf("clone's task not frozen: %+v", st)
	}
}

// TestModelMisuse checks that the model panics when told a task does what it
// cannot: run its own code while parked, or end a wait it is not in.
func TestModelMisuse(t *testing.T) {
	m := freezer.NewModel()
	a, _ := m.Mkdir(freezer.RootCgroup, "a")
	p, _ := m.Spawn(a, "p", false)
	m.Freeze(a)
	m.TryToFreeze(p) // parked in the refrigerator
	for name, f := range map[string]func(){
		"TryToFreeze parked": func() { m.TryToFreeze(p) },
		"Fork parked":        func() { m.Fork(p, "c") },
		"Ready not waiting":  func() { m.Ready(p) },
		"Exit unknown":       func() { m.Exit(99) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
