package freezer_test

import (
	"fmt"
	"strings"
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
	case syscall.ERANGE:
		return "ERANGE"
	case syscall.EINTR:
		return "EINTR"
	case syscall.ENAMETOOLONG:
		return "ENAMETOOLONG"
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
	for _, c := range m.Snapshot().Cgroups {
		fmt.Printf("%s %v %v\n", c.Path, c.State, c.PIDs)
	}
	// Output:
	// start                  jobs RUNNING   worker R frozen=false freezing=false  sleeper S frozen=false freezing=false
	// freeze: ok
	// after freeze           jobs FREEZING  worker R frozen=false freezing=true  sleeper D frozen=true freezing=false
	// worker at safe point   jobs FROZEN    worker D frozen=true freezing=false  sleeper D frozen=true freezing=false
	// move worker: EBUSY
	// thaw: ok
	// after thaw             jobs RUNNING   worker R frozen=false freezing=false  sleeper S frozen=false freezing=false
	// / RUNNING []
	// /jobs RUNNING [1 2]
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

// ExampleNewModelFor shows what the later kernels changed, in their models: a
// freeze covers the subtree, a child's own thaw does not undo its parent's,
// and v2 reports a frozen cgroup in cgroup.events and kills a frozen task at
// once.
func ExampleNewModelFor() {
	for _, v := range []freezer.Version{freezer.V1, freezer.V2} {
		m := freezer.NewModelFor(v)
		a, _ := m.MkdirPath("/a")
		b, _ := m.MkdirPath("/a/b")
		pid, _ := m.Spawn(b, "worker", false)
		m.Wait(pid)
		m.Freeze(a)
		m.Thaw(b)
		st, _ := m.State(b)
		self, _ := m.SelfFreezing(b)
		parent, _ := m.ParentFreezing(b)
		ev, _ := m.Events(b)
		ti, _ := m.Task(pid)
		fmt.Printf("%v: /a/b %v self=%v parent=%v %+v, worker %c\n", v, st, self, parent, ev, ti.Stat.State)
		m.Kill(pid)
		ti, _ = m.Task(pid)
		fmt.Printf("%v: after kill, worker %c; cgroup.kill: %s\n", v, ti.Stat.State, errnoString(m.KillCgroup(a)))
	}
	// Output:
	// v1: /a/b FROZEN self=false parent=true {Populated:true Frozen:true}, worker D
	// v1: after kill, worker D; cgroup.kill: ENOENT
	// v2: /a/b FROZEN self=false parent=true {Populated:true Frozen:true}, worker S
	// v2: after kill, worker Z; cgroup.kill: ok
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
	for _, v := range mvtVersions {
		if got := freezer.NewModelFor(v).Clone().Version(); got != v {
			t.Errorf("NewModelFor(%v).Clone().Version() = %v", v, got)
		}
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
		"unknown version":    func() { freezer.NewModelFor(freezer.V2 + 1) },
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

// mvtVersions are the versions the model covers, in Version order.
var mvtVersions = []freezer.Version{freezer.Patch2008, freezer.V1, freezer.V2}

// mvtSame is the want of a row whose scenario every version sees alike.
func mvtSame(s string) [3]string { return [3]string{s, s, s} }

// mvt drives one version's model for TestModelVersionTable, failing the test
// on a step that must not fail, and describes what it sees in short words.
type mvt struct {
	t *testing.T
	m *freezer.Model
}

func (x mvt) mkdir(path string) freezer.CgroupID {
	x.t.Helper()
	c, err := x.m.MkdirPath(path)
	if err != 0 {
		x.t.Fatalf("mkdir %s: %s", path, errnoString(err))
	}
	return c
}

func (x mvt) spawn(c freezer.CgroupID, noFreeze bool) int {
	x.t.Helper()
	pid, err := x.m.Spawn(c, "t", noFreeze)
	if err != 0 {
		x.t.Fatalf("spawn in %s: %s", x.m.Path(c), errnoString(err))
	}
	return pid
}

// sleeper spawns a task in c that sleeps (an interruptible wait).
func (x mvt) sleeper(c freezer.CgroupID) int {
	x.t.Helper()
	pid := x.spawn(c, false)
	x.m.Wait(pid)
	return pid
}

// frozenSleeper makes /a with a sleeper in it and freezes /a.
func (x mvt) frozenSleeper() (a freezer.CgroupID, pid int) {
	x.t.Helper()
	a = x.mkdir("/a")
	pid = x.sleeper(a)
	x.m.Freeze(a)
	return a, pid
}

// mkdirTask makes the cgroup path with a new task in it, which has not yet
// reached a wait.
func (x mvt) mkdirTask(path string, noFreeze bool) (freezer.CgroupID, int) {
	x.t.Helper()
	c := x.mkdir(path)
	return c, x.spawn(c, noFreeze)
}

// stateFile is the file Freeze writes: freezer.state, or v2's cgroup.freeze.
func (x mvt) stateFile() string {
	if x.m.Version() == freezer.V2 {
		return "cgroup.freeze"
	}
	return "freezer.state"
}

func (x mvt) letter(pid int) string { return string(modelStat(x.t, x.m, pid).State) }

func (x mvt) frozen(pid int) string {
	return fmt.Sprintf("frozen=%v", modelStat(x.t, x.m, pid).Frozen)
}

func (x mvt) state(c freezer.CgroupID) string {
	s, err := x.m.State(c)
	if err != 0 {
		return errnoString(err)
	}
	return s.String()
}

func (x mvt) events(c freezer.CgroupID) string {
	ev, err := x.m.Events(c)
	if err != 0 {
		return errnoString(err)
	}
	return fmt.Sprintf("populated=%v frozen=%v", ev.Populated, ev.Frozen)
}

func (x mvt) read(path string) string {
	b, err := x.m.ReadFile(path)
	if err != 0 {
		return errnoString(err)
	}
	return fmt.Sprintf("%q", b)
}

func (x mvt) write(path, data string) string {
	return errnoString(x.m.WriteFile(path, []byte(data)))
}

// TestModelVersionTable checks the model of each version against the rows of
// DESIGN.md's version table (and the paragraphs after it) that the model
// covers: each row plays a small scenario in each version and describes what
// it sees; want gives the patch's, v1's and v2's description.
func TestModelVersionTable(t *testing.T) {
	files := []string{"tasks", "cgroup.procs", "freezer.state", "freezer.self_freezing", "freezer.parent_freezing",
		"cgroup.freeze", "cgroup.events", "cgroup.kill", "cgroup.stat.local"}
	rows := []struct {
		row  string
		play func(x mvt) string
		want [3]string
	}{{
		row: "files of a non-root cgroup, and of the root",
		play: func(x mvt) string {
			x.mkdir("/a")
			var out []string
			for _, dir := range []string{"/a/", "/"} {
				have := dir + ":"
				for _, f := range files {
					if _, err := x.m.ReadFile(dir + f); err != syscall.ENOENT {
						have += " " + f
					}
				}
				out = append(out, have)
			}
			return strings.Join(out, "; ")
		},
		want: [3]string{
			"/a/: tasks freezer.state; /: tasks",
			"/a/: tasks cgroup.procs freezer.state freezer.self_freezing freezer.parent_freezing; /: tasks cgroup.procs",
			"/a/: cgroup.procs cgroup.freeze cgroup.events cgroup.kill cgroup.stat.local; /: cgroup.procs",
		},
	}, {
		row: "a new cgroup reads",
		play: func(x mvt) string {
			x.mkdir("/a")
			out := x.read("/a/" + x.stateFile())
			if x.m.Version() == freezer.V2 {
				out += " " + x.read("/a/cgroup.events")
			}
			return out
		},
		want: [3]string{`"RUNNING\n"`, `"THAWED\n"`, `"0\n" "populated 0\nfrozen 0\n"`},
	}, {
		row: "hierarchy: a freeze of /a, then a thaw of /a/b, then of /a",
		play: func(x mvt) string {
			x.mkdir("/a")
			b := x.mkdir("/a/b")
			pid := x.sleeper(b)
			x.m.Freeze(b - 1)
			out := x.state(b) + " " + x.letter(pid)
			x.m.Thaw(b)
			out += "; " + x.state(b) + " " + x.letter(pid)
			x.m.Thaw(b - 1)
			return out + "; " + x.state(b) + " " + x.letter(pid)
		},
		want: [3]string{"RUNNING S; RUNNING S; RUNNING S", "FROZEN D; FROZEN D; RUNNING S", "FROZEN S; FROZEN S; RUNNING S"},
	}, {
		row: "invalid writes",
		play: func(x mvt) string {
			x.mkdir("/a")
			var out []string
			for _, data := range []string{"FREEZING", "frozen", " FROZEN\n", "", "\n", "THAWED", "1", "0x1", "+1",
				" 01 ", "1 2", "true", "2", "-1", "99999999999"} {
				out = append(out, x.write("/a/"+x.stateFile(), data))
			}
			return strings.Join(out, " ")
		},
		want: [3]string{
			"EIO EIO EIO EIO EIO EIO EIO EIO EIO EIO EIO EIO EIO EIO EIO",
			"EINVAL EINVAL ok ok EINVAL ok EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL",
			"EINVAL EINVAL EINVAL ok EINVAL EINVAL ok ok ok ok EINVAL EINVAL ERANGE ERANGE ERANGE",
		},
	}, {
		row: "white space: 0xA0 alone, U+00A0, and \\v...\\r around a freeze",
		play: func(x mvt) string {
			x.mkdir("/a")
			word := map[freezer.Version]string{freezer.Patch2008: "FROZEN", freezer.V1: "FROZEN", freezer.V2: "1"}[x.m.Version()]
			var out []string
			for _, data := range []string{word + "\xa0", word + "\u00a0", "\v" + word + "\r"} {
				out = append(out, x.write("/a/"+x.stateFile(), data))
			}
			return strings.Join(out, " ")
		},
		want: [3]string{"EIO EIO EIO", "ok EINVAL ok", "ok EINVAL ok"},
	}, {
		row: "too long: a thaw padded to 4095, 4096 and 4097 bytes",
		play: func(x mvt) string {
			x.mkdir("/a")
			word := map[freezer.Version]string{freezer.Patch2008: "RUNNING", freezer.V1: "THAWED", freezer.V2: "0"}[x.m.Version()]
			var out []string
			for _, n := range []int{4095, 4096, 4097} {
				out = append(out, x.write("/a/"+x.stateFile(), word+strings.Repeat(" ", n-len(word))))
			}
			return strings.Join(out, " ")
		},
		want: [3]string{"ok E2BIG E2BIG", "ok ok E2BIG", "ok ok E2BIG"},
	}, {
		row: "a task that cannot freeze now (D), then wakes",
		play: func(x mvt) string {
			a, pid := x.mkdirTask("/a", false)
			x.m.WaitUninterruptible(pid)
			out := errnoString(x.m.Freeze(a)) + " " + x.state(a) + " " + x.events(a)
			x.m.Ready(pid)
			return out + "; " + x.state(a) + " " + x.letter(pid)
		},
		want: [3]string{
			"EBUSY FREEZING populated=true frozen=false; FROZEN D",
			"ok FREEZING populated=true frozen=false; FROZEN D",
			"ok FREEZING populated=true frozen=false; FROZEN S",
		},
	}, {
		row: "a NoFreeze task",
		play: func(x mvt) string {
			a, pid := x.mkdirTask("/a", true)
			return errnoString(x.m.Freeze(a)) + " " + x.state(a) + " " + x.events(a) + " " + x.letter(pid)
		},
		want: [3]string{
			"EBUSY FREEZING populated=true frozen=false R",
			"ok FROZEN populated=true frozen=true R",
			"ok FREEZING populated=true frozen=false R",
		},
	}, {
		row: "kill of a frozen task, then a thaw",
		play: func(x mvt) string {
			a, pid := x.frozenSleeper()
			out := x.letter(pid)
			x.m.Kill(pid)
			out += " " + x.letter(pid) + " " + x.events(a)
			x.m.Thaw(a)
			return out + "; " + x.letter(pid)
		},
		want: [3]string{
			"D D populated=true frozen=true; Z",
			"D D populated=true frozen=true; Z",
			"S Z populated=false frozen=true; Z",
		},
	}, {
		row: "a stopped task, then a freeze, then a thaw",
		play: func(x mvt) string {
			a, pid := x.mkdirTask("/a", false)
			x.m.Stop(pid)
			x.m.TryToFreeze(pid)
			out := x.letter(pid)
			x.m.Freeze(a)
			out += " " + x.state(a) + " " + x.letter(pid)
			x.m.Thaw(a)
			return out + "; " + x.letter(pid)
		},
		want: [3]string{"T FROZEN T; T", "T FROZEN D; T", "T FROZEN T; T"},
	}, {
		row: "stop of a frozen task, then a thaw",
		play: func(x mvt) string {
			a, pid := x.frozenSleeper()
			x.m.Stop(pid)
			out := x.letter(pid) + " " + x.frozen(pid)
			x.m.Thaw(a)
			return out + "; " + x.letter(pid)
		},
		want: [3]string{"D frozen=true; T", "D frozen=true; T", "S frozen=true; T"},
	}, {
		row: "trace of a frozen task, then an untrace",
		play: func(x mvt) string {
			a, pid := x.frozenSleeper()
			x.m.Trace(pid)
			out := x.letter(pid) + " " + x.frozen(pid) + " " + x.state(a)
			x.m.Untrace(pid)
			return out + "; " + x.letter(pid) + " " + x.frozen(pid)
		},
		want: [3]string{"D frozen=true FROZEN; D frozen=true", "D frozen=true FROZEN; D frozen=true", "t frozen=false FROZEN; S frozen=true"},
	}, {
		row: "a kill, a ptrace interrupt or a stop, and a freeze request, pending at a safe point; then a thaw",
		play: func(x mvt) string {
			var out []string
			for i, signal := range []func(int){x.m.Kill, x.m.Trace, x.m.Stop} {
				c, pid := x.mkdirTask(fmt.Sprintf("/c%d", i), false)
				signal(pid)
				x.m.Freeze(c)
				x.m.TryToFreeze(pid)
				got := x.letter(pid) + " " + x.frozen(pid)
				x.m.Thaw(c)
				out = append(out, got+" "+x.letter(pid))
			}
			return strings.Join(out, "; ")
		},
		want: [3]string{
			"D frozen=true Z; D frozen=true t; D frozen=true T",
			"D frozen=true Z; D frozen=true t; D frozen=true T",
			"Z frozen=false Z; t frozen=false t; S frozen=true T",
		},
	}, {
		row: "move of a running task into a frozen cgroup, then its safe point",
		play: func(x mvt) string {
			a := x.mkdir("/a")
			x.m.Freeze(a)
			pid := x.spawn(freezer.RootCgroup, false)
			out := errnoString(x.m.Attach(a, pid)) + " " + x.state(a)
			x.m.TryToFreeze(pid)
			return out + "; " + x.state(a) + " " + modelStat(x.t, x.m, pid).Cgroup
		},
		want: [3]string{"EBUSY FROZEN; FROZEN /", "ok FREEZING; FROZEN /a", "ok FREEZING; FROZEN /a"},
	}, {
		row: "move of a frozen task out, to a running cgroup and to a frozen one",
		play: func(x mvt) string {
			a, b, c := x.mkdir("/a"), x.mkdir("/b"), x.mkdir("/c")
			p, q := x.sleeper(a), x.sleeper(a)
			x.m.Freeze(a)
			x.m.Freeze(c)
			out := errnoString(x.m.Attach(b, p)) + " " + x.letter(p) + " " + x.frozen(p)
			return out + "; " + errnoString(x.m.Attach(c, q)) + " " + x.frozen(q) + " " + modelStat(x.t, x.m, q).Cgroup
		},
		want: [3]string{
			"EBUSY D frozen=true; EBUSY frozen=true /a",
			"ok S frozen=false; ok frozen=true /c",
			"ok S frozen=false; ok frozen=true /c",
		},
	}, {
		row: "mkdir under a frozen parent",
		play: func(x mvt) string {
			x.m.Freeze(x.mkdir("/a"))
			b := x.mkdir("/a/b")
			self, _ := x.m.SelfFreezing(b)
			parent, _ := x.m.ParentFreezing(b)
			return fmt.Sprintf("%s self=%v parent=%v %s %s", x.state(b), self, parent, x.events(b), x.read("/a/b/"+x.stateFile()))
		},
		want: [3]string{
			`RUNNING self=false parent=false populated=false frozen=false "RUNNING\n"`,
			`FROZEN self=false parent=true populated=false frozen=true "FROZEN\n"`,
			`FROZEN self=false parent=true populated=false frozen=true "0\n"`,
		},
	}, {
		row: "rmdir of a frozen empty cgroup",
		play: func(x mvt) string {
			a := x.mkdir("/a")
			x.m.Freeze(a)
			return x.state(a) + " " + errnoString(x.m.RmdirPath("/a")) + " " + x.state(a)
		},
		want: mvtSame("FROZEN ok ENODEV"),
	}, {
		row: "populated: a task in the subtree",
		play: func(x mvt) string {
			a := x.mkdir("/a")
			_, pid := x.mkdirTask("/a/b", false)
			out := x.events(a)
			x.m.Exit(pid)
			return out + "; " + x.events(a)
		},
		want: mvtSame("populated=true frozen=false; populated=false frozen=false"),
	}, {
		row: "cgroup.kill: Kill, a write of 0, a read, a write of 1",
		play: func(x mvt) string {
			a := x.mkdir("/a")
			p := x.sleeper(a)
			_, q := x.mkdirTask("/a/b", true)
			x.m.Wait(q)
			x.m.Freeze(a)
			return errnoString(x.m.KillCgroup(freezer.RootCgroup)) + " " + x.write("/a/cgroup.kill", "0") + " " +
				x.read("/a/cgroup.kill") + " " + x.write("/a/cgroup.kill", "1\n") + " " + x.letter(p) + x.letter(q)
		},
		want: [3]string{"ENOENT ENOENT ENOENT ENOENT DS", "ENOENT ENOENT ENOENT ENOENT DS", "ENOENT ERANGE EINVAL ok ZZ"},
	}, {
		row: "fork by a task with a kill pending",
		play: func(x mvt) string {
			_, pid := x.mkdirTask("/a", false)
			x.m.Kill(pid)
			_, err := x.m.Fork(pid, "child")
			return errnoString(err) + " " + x.letter(pid)
		},
		want: [3]string{"ok Z", "EINTR Z", "EINTR Z"},
	}, {
		row: "freeze of a task in a vfork wait, then its child exits",
		play: func(x mvt) string {
			a, parent := x.mkdirTask("/a", false)
			child, _ := x.m.Vfork(parent, "child")
			x.m.Attach(x.mkdir("/b"), child)
			out := errnoString(x.m.Freeze(a)) + " " + x.state(a) + " " + x.letter(parent)
			x.m.Exit(child)
			return out + "; " + x.state(a) + " " + x.letter(parent) + " " + x.frozen(parent)
		},
		want: [3]string{"ok FROZEN D; FROZEN D frozen=true", "ok FROZEN D; FROZEN D frozen=true", "ok FROZEN D; FROZEN S frozen=true"},
	}}
	for _, r := range rows {
		for i, v := range mvtVersions {
			t.Run(r.row+"/"+v.String(), func(t *testing.T) {
				got := r.play(mvt{t, freezer.NewModelFor(v)})
				if got != r.want[i] {
					t.Errorf("got  %s\nwant %s", got, r.want[i])
				}
			})
		}
	}
}

// TestModelCgroupFreezeParse checks the v2 model's reading of cgroup.freeze
// against the kernel's kstrtoint(strstrip(buf), 0): "0x" hex (only when a
// hex digit follows), "0" octal, decimal, a sign, and nothing else; ERANGE
// for a 64-bit overflow (before any trailing garbage) or a value out of int
// range, and for any number but 0 and 1.
func TestModelCgroupFreezeParse(t *testing.T) {
	for _, tc := range []struct {
		data string
		want syscall.Errno
		self bool // cgroup.freeze afterwards, from 0
	}{
		{"1", 0, true}, {"0", 0, false}, {" 1\n", 0, true}, {"\t+1 ", 0, true}, {"0x1", 0, true}, {"0X1", 0, true},
		{"01", 0, true}, {"00", 0, false}, {"-0", 0, false}, {"+0x1", 0, true}, {"", 0, false},
		{"0b1", syscall.EINVAL, false}, {"0o1", syscall.EINVAL, false}, {"0_1", syscall.EINVAL, false},
		{"1_0", syscall.EINVAL, false}, {"0x_1", syscall.EINVAL, false}, {"0x", syscall.EINVAL, false},
		{"0xg", syscall.EINVAL, false}, {"08", syscall.EINVAL, false}, {"0x1g", syscall.EINVAL, false},
		{"-+1", syscall.EINVAL, false}, {"+-1", syscall.EINVAL, false}, {"-", syscall.EINVAL, false},
		{"1 2", syscall.EINVAL, false}, {"\n", syscall.EINVAL, false}, {"true", syscall.EINVAL, false},
		{"4294967296x", syscall.EINVAL, false}, {"1\n2", syscall.EINVAL, false},
		{"2", syscall.ERANGE, false}, {"-1", syscall.ERANGE, false}, {"2147483647", syscall.ERANGE, false},
		{"2147483648", syscall.ERANGE, false}, {"-2147483649", syscall.ERANGE, false},
		{"0xffffffffffffffff", syscall.ERANGE, false}, {"0x10000000000000000", syscall.ERANGE, false},
		{"99999999999999999999x", syscall.ERANGE, false},
		{"\xa01\xa0", 0, true}, {"1\u00a0", syscall.EINVAL, false}, {"\u20031", syscall.EINVAL, false},
		{"0\u0085", syscall.EINVAL, false},
	} {
		m := freezer.NewModelFor(freezer.V2)
		a, _ := m.Mkdir(freezer.RootCgroup, "a")
		wantErrno(t, fmt.Sprintf("write %q", tc.data), m.WriteFile("/a/cgroup.freeze", []byte(tc.data)), tc.want)
		if self, _ := m.SelfFreezing(a); self != tc.self {
			t.Errorf("write %q: cgroup.freeze %v, want %v", tc.data, self, tc.self)
		}
		// cgroup.kill reads numbers the same way, and takes only 1.
		want := tc.want
		if want == 0 && tc.data != "" && !tc.self {
			want = syscall.ERANGE // a 0
		}
		wantErrno(t, fmt.Sprintf("write %q to cgroup.kill", tc.data), m.WriteFile("/a/cgroup.kill", []byte(tc.data)), want)
	}
}
