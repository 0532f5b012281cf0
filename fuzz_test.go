package freezer_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	pathpkg "path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cgfreezer/freezer"
)

// This file holds the fuzz targets of the cgroupfs view: every control-file
// write (the patch's freezer.state and tasks; v1's freezer.state,
// freezer.self_freezing, freezer.parent_freezing and cgroup.procs; v2's
// cgroup.freeze, cgroup.events, cgroup.kill, cgroup.stat.local and
// cgroup.procs) and the path API (Mkdir, Rmdir, ReadFile, WriteFile) with
// arbitrary paths and bytes. Each input runs against a small fixed fixture of
// each version (WithVersion), as a subtest named after the version, and
// checks: no panic (the lock checker included), every error an *fs.PathError
// whose Err is a syscall.Errno from the set cgroup.go and DESIGN.md document
// for that operation, and nothing changed when an error is returned. A fuzz
// worker builds each version's fixture once and puts it back after each input
// that changed it, since building it cost more than the input; an input that
// fails, or a fixture that does not come back exactly, gets a new one, as
// does one whose tasks a write of cgroup.kill killed. The seed corpus is in
// testdata/fuzz/<FuzzName>/ and in the targets' f.Add calls. Every private
// name here starts with "fz".
//
// Run one target with, for example:
//
//	go test -run '^$' -fuzz '^FuzzFreezerStateWrite$' -fuzztime 30s -fuzzminimizetime 2s
//
// A worker minimizes each new interesting input before it goes on, for up to
// a minute by default, and its executions do not show in the count: with the
// three versions' fixtures, the default can spend most of a short run there.

// ---------------------------------------------------------------------------
// The fixture.

// fzFixture is the hierarchy every input runs against, one per version. Its
// PIDs are fixed: tasks are spawned in this order, so the seed corpus can
// name them.
//
//	/            (no freezer files)  11 sleeper
//	/a           RUNNING   1 busy, 2 sleeper, 3 stopped (T), 4 traced (t)
//	/a/sub       RUNNING   5 vfork parent (D, skip-counted), 6 its child (S)
//	/b           FROZEN    7 sleeper, frozen
//	/c           FREEZING  8 in an uninterruptible wait (D), 9 sleeper, frozen
//	/e           RUNNING   empty: the only removable cgroup
//	/n           RUNNING   no tasks, one child
//	/n/m         RUNNING   10 NoFreeze sleeper: a FROZEN write is EBUSY (patch)
//
// In v1 RUNNING reads THAWED, and /b and /c have freezer.self_freezing 1; in
// v2 /b and /c have cgroup.freeze 1, and cgroup.events says frozen 1 for /b
// only. The freeze of /c is EBUSY in the patch only.
//
// A fuzz worker builds it once and runs every input against it (fzFixtures),
// so it is small not for the cost of building it but because an input that
// changes it pays for putting it back, and every lock the library takes is
// checked.
type fzFixture struct {
	v     freezer.Version
	h     *freezer.Hierarchy
	gate  chan struct{}   // tasks 6 and 8 wait on it; closed before Shutdown
	tasks []*freezer.Task // by PID-1

	orig fzSnapshot // its snapshot when built
	// same is whether the last snapshot of the current input equals orig.
	// Every target takes one after its operation, and whatever an operation
	// sets going (a task on its way into or out of the refrigerator) follows
	// a change that this snapshot shows; so when it shows none, put need not
	// take another.
	same bool

	// killed is set once a write of cgroup.kill has succeeded: the
	// fixture is not put back but discarded, as killed tasks cannot come
	// back and task 8 may still carry a kill it cannot take in its wait.
	killed bool

	mu   sync.Mutex
	spin bool          // an input is running, so task 1 is busy
	run  chan struct{} // closed when spin is set
}

// The fixture's PIDs with a role in the checks. No input can continue a
// stopped task or detach a tracer, so each keeps its role.
const (
	fzStoppedPID  = 3  // stopped (T)
	fzTracedPID   = 4  // traced (t)
	fzVforkPID    = 5  // the vfork parent: 'D' but skip-counted
	fzDWaitPID    = 8  // the only task that keeps /c FREEZING
	fzNoFreezePID = 10 // NoFreeze
)

// fzVersions are the versions every input runs against.
var fzVersions = []freezer.Version{freezer.Patch2008, freezer.V1, freezer.V2}

// fzKernel is what the checks need to know of a version's files.
type fzKernel struct {
	control      string   // the file Freeze and Thaw write
	taskFiles    []string // the files that list and move tasks; a snapshot shows the first
	freezerFiles []string // the freezer's files, control first, for FuzzFreezerStateWrite
	readOnly     []string // the freezer's files that take no write
	maxWrite     int      // the longest write taken: E2BIG beyond
}

var fzKernels = map[freezer.Version]fzKernel{
	freezer.Patch2008: {
		control:      "freezer.state",
		taskFiles:    []string{"tasks"},
		freezerFiles: []string{"freezer.state"},
		maxWrite:     4095,
	},
	freezer.V1: {
		control:      "freezer.state",
		taskFiles:    []string{"tasks", "cgroup.procs"},
		freezerFiles: []string{"freezer.state", "freezer.self_freezing", "freezer.parent_freezing"},
		readOnly:     []string{"freezer.self_freezing", "freezer.parent_freezing"},
		maxWrite:     4096,
	},
	freezer.V2: {
		control:      "cgroup.freeze",
		taskFiles:    []string{"cgroup.procs"},
		freezerFiles: []string{"cgroup.freeze", "cgroup.events", "cgroup.kill", "cgroup.stat.local"},
		readOnly:     []string{"cgroup.events", "cgroup.stat.local"},
		maxWrite:     4096,
	},
}

func (fx *fzFixture) kernel() fzKernel { return fzKernels[fx.v] }

// isFile reports whether name is a control file of a non-root cgroup in
// fx's version.
func (fx *fzFixture) isFile(name string) bool {
	k := fx.kernel()
	return slices.Contains(k.taskFiles, name) || slices.Contains(k.freezerFiles, name)
}

// fzCgroupPaths are the fixture's cgroups, for the targets that pick one.
var fzCgroupPaths = []string{"/", "/a", "/a/sub", "/b", "/c", "/e", "/n", "/n/m"}

// busy is task 1. While an input runs it is busy with a yield, so a fuzz
// worker's CPU goes to the test. Between inputs, when there used to be no
// fixture, it waits in a select of its own that a freeze request or a kill
// interrupts: a task spinning in every idle worker would take the cores the
// fuzzer needs, and this way it still reads 'R' and reaches a safe point at
// once when restore or Shutdown needs it to.
func (fx *fzFixture) busy(t *freezer.Task) {
	for {
		t.TryToFreeze()
		fx.mu.Lock()
		spin, run := fx.spin, fx.run
		fx.mu.Unlock()
		if spin {
			runtime.Gosched()
			continue
		}
		select {
		case <-run:
		case <-t.Interrupt():
		}
	}
}

// setBusy starts task 1's busy loop when an input begins, and stops it when
// the input ends.
func (fx *fzFixture) setBusy(spin bool) {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	if spin == fx.spin {
		return
	}
	fx.spin = spin
	if spin {
		close(fx.run)
	} else {
		fx.run = make(chan struct{})
	}
}

// fzWaitFor is waitFor that first spins on runtime.Gosched: the fixture's
// tasks settle within a few scheduling rounds, and a timer sleep per wait
// would cost more than the rest of an input.
func fzWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 100 {
		if cond() {
			return
		}
		for range 10 {
			runtime.Gosched()
		}
	}
	waitFor(t, what, cond)
}

// fzFixtures is one fuzz target's fixture of one version, kept across the
// inputs a fuzz worker runs: building one per input (11 goroutines, stops, a
// vfork, two freezes and a Shutdown) cost more than the input itself. Inputs
// run one at a time, in the fuzz worker's process or as the seed corpus's
// subtests, so it needs no lock.
type fzFixtures struct {
	v  freezer.Version
	fx *fzFixture // nil until the first input, and after a discard
	// dirty is set while an input runs and cleared only once fx is back to
	// fx.orig: an input that fails may leave it in any state, and the next
	// one then gets a new fixture.
	dirty bool
}

// fzSet is a fuzz target's fixture caches, one per version.
type fzSet []*fzFixtures

// fzNewFixtures returns f's fixture caches. f's cleanup shuts the fixtures
// down, so goleak finds no task goroutine when the target ends.
func fzNewFixtures(f *testing.F) fzSet {
	var s fzSet
	for _, v := range fzVersions {
		fc := &fzFixtures{v: v}
		f.Cleanup(func() { fc.discard(f) })
		s = append(s, fc)
	}
	return s
}

// each runs one input against every version's fixture, each in a subtest
// named after the version, with the fixture and its snapshot before the
// input.
func (s fzSet) each(t *testing.T, fn func(t *testing.T, fx *fzFixture, before fzSnapshot)) {
	for _, fc := range s {
		t.Run(fc.v.String(), func(t *testing.T) {
			fx, before := fc.get(t)
			defer fc.put(t)
			fn(t, fx, before)
		})
	}
}

// get returns the fixture for an input and its snapshot before the input,
// building a new one if there is none or the last input left it dirty.
// A rebuilt fixture comes from a new hierarchy, since the seeds name PIDs and
// a hierarchy never gives one twice.
func (fc *fzFixtures) get(t *testing.T) (*fzFixture, fzSnapshot) {
	t.Helper()
	if fc.dirty {
		fc.discard(t)
	}
	fc.dirty = true
	if fc.fx == nil {
		fc.fx = &fzFixture{
			v:    fc.v,
			h:    freezer.New(freezer.WithLockChecks(), freezer.WithVersion(fc.v)),
			gate: make(chan struct{}),
			run:  make(chan struct{}),
		}
		fc.fx.orig = fc.fx.build(t) // if it fails, dirty has the next get discard it
	}
	fc.fx.setBusy(true)
	fc.fx.same = false
	return fc.fx, fc.fx.orig
}

// put ends an input that passed: the fixture is reused as it is if the input
// changed nothing (most failing writes), put back through the public API if it
// changed something, and discarded if that does not bring back exactly the
// original snapshot soon, or if it killed tasks. A failed input leaves it
// dirty.
func (fc *fzFixtures) put(t *testing.T) {
	t.Helper()
	if fc.fx == nil {
		return
	}
	fc.fx.setBusy(false)
	if t.Failed() {
		return
	}
	if fc.fx.killed {
		fc.discard(t)
		return
	}
	if fc.fx.same {
		fc.dirty = false
		return
	}
	if err := fc.fx.restore(); err != nil {
		t.Logf("fixture discarded: %v", err)
		fc.discard(t)
		return
	}
	fc.dirty = false
}

// discard shuts the fixture down, if there is one. The gate is closed first:
// a task in an uninterruptible wait on it dies only when the wait ends.
func (fc *fzFixtures) discard(tb testing.TB) {
	tb.Helper()
	if fc.fx == nil {
		return
	}
	close(fc.fx.gate)
	shutdown(tb, fc.fx.h)
	fc.fx, fc.dirty = nil, false
}

// build builds the fixture in fx.h, checks it, and returns its snapshot.
func (fx *fzFixture) build(t *testing.T) fzSnapshot {
	t.Helper()
	h, gate := fx.h, fx.gate

	cg := func(path string) *freezer.Cgroup {
		t.Helper()
		if err := h.Mkdir(path); err != nil {
			t.Fatalf("fixture: Mkdir(%q): %v", path, err)
		}
		c, err := h.Lookup(path)
		if err != nil {
			t.Fatalf("fixture: Lookup(%q): %v", path, err)
		}
		return c
	}
	spawn := func(c *freezer.Cgroup, name string, fn func(*freezer.Task), want byte, opts ...freezer.TaskOption) *freezer.Task {
		t.Helper()
		tk, err := c.Spawn(name, fn, opts...)
		if err != nil {
			t.Fatalf("fixture: Spawn(%s, %s): %v", c.Path(), name, err)
		}
		if tk.PID() != len(fx.tasks)+1 {
			t.Fatalf("fixture: %s got PID %d, want %d", name, tk.PID(), len(fx.tasks)+1)
		}
		fx.tasks = append(fx.tasks, tk)
		if want != 0 {
			fzWaitFor(t, fmt.Sprintf("fixture task %s in %c", name, want), func() bool { return tk.Stat().State == want })
		}
		return tk
	}

	a, sub, b, c := cg("/a"), cg("/a/sub"), cg("/b"), cg("/c")
	cg("/e")
	cg("/n")
	m := cg("/n/m")

	spawn(a, "busy", fx.busy, 'R')
	spawn(a, "sleeper", sleeper, 'S')
	spawn(a, "stopped", sleeper, 'S').Stop()
	spawn(a, "traced", sleeper, 'S').Trace()
	fzWaitFor(t, "fixture stop and trace", func() bool {
		return fx.tasks[2].Stat().State == 'T' && fx.tasks[3].Stat().State == 't'
	})

	childUp := make(chan struct{})
	spawn(sub, "vforker", func(tk *freezer.Task) {
		_ = tk.Vfork("vchild", func(ch *freezer.Task) {
			close(childUp)
			ch.Wait(gate)
		})
		sleeper(tk)
	}, 0) // it goes from R to D at once
	<-childUp
	fzWaitFor(t, "fixture vfork parent D and child S", func() bool {
		ch, ok := h.Task(6)
		return ok && ch.Stat().State == 'S' && fx.tasks[4].Stat().State == 'D'
	})
	ch, _ := h.Task(6)
	fx.tasks = append(fx.tasks, ch)

	spawn(b, "sleeper", sleeper, 'S')
	if err := b.Freeze(); err != nil {
		t.Fatalf("fixture: Freeze(/b): %v", err)
	}
	fzWaitFor(t, "fixture /b FROZEN", func() bool { st, _ := b.State(); return st == freezer.Frozen })

	spawn(c, "dwait", func(tk *freezer.Task) {
		tk.WaitUninterruptible(gate)
		sleeper(tk)
	}, 'D')
	cs := spawn(c, "sleeper", sleeper, 'S')
	if err := c.Freeze(); fx.v == freezer.Patch2008 && !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("fixture: Freeze(/c) = %v, want EBUSY", err)
	} else if fx.v != freezer.Patch2008 && err != nil {
		t.Fatalf("fixture: Freeze(/c) = %v, want no error", err)
	}
	fzWaitFor(t, "fixture /c sleeper frozen", cs.Frozen)

	spawn(m, "nofreeze", sleeper, 'S', freezer.NoFreeze())
	spawn(h.Root(), "rootsleeper", sleeper, 'S')

	got := fx.snapshot(t)
	if diff := cmp.Diff(fzBuilt[fx.v], got.Cgroups); diff != "" {
		t.Fatalf("fixture cgroups (-want +got):\n%s", diff)
	}
	letters := "RSTtDSDDDSS" // by PID-1; 7 and 9 frozen, 8 freezing
	if fx.v == freezer.V2 {
		letters = "RSTtDSSDSSS" // a frozen task sleeps in v2's freezer trap
	}
	for pid, st := range got.Tasks {
		frozen := pid == 7 || pid == 9
		if st.State != letters[pid-1] || st.Frozen != frozen || st.Freezing != (pid == fzDWaitPID) {
			t.Fatalf("fixture task %d: %+v", pid, st)
		}
	}
	return got
}

// fzBuilt is each version's fixture as build makes it.
var fzBuilt = map[freezer.Version]map[string]fzCgroupSnap{
	freezer.Patch2008: {
		"/":      {State: "!ENOENT", Tasks: "11\n"},
		"/a":     {State: "RUNNING\n", Tasks: "1\n2\n3\n4\n"},
		"/a/sub": {State: "RUNNING\n", Tasks: "5\n6\n"},
		"/b":     {State: "FROZEN\n", Tasks: "7\n"},
		"/c":     {State: "FREEZING\n", Tasks: "8\n9\n"},
		"/e":     {State: "RUNNING\n"},
		"/n":     {State: "RUNNING\n"},
		"/n/m":   {State: "RUNNING\n", Tasks: "10\n"},
	},
	freezer.V1: {
		"/":      {State: "!ENOENT", Tasks: "11\n"},
		"/a":     {State: "THAWED\n", Tasks: "1\n2\n3\n4\n", Self: "0\n", Parent: "0\n"},
		"/a/sub": {State: "THAWED\n", Tasks: "5\n6\n", Self: "0\n", Parent: "0\n"},
		"/b":     {State: "FROZEN\n", Tasks: "7\n", Self: "1\n", Parent: "0\n"},
		"/c":     {State: "FREEZING\n", Tasks: "8\n9\n", Self: "1\n", Parent: "0\n"},
		"/e":     {State: "THAWED\n", Self: "0\n", Parent: "0\n"},
		"/n":     {State: "THAWED\n", Self: "0\n", Parent: "0\n"},
		"/n/m":   {State: "THAWED\n", Tasks: "10\n", Self: "0\n", Parent: "0\n"},
	},
	freezer.V2: {
		"/":      {State: "!ENOENT", Tasks: "11\n"},
		"/a":     {State: "0\n", Tasks: "1\n2\n3\n4\n", Events: "populated 1\nfrozen 0\n"},
		"/a/sub": {State: "0\n", Tasks: "5\n6\n", Events: "populated 1\nfrozen 0\n"},
		"/b":     {State: "1\n", Tasks: "7\n", Events: "populated 1\nfrozen 1\n"},
		"/c":     {State: "1\n", Tasks: "8\n9\n", Events: "populated 1\nfrozen 0\n"},
		"/e":     {State: "0\n", Events: "populated 0\nfrozen 0\n"},
		"/n":     {State: "0\n", Events: "populated 1\nfrozen 0\n"},
		"/n/m":   {State: "0\n", Tasks: "10\n", Events: "populated 1\nfrozen 0\n"},
	},
}

// restore brings the fixture back to fx.orig through the public API, as
// a cgroupfs user would, and waits until its snapshot says so. It undoes what
// one input can do: a write of freezer.state or cgroup.freeze, a move, a
// mkdir, an rmdir. Each cgroup that differs, or that a task must move back
// into, is thawed first, as in the patch a FROZEN cgroup takes no task and a
// frozen task cannot move; the ones that ask for a freeze of their own in
// orig are frozen again last, which leaves /c FREEZING (with EBUSY in the
// patch) since task 8 is in D.
func (fx *fzFixture) restore() error {
	orig := fx.orig
	now, err := fx.trySnapshot()
	if err != nil {
		return err
	}
	if fzSameSnapshot(now, orig) {
		return nil
	}

	cgroups := map[string]*freezer.Cgroup{}
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		cgroups[c.Path()] = c
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(fx.h.Root())

	touched := map[string]bool{}
	for p, cs := range now.Cgroups {
		if o, ok := orig.Cgroups[p]; !ok || o != cs {
			touched[p] = true
		}
	}
	for pid, st := range now.Tasks {
		o := orig.Tasks[pid]
		if st.Cgroup == "" {
			return fmt.Errorf("task %d has exited: %+v", pid, st)
		}
		if st != o {
			touched[st.Cgroup], touched[o.Cgroup] = true, true
		}
	}
	for p := range touched {
		if c := cgroups[p]; c != nil && c.Parent() != nil {
			if err := c.Thaw(); err != nil {
				return fmt.Errorf("thaw %s: %w", p, err)
			}
		}
	}

	// Parents before children: fewer slashes first.
	var missing, extra []string
	for p := range orig.Cgroups {
		if cgroups[p] == nil {
			missing = append(missing, p)
			touched[p] = true
		}
	}
	for p := range cgroups {
		if _, ok := orig.Cgroups[p]; !ok {
			extra = append(extra, p)
		}
	}
	depth := func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") }
	slices.SortFunc(missing, depth)
	slices.SortFunc(extra, func(a, b string) int { return depth(b, a) })

	for _, p := range missing {
		parent := cgroups[pathpkg.Dir(p)]
		if parent == nil {
			return fmt.Errorf("mkdir %s: no parent", p)
		}
		c, err := parent.Mkdir(pathpkg.Base(p))
		if err != nil {
			return fmt.Errorf("mkdir %s: %w", p, err)
		}
		cgroups[p] = c
	}
	for pid, st := range now.Tasks {
		if o := orig.Tasks[pid].Cgroup; st.Cgroup != o {
			if err := cgroups[o].Attach(fx.tasks[pid-1]); err != nil {
				return fmt.Errorf("move %d back to %s: %w", pid, o, err)
			}
		}
	}
	for _, p := range extra {
		if err := cgroups[p].Remove(); err != nil {
			return fmt.Errorf("rmdir %s: %w", p, err)
		}
	}
	for p := range touched {
		if fx.selfFreezing(orig.Cgroups[p]) {
			if err := cgroups[p].Freeze(); err != nil && !errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("freeze %s: %w", p, err)
			}
		}
	}

	// The tasks settle within a few scheduling rounds (see fzWaitFor); one
	// that takes longer costs less to rebuild than to wait for.
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		now, err = fx.trySnapshot()
		if err != nil {
			return err
		}
		if fzSameSnapshot(now, orig) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not restored (-orig +now):\n%s", cmp.Diff(orig, now))
		}
		for range 10 {
			runtime.Gosched()
		}
	}
}

// ---------------------------------------------------------------------------
// Snapshots: every observable the path API can change.

type fzSnapshot struct {
	Cgroups map[string]fzCgroupSnap // by path
	Tasks   map[int]freezer.TaskStat
}

type fzCgroupSnap struct {
	State  string // the control file (freezer.state, cgroup.freeze), or "!" and the errno
	Tasks  string // the first task file (tasks, or cgroup.procs in v2); every other one agrees
	Self   string // v1: freezer.self_freezing
	Parent string // v1: freezer.parent_freezing
	Events string // v2: cgroup.events
}

// selfFreezing reports whether a cgroup asks for a freeze of its own: the
// patch's FREEZING or FROZEN, v1's self_freezing, v2's cgroup.freeze.
func (fx *fzFixture) selfFreezing(cs fzCgroupSnap) bool {
	switch fx.v {
	case freezer.V1:
		return cs.Self == "1\n"
	case freezer.V2:
		return cs.State == "1\n"
	}
	return cs.State == "FROZEN\n" || cs.State == "FREEZING\n"
}

// freezing reports whether a freeze is in effect on the cgroup at path, in
// snapshot s: its own, or in v1 and v2 an ancestor's.
func (fx *fzFixture) freezing(s fzSnapshot, path string) bool {
	switch fx.v {
	case freezer.V1:
		cs := s.Cgroups[path]
		return cs.Self == "1\n" || cs.Parent == "1\n"
	case freezer.V2:
		for p := path; p != "/"; p = pathpkg.Dir(p) {
			if s.Cgroups[p].State == "1\n" {
				return true
			}
		}
		return false
	}
	return path != "/" && fx.selfFreezing(s.Cgroups[path])
}

// frozen reports whether a cgroup shows itself frozen: freezer.state reads
// FROZEN, or v2's cgroup.events says frozen 1.
func (fx *fzFixture) frozen(cs fzCgroupSnap) bool {
	if fx.v == freezer.V2 {
		return strings.HasSuffix(cs.Events, "frozen 1\n")
	}
	return cs.State == "FROZEN\n"
}

func (fx *fzFixture) snapshot(t *testing.T) fzSnapshot {
	t.Helper()
	s, err := fx.trySnapshot()
	if err != nil {
		t.Fatal(err)
	}
	fx.same = fx.orig.Cgroups != nil && fzSameSnapshot(s, fx.orig)
	return s
}

// trySnapshot is snapshot for restore, which discards a fixture it cannot
// read rather than fail the input.
func (fx *fzFixture) trySnapshot() (fzSnapshot, error) {
	s := fzSnapshot{Cgroups: map[string]fzCgroupSnap{}, Tasks: map[int]freezer.TaskStat{}}
	var walk func(c *freezer.Cgroup) error
	walk = func(c *freezer.Cgroup) error {
		var cs fzCgroupSnap
		dir := strings.TrimSuffix(c.Path(), "/")
		k := fx.kernel()
		read := func(name string) (string, error) {
			b, err := fx.h.ReadFile(dir + "/" + name)
			if err != nil {
				return "", fmt.Errorf("snapshot: read %s/%s: %v", dir, name, err)
			}
			return string(b), nil
		}
		var err error
		if c.Parent() == nil {
			// The root has no freezer files; a cgroup may take the name.
			_, err := c.State()
			cs.State = "!" + fzErrnoName(err)
		} else if b, err := fx.h.ReadFile(dir + "/" + k.control); err != nil {
			cs.State = "!" + fzErrnoName(err)
		} else {
			cs.State = string(b)
			switch fx.v {
			case freezer.V1:
				if cs.Self, err = read("freezer.self_freezing"); err != nil {
					return err
				}
				if cs.Parent, err = read("freezer.parent_freezing"); err != nil {
					return err
				}
			case freezer.V2:
				if cs.Events, err = read("cgroup.events"); err != nil {
					return err
				}
				// Its clock runs while a freeze lasts: only its form is
				// checked.
				st, err := read("cgroup.stat.local")
				if err != nil {
					return err
				}
				if !fzFrozenUsec(st) {
					return fmt.Errorf("snapshot: %s/cgroup.stat.local = %q", dir, st)
				}
			}
		}
		if cs.Tasks, err = read(k.taskFiles[0]); err != nil {
			return err
		}
		for _, name := range k.taskFiles[1:] {
			if other, err := read(name); err != nil {
				return err
			} else if other != cs.Tasks {
				return fmt.Errorf("snapshot: %s: %s says %q, %s says %q", dir, k.taskFiles[0], cs.Tasks, name, other)
			}
		}
		// Iteration must agree with the tasks file.
		var it []int
		for tk := range c.Tasks() {
			it = append(it, tk.PID())
		}
		slices.Sort(it)
		if got := fzPIDLines(it); got != cs.Tasks {
			return fmt.Errorf("snapshot: %s: Tasks() iterates %q, tasks file says %q", c.Path(), got, cs.Tasks)
		}
		s.Cgroups[c.Path()] = cs
		for _, k := range c.Children() {
			if err := walk(k); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(fx.h.Root()); err != nil {
		return fzSnapshot{}, err
	}
	for _, tk := range fx.tasks {
		s.Tasks[tk.PID()] = tk.Stat()
	}
	return s, nil
}

// fzSameSnapshot is cmp.Equal for snapshots without reflection, which cost
// more than the rest of an input: every input compares at least once.
func fzSameSnapshot(a, b fzSnapshot) bool {
	return (a.Cgroups == nil) == (b.Cgroups == nil) && maps.Equal(a.Cgroups, b.Cgroups) &&
		(a.Tasks == nil) == (b.Tasks == nil) && maps.Equal(a.Tasks, b.Tasks)
}

func fzPIDLines(pids []int) string {
	var b strings.Builder
	for _, p := range pids {
		b.WriteString(strconv.Itoa(p))
		b.WriteByte('\n')
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Error checks.

// fzErrnoName names the errno an error wraps, for snapshots and messages.
func fzErrnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		for name, e := range fzErrnoNames {
			if e == errno {
				return name
			}
		}
		return errno.Error()
	}
	return err.Error()
}

var fzErrnoNames = map[string]syscall.Errno{
	"EIO": syscall.EIO, "E2BIG": syscall.E2BIG, "ENODEV": syscall.ENODEV,
	"EBUSY": syscall.EBUSY, "EEXIST": syscall.EEXIST, "ENOENT": syscall.ENOENT,
	"EINVAL": syscall.EINVAL, "ESRCH": syscall.ESRCH, "ENOTDIR": syscall.ENOTDIR,
	"EISDIR": syscall.EISDIR, "ENAMETOOLONG": syscall.ENAMETOOLONG, "ERANGE": syscall.ERANGE,
}

// The errno sets each operation documents (cgroup.go, freezer.go, DESIGN.md).
// ENODEV is documented for a cgroup removed during the call; no path can name
// a removed cgroup and the fuzz inputs run alone, so it cannot occur here.
// EINVAL on Mkdir, Rmdir and ReadFile is the NUL byte in a path (os returns
// EINVAL for it too), and on ReadFile also v2's write-only cgroup.kill; on
// WriteFile it is also a bad PID in a task file, a read-only file, and v1's
// and v2's refusal of a write to their freezer files. ERANGE is v2's number
// out of range.
var (
	fzMkdirErrnos = []syscall.Errno{syscall.ENOENT, syscall.EEXIST, syscall.ENOTDIR,
		syscall.EINVAL, syscall.ENAMETOOLONG}
	fzRmdirErrnos = []syscall.Errno{syscall.ENOENT, syscall.ENOTDIR, syscall.EBUSY,
		syscall.EINVAL, syscall.ENAMETOOLONG}
	fzReadErrnos = []syscall.Errno{syscall.ENOENT, syscall.EISDIR, syscall.ENOTDIR,
		syscall.EINVAL, syscall.ENAMETOOLONG}
	fzWriteErrnos = []syscall.Errno{syscall.ENOENT, syscall.EISDIR, syscall.ENOTDIR,
		syscall.EINVAL, syscall.ENAMETOOLONG, syscall.E2BIG, syscall.EIO, syscall.EBUSY,
		syscall.ESRCH, syscall.ERANGE}
)

// fzPathErr checks that err is an *fs.PathError for op on path, around a bare
// syscall.Errno from allowed, and returns the errno.
func fzPathErr(t *testing.T, err error, op, path string, allowed []syscall.Errno) syscall.Errno {
	t.Helper()
	pe, ok := err.(*fs.PathError)
	if !ok {
		t.Fatalf("%s %q: error %v is a %T, want *fs.PathError", op, path, err, err)
	}
	if pe.Op != op || pe.Path != path {
		t.Errorf("%s %q: PathError{Op: %q, Path: %q}, want Op %q and the path as given", op, path, pe.Op, pe.Path, op)
	}
	errno, ok := pe.Err.(syscall.Errno)
	if !ok {
		t.Fatalf("%s %q: PathError.Err %v is a %T, want syscall.Errno", op, path, pe.Err, pe.Err)
	}
	if !slices.Contains(allowed, errno) {
		t.Fatalf("%s %q: errno %s (%v), not among the documented %v", op, path, fzErrnoName(errno), errno, allowed)
	}
	return errno
}

// fzCheckCause checks the errnos whose cause the path itself shows: a long
// name, a NUL byte.
func fzCheckCause(t *testing.T, op, path string, errno syscall.Errno, invalidOK bool) {
	t.Helper()
	switch errno {
	case syscall.ENAMETOOLONG:
		if !slices.ContainsFunc(strings.Split(path, "/"), func(s string) bool { return len(s) > 255 }) {
			t.Errorf("%s %q: ENAMETOOLONG, but no component is longer than 255 bytes", op, path)
		}
	case syscall.EINVAL:
		// rmdir(2) of a path whose last component is "." is EINVAL.
		dot := op == "rmdir" && pathpkg.Base(path) == "."
		if !invalidOK && !dot && !strings.Contains(path, "\x00") {
			t.Errorf("%s %q: EINVAL, but the path has no NUL byte", op, path)
		}
	}
}

// fzNoTrailingSlash fails a successful read or write of a path that ends in
// a slash: such a path names a directory, and open(2) of a control file with
// a trailing slash fails with ENOTDIR (checked on a v1 cgroupfs:
// open("/sys/fs/cgroup/freezer/tasks/") gives ENOTDIR), so a read or write
// of one cannot succeed.
func fzNoTrailingSlash(t *testing.T, op, path string) {
	t.Helper()
	if strings.HasSuffix(path, "/") {
		t.Fatalf("%s %q succeeded; a control file named with a trailing slash gives ENOTDIR on cgroupfs", op, path)
	}
}

// fzTrim is the trailing white space the control files strip.
func fzTrim(b []byte) string { return string(bytes.TrimRight(b, " \t\n\v\f\r")) }

// fzAllDigits reports whether s is a non-empty string of ASCII digits.
func fzAllDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// fzUnchanged fails the test if anything differs from before. It formats
// what the input did only then: quoting every input, some of them kilobytes
// long, was a good part of what an input cost.
func fzUnchanged(t *testing.T, before, after fzSnapshot, format string, args ...any) {
	t.Helper()
	if fzSameSnapshot(before, after) {
		return // cmp.Diff would say so too, at many times the cost
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("%s changed the hierarchy (-before +after):\n%s", fmt.Sprintf(format, args...), diff)
	}
}

// fzOnlyFreezing checks the documented exception to "nothing changes": an
// EBUSY write of FROZEN leaves its cgroup FREEZING and sends freeze requests
// to that cgroup's tasks. Every other cgroup, every tasks file and every task
// of another cgroup must be as before. It returns the cgroup that changed,
// or "" if none did.
func fzOnlyFreezing(t *testing.T, what string, before, after fzSnapshot) string {
	t.Helper()
	changed := ""
	for p, b := range before.Cgroups {
		a, ok := after.Cgroups[p]
		if !ok {
			t.Fatalf("%s: cgroup %s vanished", what, p)
		}
		if a.Tasks != b.Tasks {
			t.Fatalf("%s: %s tasks changed from %q to %q", what, p, b.Tasks, a.Tasks)
		}
		if a.State != b.State {
			if changed != "" || a.State != "FREEZING\n" {
				t.Fatalf("%s: %s changed from %q to %q (another change: %q)", what, p, b.State, a.State, changed)
			}
			changed = p
		}
	}
	if len(after.Cgroups) != len(before.Cgroups) {
		t.Fatalf("%s: cgroups changed (-before +after):\n%s", what, cmp.Diff(before.Cgroups, after.Cgroups))
	}
	for pid, b := range before.Tasks {
		a := after.Tasks[pid]
		if a.Cgroup != b.Cgroup {
			t.Fatalf("%s: task %d moved from %s to %s", what, pid, b.Cgroup, a.Cgroup)
		}
		if a != b && a.Cgroup != changed {
			t.Fatalf("%s: task %d outside the freezing cgroup %q changed (-before +after):\n%s", what, pid, changed, cmp.Diff(b, a))
		}
	}
	return changed
}

// frozenEnough is DESIGN.md's "frozen enough" (the patch's test for a task
// that no longer holds up a freeze), from a task's Stat: frozen, or with a
// freeze request and stopped, traced, or a vfork parent. It goes by the
// fixture's roles rather than the letter, as v1 shows a stopped task that a
// freeze has reached as D.
func (fx *fzFixture) frozenEnough(st freezer.TaskStat) bool {
	return st.Frozen || (st.Freezing && (st.PID == fzStoppedPID || st.PID == fzTracedPID || st.PID == fzVforkPID))
}

// counted is each version's test for a task that no longer keeps its
// cgroup from being frozen: frozen enough in the patch; in v1 also a task
// without a freeze request (a NoFreeze one: it does not block FROZEN); in v2
// a task frozen, stopped, traced or a vfork parent, request or not, and
// never a NoFreeze one (the kernel's kthread rule: it keeps frozen 0).
func (fx *fzFixture) counted(st freezer.TaskStat) bool {
	switch fx.v {
	case freezer.V1:
		return !st.Freezing || fx.frozenEnough(st)
	case freezer.V2:
		return st.PID != fzNoFreezePID &&
			(st.Frozen || st.PID == fzStoppedPID || st.PID == fzTracedPID || st.PID == fzVforkPID)
	}
	return fx.frozenEnough(st)
}

// blocker reports whether a task keeps every freeze of its cgroup from
// completing in fx's version: task 8's uninterruptible wait, and in v2 the
// NoFreeze task too.
func (fx *fzFixture) blocker(pid int) bool {
	return pid == fzDWaitPID || (fx.v == freezer.V2 && pid == fzNoFreezePID)
}

// fzUnder reports whether the cgroup at path is dir or one of its
// descendants.
func fzUnder(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// fzBase is the last component of a path, trailing slashes ignored.
func fzBase(path string) string {
	p := strings.TrimRight(path, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// fzFrozenUsec reports whether s is what cgroup.stat.local shows:
// "frozen_usec N\n".
func fzFrozenUsec(s string) bool {
	n, ok := strings.CutPrefix(s, "frozen_usec ")
	if !ok {
		return false
	}
	n, ok = strings.CutSuffix(n, "\n")
	return ok && fzAllDigits(n)
}

// fzStrip is the kernel's strstrip, which v1 and v2 apply to a write before
// they read it: it cuts the bytes the kernel's isspace knows (tab, newline,
// vertical tab, form feed, carriage return, space, and Latin-1's no-break
// space 0xA0) from both ends; bytes, not UTF-8 runes, so U+00A0 keeps its
// first byte.
func fzStrip(data []byte) string {
	space := func(b byte) bool { return b == ' ' || '\t' <= b && b <= '\r' || b == 0xa0 }
	for len(data) > 0 && space(data[0]) {
		data = data[1:]
	}
	for len(data) > 0 && space(data[len(data)-1]) {
		data = data[:len(data)-1]
	}
	return string(data)
}

// fzCString is the kernel's view of a write in v1 and v2 (seen on 6.18):
// a C string, which ends at the first NUL.
func fzCString(data []byte) []byte {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return data[:i]
	}
	return data
}

// fzKstrtoint is the kernel's kstrtoint(s, 0, &n) (lib/kstrtox.c), which
// cgroup.freeze and cgroup.kill parse a stripped write with: an optional
// sign ("-", or "+"), then digits in the base their prefix gives ("0x" or "0X"
// before a hex digit: 16, skipping the prefix; another leading "0": 8; else
// 10), then at most one newline. ERANGE if the digits overflow 64 bits; else
// EINVAL if there is no digit or anything else follows; else ERANGE if the
// number is not an int. No "0b" or "0o" prefix and no digit separators: that
// is Go's syntax, not the kernel's.
func fzKstrtoint(s string) (int64, syscall.Errno) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:] // _kstrtoull takes no second sign
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	base := uint64(10)
	if strings.HasPrefix(s, "0") {
		base = 8
		if len(s) > 2 && s[1]|0x20 == 'x' && strings.IndexByte("0123456789abcdefABCDEF", s[2]) >= 0 {
			base, s = 16, s[2:]
		}
	}
	var v uint64
	n, overflow := 0, false
	for ; n < len(s); n++ {
		d := uint64(16)
		switch c := s[n]; {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = uint64(c|0x20-'a') + 10
		}
		if d >= base {
			break
		}
		if v > (math.MaxUint64-d)/base {
			overflow = true
		}
		v = v*base + d
	}
	switch rest := s[n:]; {
	case overflow:
		return 0, syscall.ERANGE
	case n == 0, rest != "" && rest != "\n":
		return 0, syscall.EINVAL
	case neg && v > 1<<31, !neg && v > math.MaxInt32:
		return 0, syscall.ERANGE
	case neg:
		return -int64(v), 0
	}
	return int64(v), 0
}

// What a successful write of a freezer file does.
const (
	fzNoop   = "no-op"
	fzFreeze = "freeze"
	fzThaw   = "thaw"
	fzKill   = "kill"
)

// wantFreezerWrite is what writing data to the freezer file name of the
// cgroup dir must do in fx's version: the errnos it may fail with (0: it may
// succeed), and what it does if it succeeds. Each is what DESIGN.md says: the
// root has no freezer file (ENOENT); a read-only file takes no write
// (EINVAL, or E2BIG first for one too long, as kernfs checks the size before
// it asks the file); E2BIG at 4096 bytes in the patch, above 4096 in v1 and
// v2; the patch's freezer.state takes RUNNING or FROZEN after trailing white
// space (EIO otherwise; EBUSY for FROZEN where a task cannot freeze now: /c's
// D task, /n/m's NoFreeze task); v1's takes THAWED or FROZEN after white
// space at both ends (EINVAL otherwise); v2's cgroup.freeze takes 0 or 1 and
// cgroup.kill 1, as kstrtoint reads them (its EINVAL; ERANGE for another
// number); in v1 and v2 an empty write does nothing.
func (fx *fzFixture) wantFreezerWrite(dir, name string, data []byte) ([]syscall.Errno, string) {
	k := fx.kernel()
	switch {
	case dir == "/":
		return []syscall.Errno{syscall.ENOENT}, ""
	case fx.v != freezer.Patch2008 && len(data) > k.maxWrite:
		// kernfs refuses a long write first (seen on 6.18).
		return []syscall.Errno{syscall.E2BIG}, ""
	case fx.v != freezer.Patch2008 && len(data) == 0:
		// cgroup_file_write takes an empty write as done, before it
		// looks for a handler (seen on 6.18).
		return []syscall.Errno{0}, fzNoop
	case slices.Contains(k.readOnly, name):
		if len(data) > k.maxWrite {
			return []syscall.Errno{syscall.EINVAL, syscall.E2BIG}, ""
		}
		return []syscall.Errno{syscall.EINVAL}, ""
	case len(data) > k.maxWrite:
		return []syscall.Errno{syscall.E2BIG}, ""
	case fx.v == freezer.Patch2008:
		switch fzTrim(data) {
		case "RUNNING":
			return []syscall.Errno{0}, fzThaw
		case "FROZEN":
			if dir == "/c" || dir == "/n/m" {
				return []syscall.Errno{syscall.EBUSY}, fzFreeze
			}
			return []syscall.Errno{0}, fzFreeze
		}
		return []syscall.Errno{syscall.EIO}, ""
	case fx.v == freezer.V1:
		switch fzStrip(fzCString(data)) {
		case "THAWED":
			return []syscall.Errno{0}, fzThaw
		case "FROZEN":
			return []syscall.Errno{0}, fzFreeze
		}
		return []syscall.Errno{syscall.EINVAL}, ""
	}
	n, errno := fzKstrtoint(fzStrip(fzCString(data)))
	switch {
	case errno != 0:
		return []syscall.Errno{errno}, ""
	case name == "cgroup.kill" && n == 1:
		return []syscall.Errno{0}, fzKill
	case name == "cgroup.freeze" && n == 1:
		return []syscall.Errno{0}, fzFreeze
	case name == "cgroup.freeze" && n == 0:
		return []syscall.Errno{0}, fzThaw
	}
	return []syscall.Errno{syscall.ERANGE}, ""
}

// awaitKill marks the fixture for a discard after a successful write of
// cgroup.kill to dir, and waits until every task of dir's subtree has exited
// but task 8, which no kill takes out of its uninterruptible wait. The
// snapshot after the write is taken only then: it may not race the exits.
func (fx *fzFixture) awaitKill(t *testing.T, before fzSnapshot, dir string) {
	t.Helper()
	fx.killed = true
	for pid, st := range before.Tasks {
		if fzUnder(st.Cgroup, dir) && pid != fzDWaitPID {
			waitDone(t, fx.tasks[pid-1])
		}
	}
}

// checkFreezerWrite checks the hierarchy after a successful write that did
// what: a thaw is synchronous, so every cgroup of the subtree (in the patch,
// of the cgroup only) that no freeze covers any more shows it, and none of
// its tasks is frozen or has a request; after a freeze the cgroup asks for one
// and each cgroup of its subtree has one in effect, and the cgroup freezes
// unless a task that cannot freeze is in its subtree, every task of which is
// then counted.
func (fx *fzFixture) checkFreezerWrite(t *testing.T, dir, what string, before, after fzSnapshot) {
	t.Helper()
	subtree := func(p string) bool { return fzUnder(p, dir) && (p == dir || fx.v != freezer.Patch2008) }
	switch what {
	case fzNoop:
		fzUnchanged(t, before, after, "a no-op write to %s", dir)
	case fzThaw:
		if fx.selfFreezing(after.Cgroups[dir]) {
			t.Fatalf("after a thaw %s still asks for a freeze: %+v", dir, after.Cgroups[dir])
		}
		for p, cs := range after.Cgroups {
			if !subtree(p) || fx.freezing(after, p) {
				continue
			}
			if fx.frozen(cs) || cs.State == "FREEZING\n" {
				t.Fatalf("after a thaw of %s, %s shows %+v", dir, p, cs)
			}
			for pid, st := range after.Tasks {
				if st.Cgroup == p && (st.Frozen || st.Freezing) {
					t.Errorf("after a thaw of %s, task %d is %+v", dir, pid, st)
				}
			}
		}
	case fzFreeze:
		if !fx.selfFreezing(after.Cgroups[dir]) {
			t.Fatalf("after a freeze %s does not ask for one: %+v", dir, after.Cgroups[dir])
		}
		blocked := false
		for p := range after.Cgroups {
			if subtree(p) && !fx.freezing(after, p) {
				t.Fatalf("after a freeze of %s, %s has none in effect: %+v", dir, p, after.Cgroups[p])
			}
		}
		for pid, st := range after.Tasks {
			if subtree(st.Cgroup) && fx.blocker(pid) {
				blocked = true
			}
		}
		if blocked {
			if fx.frozen(after.Cgroups[dir]) {
				t.Fatalf("%s shows frozen with a task that cannot freeze in it: %+v", dir, after.Cgroups[dir])
			}
			return
		}
		c, err := fx.h.Lookup(dir)
		if err != nil {
			t.Fatal(err)
		}
		var tasks []*freezer.Task
		for pid, st := range after.Tasks {
			if subtree(st.Cgroup) {
				tasks = append(tasks, fx.tasks[pid-1])
			}
		}
		if fx.v == freezer.V2 {
			// v2 may show frozen 1 before every task of the subtree is
			// counted (cgroup_propagate_frozen looks at descendants, not
			// at the cgroup's own tasks: reference section 8, item 6), so
			// only the end state is checked: all counted, and frozen.
			fzWaitFor(t, dir+"'s tasks counted", func() bool {
				for _, tk := range tasks {
					if !fx.counted(tk.Stat()) {
						return false
					}
				}
				return true
			})
			waitFrozen(t, c)
			return
		}
		waitFrozen(t, c)
		for _, tk := range tasks {
			if st := tk.Stat(); !fx.counted(st) {
				t.Errorf("%s reads frozen, but task %+v is not frozen enough", dir, st)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Control-file writes.

// FuzzFreezerStateWrite writes arbitrary bytes to one of the freezer's files
// of one of the fixture's cgroups: which picks the cgroup, and which/8 the
// file among the version's (the control file first: freezer.state, or v2's
// cgroup.freeze; then v1's freezer.self_freezing and freezer.parent_freezing,
// v2's cgroup.events, cgroup.kill and cgroup.stat.local). The result must be
// exactly what wantFreezerWrite says, nothing may change on error except
// that the patch's EBUSY write of FROZEN leaves its cgroup FREEZING, and a
// successful write must do what it says (checkFreezerWrite).
func FuzzFreezerStateWrite(f *testing.F) {
	f.Add([]byte("FROZEN"), uint8(1))
	f.Add([]byte("RUNNING\n"), uint8(3))
	// v1's THAWED and white space at both ends; v2's kstrtoint.
	f.Add([]byte("THAWED\n"), uint8(3))
	f.Add([]byte(" FROZEN\n"), uint8(2))
	f.Add([]byte(" 0x1\n"), uint8(1))
	f.Add([]byte("0"), uint8(3))
	f.Add([]byte("2147483648"), uint8(5))
	// The other files (which/8 picks them).
	f.Add([]byte("1"), uint8(8+3))  // v1 freezer.self_freezing, v2 cgroup.events
	f.Add([]byte("0"), uint8(16+3)) // v1 freezer.parent_freezing, v2 cgroup.kill: ERANGE
	f.Add([]byte("1"), uint8(16+5)) // v2 cgroup.kill of an empty cgroup
	f.Add([]byte("1\n"), uint8(16+4))
	f.Add([]byte("1"), uint8(24+4)) // v2 cgroup.stat.local
	fcs := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		fcs.each(t, func(t *testing.T, fx *fzFixture, before fzSnapshot) {
			k := fx.kernel()
			dir := fzCgroupPaths[int(which)%len(fzCgroupPaths)]
			name := k.freezerFiles[int(which)/len(fzCgroupPaths)%len(k.freezerFiles)]
			path := strings.TrimSuffix(dir, "/") + "/" + name
			want, what := fx.wantFreezerWrite(dir, name, data)

			err := fx.h.WriteFile(path, data)
			if err == nil && what == fzKill {
				fx.awaitKill(t, before, dir)
			}
			after := fx.snapshot(t)
			if err != nil {
				errno := fzPathErr(t, err, "write", path, fzWriteErrnos)
				if !slices.Contains(want, errno) {
					t.Fatalf("write %q to %s: %s, want %v (0: success)", data, path, fzErrnoName(errno), want)
				}
				if errno == syscall.EBUSY {
					fzOnlyFreezing(t, "EBUSY write of FROZEN", before, after)
					if got := after.Cgroups[dir].State; got != "FREEZING\n" {
						t.Fatalf("after EBUSY: %s reads %q, want FREEZING", dir, got)
					}
					return
				}
				fzUnchanged(t, before, after, "failed write %q to %s", data, path)
				return
			}
			if !slices.Contains(want, 0) {
				t.Fatalf("write %q to %s succeeded, want %v", data, path, want)
			}
			fx.checkFreezerWrite(t, dir, what, before, after)
		})
	})
}

// FuzzTasksWrite writes arbitrary bytes to a task file of one of the
// fixture's cgroups: which picks the cgroup, and which/8 the file among the
// version's (tasks; v1's tasks and cgroup.procs; v2's cgroup.procs). The
// result must be what DESIGN.md says: E2BIG for 4096 bytes or more in the
// patch, more than 4096 in v1 and v2; in the patch EINVAL unless the data
// is a decimal number after trailing white space is stripped, in v1 and v2
// (seen on 6.18) EINVAL unless kstrtoint reads the stripped write, up to its
// first NUL, as a number not negative, and an empty write does nothing;
// ESRCH for no such PID; in
// the patch EBUSY from can_attach (the destination reads FROZEN, or the task
// is frozen enough); else the task moves. In v1 and v2 a move is never
// refused: the task is thawed, or gets a freeze request, as its destination
// is. Nothing may change on error.
func FuzzTasksWrite(f *testing.F) {
	f.Add([]byte("1"), uint8(4))
	f.Add([]byte("7\n"), uint8(1))
	f.Add([]byte("2"), uint8(8+3)) // v1's cgroup.procs: a sleeper into FROZEN
	f.Add([]byte("9"), uint8(8+5)) // v1's cgroup.procs: a frozen task out
	fcs := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		fcs.each(t, func(t *testing.T, fx *fzFixture, before fzSnapshot) {
			k := fx.kernel()
			dir := fzCgroupPaths[int(which)%len(fzCgroupPaths)]
			file := k.taskFiles[int(which)/len(fzCgroupPaths)%len(k.taskFiles)]
			path := strings.TrimSuffix(dir, "/") + "/" + file

			s := fzTrim(data)
			pid, perr := strconv.Atoi(s)
			kernfs := fx.v != freezer.Patch2008
			if kernfs {
				// v1 and v2 (seen on 6.18): kstrtoint of the stripped C
				// string; any failure, or a negative PID, is EINVAL.
				n, errno := fzKstrtoint(fzStrip(fzCString(data)))
				pid, perr = int(n), nil
				if errno != 0 || n < 0 {
					perr = errno
					if errno == 0 {
						perr = syscall.EINVAL
					}
				}
			}
			var want []syscall.Errno // nil: success
			switch {
			case len(data) > k.maxWrite:
				want = []syscall.Errno{syscall.E2BIG}
			case kernfs && len(data) == 0:
				// An empty write reaches no handler (seen on 6.18).
				if err := fx.h.WriteFile(path, data); err != nil {
					t.Fatalf("empty write to %s: %v", path, err)
				}
				fzUnchanged(t, before, fx.snapshot(t), "empty write to %s", path)
				return
			case kernfs && perr != nil:
				want = []syscall.Errno{syscall.EINVAL}
			case !kernfs && !fzAllDigits(s):
				want = []syscall.Errno{syscall.EINVAL}
			case perr != nil:
				// Digits past the range of int: the kernel's strtoull wraps
				// (ESRCH), a strict parse refuses (EINVAL); either is a fair
				// "no such task".
				want = []syscall.Errno{syscall.EINVAL, syscall.ESRCH}
			default:
				st, ok := before.Tasks[pid]
				switch {
				case !ok:
					want = []syscall.Errno{syscall.ESRCH}
				case st.Cgroup == dir:
					// Attaching a task to its own cgroup is a no-op.
				case fx.v != freezer.Patch2008:
					// v1 and v2 refuse no move.
				case dir != "/" && before.Cgroups[dir].State == "FROZEN\n", fx.frozenEnough(st):
					want = []syscall.Errno{syscall.EBUSY}
				}
			}

			err := fx.h.WriteFile(path, data)
			after := fx.snapshot(t)
			if err != nil {
				errno := fzPathErr(t, err, "write", path, []syscall.Errno{syscall.E2BIG, syscall.EINVAL, syscall.ESRCH, syscall.EBUSY})
				if !slices.Contains(want, errno) {
					t.Fatalf("write %q to %s: %s, want one of %v (nil: success)", data, path, fzErrnoName(errno), want)
				}
				fzUnchanged(t, before, after, "failed write %q to %s", data, path)
				return
			}
			if want != nil {
				t.Fatalf("write %q to %s succeeded, want one of %v", data, path, want)
			}
			if got := after.Tasks[pid].Cgroup; got != dir {
				t.Fatalf("after writing %d to %s the task is in %s", pid, path, got)
			}
			if !slices.Contains(strings.Fields(after.Cgroups[dir].Tasks), strconv.Itoa(pid)) {
				t.Fatalf("after writing %d to %s the file reads %q", pid, path, after.Cgroups[dir].Tasks)
			}
			src, got := before.Tasks[pid].Cgroup, after.Tasks[pid]
			if src == dir {
				fzUnchanged(t, before, after, "writing %d to its own cgroup's %s", pid, file)
				return
			}
			if slices.Contains(strings.Fields(after.Cgroups[src].Tasks), strconv.Itoa(pid)) {
				t.Fatalf("after moving %d from %s its %s still lists it: %q", pid, src, k.taskFiles[0], after.Cgroups[src].Tasks)
			}
			// Once its only unfrozen task (in D) has left, /c is frozen:
			// the patch and v1 at the next read, v2 at once.
			if src == "/c" && pid == fzDWaitPID && !fx.frozen(after.Cgroups["/c"]) {
				t.Errorf("after its blocking task left, /c shows %+v, want frozen", after.Cgroups["/c"])
			}
			switch {
			case fx.v == freezer.Patch2008 || !fx.freezing(after, dir):
				// The patch: a task moved into FREEZING is not frozen by
				// the move, and one moved out loses its request. v1 and
				// v2: a task moved where no freeze is in effect is thawed
				// at once.
				if got.Frozen || got.Freezing {
					t.Errorf("task %d moved from %s to %s is %+v, want no freeze request", pid, src, dir, got)
				}
			case pid == fzNoFreezePID:
				if got.Frozen || got.Freezing {
					t.Errorf("NoFreeze task moved into freezing %s is %+v, want no freeze request", dir, got)
				}
			case pid == fzDWaitPID:
				if !got.Freezing {
					t.Errorf("D task moved into freezing %s is %+v, want a freeze request", dir, got)
				}
			default:
				// A task moved into a freezing cgroup freezes, and the
				// cgroup with it unless a task that cannot freeze is there.
				tk := fx.tasks[pid-1]
				fzWaitFor(t, fmt.Sprintf("task %d frozen enough in %s", pid, dir), func() bool { return fx.frozenEnough(tk.Stat()) })
				for p, st := range after.Tasks {
					if st.Cgroup == dir && fx.blocker(p) {
						return
					}
				}
				c, err := fx.h.Lookup(dir)
				if err != nil {
					t.Fatal(err)
				}
				waitFrozen(t, c)
			}
		})
	})
}

// ---------------------------------------------------------------------------
// The path API.

// newCgroup is what a cgroup made under parent shows in fx's version: the
// patch's is RUNNING; v1's and v2's follow the freeze in effect on their
// parent (FROZEN, self 0, parent 1; cgroup.freeze 0 and frozen 1), being
// empty.
func (fx *fzFixture) newCgroup(s fzSnapshot, parent string) fzCgroupSnap {
	freezing := fx.freezing(s, parent)
	switch {
	case fx.v == freezer.V1 && freezing:
		return fzCgroupSnap{State: "FROZEN\n", Self: "0\n", Parent: "1\n"}
	case fx.v == freezer.V1:
		return fzCgroupSnap{State: "THAWED\n", Self: "0\n", Parent: "0\n"}
	case fx.v == freezer.V2 && freezing:
		return fzCgroupSnap{State: "0\n", Events: "populated 0\nfrozen 1\n"}
	case fx.v == freezer.V2:
		return fzCgroupSnap{State: "0\n", Events: "populated 0\nfrozen 0\n"}
	}
	return fzCgroupSnap{State: "RUNNING\n"}
}

// FuzzMkdir makes a cgroup at an arbitrary path: the error must be one
// Mkdir documents, nothing may change on error, and on success exactly one
// new, empty cgroup appears, RUNNING or, in v1 and v2, frozen if its parent
// freezes.
func FuzzMkdir(f *testing.F) {
	f.Add("/x")
	f.Add("/a/freezer.state")
	f.Add("/b/x") // under a frozen cgroup
	f.Add("/c/x") // under a freezing one
	fcs := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string) {
		fcs.each(t, func(t *testing.T, fx *fzFixture, before fzSnapshot) {
			err := fx.h.Mkdir(path)
			after := fx.snapshot(t)
			if err != nil {
				errno := fzPathErr(t, err, "mkdir", path, fzMkdirErrnos)
				fzCheckCause(t, "mkdir", path, errno, false)
				fzUnchanged(t, before, after, "failed mkdir %q", path)
				return
			}
			var added []string
			for p := range after.Cgroups {
				if _, ok := before.Cgroups[p]; !ok {
					added = append(added, p)
				}
			}
			if len(added) != 1 || len(after.Cgroups) != len(before.Cgroups)+1 {
				t.Fatalf("mkdir %q: cgroups (-before +after):\n%s", path, cmp.Diff(before.Cgroups, after.Cgroups))
			}
			if got, want := after.Cgroups[added[0]], fx.newCgroup(after, pathpkg.Dir(added[0])); got != want {
				t.Fatalf("mkdir %q: new cgroup %s is %+v, want %+v", path, added[0], got, want)
			}
			name := added[0][strings.LastIndexByte(added[0], '/')+1:]
			if !strings.Contains(path, name) || len(name) > 255 || strings.ContainsRune(name, 0) {
				t.Fatalf("mkdir %q made %q", path, added[0])
			}
			delete(after.Cgroups, added[0])
			fzUnchanged(t, before, after, "mkdir %q, beyond its new cgroup,", path)
		})
	})
}

// FuzzRmdir removes the cgroup at an arbitrary path: the error must be one
// Rmdir documents, nothing may change on error, and only /e (the one empty
// leaf) can go.
func FuzzRmdir(f *testing.F) {
	f.Add("/e")
	f.Add("/a")
	fcs := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string) {
		fcs.each(t, func(t *testing.T, fx *fzFixture, before fzSnapshot) {
			err := fx.h.Rmdir(path)
			after := fx.snapshot(t)
			if err != nil {
				errno := fzPathErr(t, err, "rmdir", path, fzRmdirErrnos)
				fzCheckCause(t, "rmdir", path, errno, false)
				fzUnchanged(t, before, after, "failed rmdir %q", path)
				return
			}
			want := before
			want.Cgroups = make(map[string]fzCgroupSnap)
			for p, c := range before.Cgroups {
				if p != "/e" {
					want.Cgroups[p] = c
				}
			}
			if diff := cmp.Diff(want, after); diff != "" {
				t.Fatalf("rmdir %q: want only /e gone (-want +got):\n%s", path, diff)
			}
		})
	})
}

// FuzzReadFile reads an arbitrary path: the error must be one ReadFile
// documents (EINVAL for v2's write-only cgroup.kill too), a read never
// changes anything, and what it returns is the contents of one of the
// fixture's control files, or cgroup.stat.local's frozen_usec line.
func FuzzReadFile(f *testing.F) {
	f.Add("/c/freezer.state")
	f.Add("/a/tasks")
	f.Add("/b/cgroup.events")
	f.Add("/c/freezer.parent_freezing")
	f.Add("/b/cgroup.stat.local")
	f.Add("/a/cgroup.kill")
	f.Add("/cgroup.procs")
	fcs := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string) {
		fcs.each(t, func(t *testing.T, fx *fzFixture, before fzSnapshot) {
			b, err := fx.h.ReadFile(path)
			after := fx.snapshot(t)
			fzUnchanged(t, before, after, "read %q", path)
			if err != nil {
				if b != nil {
					t.Errorf("read %q: %v with data %q", path, err, b)
				}
				errno := fzPathErr(t, err, "read", path, fzReadErrnos)
				fzCheckCause(t, "read", path, errno, fx.v == freezer.V2 && fzBase(path) == "cgroup.kill")
				return
			}
			fzNoTrailingSlash(t, "read", path)
			if fx.v == freezer.V2 && fzBase(path) == "cgroup.stat.local" {
				if !fzFrozenUsec(string(b)) {
					t.Fatalf("read %q = %q, want \"frozen_usec N\\n\"", path, b)
				}
				return
			}
			for _, c := range before.Cgroups {
				if slices.Contains([]string{c.State, c.Tasks, c.Self, c.Parent, c.Events}, string(b)) {
					return
				}
			}
			t.Fatalf("read %q = %q, the contents of no control file", path, b)
		})
	})
}

// FuzzWriteFile writes arbitrary bytes to an arbitrary path: the error must
// be one WriteFile documents, E2BIG only for a write too long for the
// version, EIO only from the patch's freezer.state, ERANGE only from v2's
// cgroup.freeze and cgroup.kill, ESRCH only from a task file, EBUSY only in
// the patch, and nothing may change on error but the patch's EBUSY write of
// FROZEN leaving its cgroup FREEZING. A write that succeeds must be one that
// its file takes.
func FuzzWriteFile(f *testing.F) {
	f.Add("/a/freezer.state", []byte("FROZEN\n"))
	f.Add("/e/tasks", []byte("2"))
	f.Add("/b/freezer.state", []byte("THAWED"))
	f.Add("/b/cgroup.freeze", []byte("0"))
	f.Add("/a/sub/cgroup.procs", []byte("7"))
	f.Add("/c/cgroup.events", []byte("1"))
	f.Add("/a/freezer.self_freezing", []byte("1"))
	f.Add("/a/sub/cgroup.kill", []byte("1"))
	fcs := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		fcs.each(t, func(t *testing.T, fx *fzFixture, before fzSnapshot) {
			k := fx.kernel()
			base := fzBase(path)
			err := fx.h.WriteFile(path, data)
			if _, what := fx.wantFreezerWrite("/x", base, data); err == nil && base == "cgroup.kill" && what == fzKill {
				if c, lerr := fx.h.Lookup(strings.TrimSuffix(path, base)); lerr == nil {
					fx.awaitKill(t, before, c.Path())
				}
			}
			after := fx.snapshot(t)
			if err == nil {
				fzNoTrailingSlash(t, "write", path)
				if !fx.isFile(base) || slices.Contains(k.readOnly, base) {
					t.Fatalf("write to %q succeeded: no writable control file is named %q", path, base)
				}
				if len(data) > k.maxWrite {
					t.Fatalf("write of %d bytes to %q succeeded", len(data), path)
				}
				switch {
				case slices.Contains(k.taskFiles, base):
					if !fzAllDigits(fzTrim(data)) {
						t.Fatalf("write %q to %q succeeded", data, path)
					}
				default:
					// The file's cgroup is not the root, which has none
					// of the freezer's files.
					if want, _ := fx.wantFreezerWrite("/x", base, data); !slices.Contains(want, 0) {
						t.Fatalf("write %q to %q succeeded, want %v", data, path, want)
					}
				}
				return
			}
			errno := fzPathErr(t, err, "write", path, fzWriteErrnos)
			fzCheckCause(t, "write", path, errno, fx.isFile(base) && !(fx.v == freezer.Patch2008 && base == "freezer.state"))
			switch errno {
			case syscall.E2BIG:
				if len(data) <= k.maxWrite {
					t.Fatalf("write of %d bytes to %q: E2BIG", len(data), path)
				}
			case syscall.EIO:
				if fx.v != freezer.Patch2008 || base != "freezer.state" {
					t.Fatalf("write to %q: EIO, but it is not the patch's freezer.state", path)
				}
			case syscall.ERANGE:
				if fx.v != freezer.V2 || (base != "cgroup.freeze" && base != "cgroup.kill") {
					t.Fatalf("write to %q: ERANGE, but it is not v2's cgroup.freeze or cgroup.kill", path)
				}
			case syscall.ESRCH:
				if !slices.Contains(k.taskFiles, base) {
					t.Fatalf("write to %q: ESRCH, but it is not a task file", path)
				}
			case syscall.EBUSY:
				if fx.v != freezer.Patch2008 {
					t.Fatalf("write %q to %q: EBUSY, but only the patch refuses", data, path)
				}
				if base == "freezer.state" {
					if fzTrim(data) != "FROZEN" {
						t.Fatalf("write %q to %q: EBUSY, but only FROZEN can be busy", data, path)
					}
					fzOnlyFreezing(t, fmt.Sprintf("EBUSY write %q to %q", data, path), before, after)
					return
				}
			}
			fzUnchanged(t, before, after, "failed write %q to %q", data, path)
		})
	})
}
