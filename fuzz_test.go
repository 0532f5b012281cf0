package freezer_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
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
// write (freezer.state, tasks) and the path API (Mkdir, Rmdir, ReadFile,
// WriteFile) with arbitrary paths and bytes. Each input runs against a small
// fixed fixture and checks: no panic (the lock checker included), every error
// an *fs.PathError whose Err is a syscall.Errno from the set cgroup.go and
// DESIGN.md document for that operation, and nothing changed when an error is
// returned. A fuzz worker builds the fixture once and puts it back after each
// input that changed it, since building it cost more than the input; an input
// that fails, or a fixture that does not come back exactly, gets a new one.
// The seed corpus is in testdata/fuzz/<FuzzName>/. Every private name here
// starts with "fz".
//
// Run one target with, for example:
//
//	go test -run '^$' -fuzz '^FuzzFreezerStateWrite$' -fuzztime 30s

// ---------------------------------------------------------------------------
// The fixture.

// fzFixture is the hierarchy every input runs against. Its PIDs are fixed:
// tasks are spawned in this order, so the seed corpus can name them.
//
//	/            (no freezer.state)  11 sleeper
//	/a           RUNNING   1 busy, 2 sleeper, 3 stopped (T), 4 traced (t)
//	/a/sub       RUNNING   5 vfork parent (D, skip-counted), 6 its child (S)
//	/b           FROZEN    7 sleeper, frozen
//	/c           FREEZING  8 in an uninterruptible wait (D), 9 sleeper, frozen
//	/e           RUNNING   empty: the only removable cgroup
//	/n           RUNNING   no tasks, one child
//	/n/m         RUNNING   10 NoFreeze sleeper: a FROZEN write is EBUSY
//
// A fuzz worker builds it once and runs every input against it (fzFixtures),
// so it is small not for the cost of building it but because an input that
// changes it pays for putting it back, and every lock the library takes is
// checked.
type fzFixture struct {
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

	mu   sync.Mutex
	spin bool          // an input is running, so task 1 is busy
	run  chan struct{} // closed when spin is set
}

// The fixture's PIDs with a role in the checks.
const (
	fzVforkPID = 5 // the vfork parent: 'D' but skip-counted
	fzDWaitPID = 8 // the only task that keeps /c FREEZING
)

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

// fzFixtures is one fuzz target's fixture, kept across the inputs a fuzz
// worker runs: building one per input (11 goroutines, stops, a vfork, two
// freezes and a Shutdown) cost more than the input itself. Inputs run one at a
// time, in the fuzz worker's process or as the seed corpus's subtests, so it
// needs no lock.
type fzFixtures struct {
	fx *fzFixture // nil until the first input, and after a discard
	// dirty is set while an input runs and cleared only once fx is back to
	// fx.orig: an input that fails may leave it in any state, and the next
	// one then gets a new fixture.
	dirty bool
}

// fzNewFixtures returns f's fixture cache. f's cleanup shuts the fixture
// down, so goleak finds no task goroutine when the target ends.
func fzNewFixtures(f *testing.F) *fzFixtures {
	fc := &fzFixtures{}
	f.Cleanup(func() { fc.discard(f) })
	return fc
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
			h:    freezer.New(freezer.WithLockChecks()),
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
// original snapshot soon. A failed input leaves it dirty.
func (fc *fzFixtures) put(t *testing.T) {
	t.Helper()
	if fc.fx == nil {
		return
	}
	fc.fx.setBusy(false)
	if t.Failed() {
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
	if err := c.Freeze(); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("fixture: Freeze(/c) = %v, want EBUSY", err)
	}
	fzWaitFor(t, "fixture /c sleeper frozen", cs.Frozen)

	spawn(m, "nofreeze", sleeper, 'S', freezer.NoFreeze())
	spawn(h.Root(), "rootsleeper", sleeper, 'S')

	want := fzSnapshot{
		Cgroups: map[string]fzCgroupSnap{
			"/":      {State: "!ENOENT", Tasks: "11\n"},
			"/a":     {State: "RUNNING\n", Tasks: "1\n2\n3\n4\n"},
			"/a/sub": {State: "RUNNING\n", Tasks: "5\n6\n"},
			"/b":     {State: "FROZEN\n", Tasks: "7\n"},
			"/c":     {State: "FREEZING\n", Tasks: "8\n9\n"},
			"/e":     {State: "RUNNING\n"},
			"/n":     {State: "RUNNING\n"},
			"/n/m":   {State: "RUNNING\n", Tasks: "10\n"},
		},
	}
	got := fx.snapshot(t)
	if diff := cmp.Diff(want.Cgroups, got.Cgroups); diff != "" {
		t.Fatalf("fixture cgroups (-want +got):\n%s", diff)
	}
	const letters = "RSTtDSDDDSS" // by PID-1; 7 and 9 frozen, 8 freezing
	for pid, st := range got.Tasks {
		frozen := pid == 7 || pid == 9
		if st.State != letters[pid-1] || st.Frozen != frozen || st.Freezing != (pid == fzDWaitPID) {
			t.Fatalf("fixture task %d: %+v", pid, st)
		}
	}
	return got
}

// restore brings the fixture back to fx.orig through the public API, as
// a cgroupfs user would, and waits until its snapshot says so. It undoes what
// one input can do: a write of freezer.state, a move, a mkdir, an rmdir.
// Each cgroup that differs, or that a task must move back into, is thawed
// first, as a FROZEN cgroup takes no task and a frozen task cannot move; the
// ones orig has FROZEN or FREEZING are frozen again last, which leaves /c
// FREEZING with EBUSY since task 8 is in D.
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
		if s := orig.Cgroups[p].State; s == "FROZEN\n" || s == "FREEZING\n" {
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
	State string // freezer.state contents, or "!" and the errno
	Tasks string // the tasks file
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
		if c.Parent() == nil {
			// The root has no freezer.state; a cgroup may take the name.
			_, err := c.State()
			cs.State = "!" + fzErrnoName(err)
		} else if b, err := fx.h.ReadFile(dir + "/freezer.state"); err != nil {
			cs.State = "!" + fzErrnoName(err)
		} else {
			cs.State = string(b)
		}
		b, err := fx.h.ReadFile(dir + "/tasks")
		if err != nil {
			return fmt.Errorf("snapshot: read %s/tasks: %v", dir, err)
		}
		cs.Tasks = string(b)
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
	"EISDIR": syscall.EISDIR, "ENAMETOOLONG": syscall.ENAMETOOLONG,
}

// The errno sets each operation documents (cgroup.go, freezer.go, DESIGN.md).
// ENODEV is documented for a cgroup removed during the call; no path can name
// a removed cgroup and the fuzz inputs run alone, so it cannot occur here.
// EINVAL on Mkdir, Rmdir and ReadFile is the NUL byte in a path (os returns
// EINVAL for it too); on WriteFile it is also a bad PID in tasks.
var (
	fzMkdirErrnos = []syscall.Errno{syscall.ENOENT, syscall.EEXIST, syscall.ENOTDIR,
		syscall.EINVAL, syscall.ENAMETOOLONG}
	fzRmdirErrnos = []syscall.Errno{syscall.ENOENT, syscall.ENOTDIR, syscall.EBUSY,
		syscall.EINVAL, syscall.ENAMETOOLONG}
	fzReadErrnos = []syscall.Errno{syscall.ENOENT, syscall.EISDIR, syscall.ENOTDIR,
		syscall.EINVAL, syscall.ENAMETOOLONG}
	fzWriteErrnos = []syscall.Errno{syscall.ENOENT, syscall.EISDIR, syscall.ENOTDIR,
		syscall.EINVAL, syscall.ENAMETOOLONG, syscall.E2BIG, syscall.EIO, syscall.EBUSY,
		syscall.ESRCH}
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

// fzFrozenEnough is DESIGN.md's "frozen enough", from a task's Stat.
func (fx *fzFixture) frozenEnough(st freezer.TaskStat) bool {
	return st.Frozen || (st.Freezing && (st.State == 'T' || st.State == 't' || st.PID == fzVforkPID))
}

// ---------------------------------------------------------------------------
// Control-file writes.

// FuzzFreezerStateWrite writes arbitrary bytes to the freezer.state of one of
// the fixture's cgroups (the root has none: ENOENT). The result must be
// exactly what DESIGN.md's transition table says: E2BIG for 4096 bytes or
// more, EIO for anything but RUNNING or FROZEN after trailing white space is
// stripped, EBUSY for FROZEN where a task cannot freeze now (/c, /n/m), else
// success; and nothing may change on error except the FROZEN-EBUSY case.
func FuzzFreezerStateWrite(f *testing.F) {
	f.Add([]byte("FROZEN"), uint8(1))
	f.Add([]byte("RUNNING\n"), uint8(3))
	fc := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		fx, before := fc.get(t)
		defer fc.put(t)
		dir := fzCgroupPaths[int(which)%len(fzCgroupPaths)]
		path := strings.TrimSuffix(dir, "/") + "/freezer.state"

		var want error
		goal := fzTrim(data)
		switch {
		case dir == "/":
			want = syscall.ENOENT
		case len(data) >= 4096:
			want = syscall.E2BIG
		case goal != "RUNNING" && goal != "FROZEN":
			want = syscall.EIO
		case goal == "FROZEN" && (dir == "/c" || dir == "/n/m"):
			want = syscall.EBUSY
		}

		err := fx.h.WriteFile(path, data)
		after := fx.snapshot(t)
		if err != nil {
			errno := fzPathErr(t, err, "write", path, []syscall.Errno{syscall.ENOENT, syscall.E2BIG, syscall.EIO, syscall.EBUSY})
			if errno != want {
				t.Fatalf("write %q to %s: %s, want %v", data, path, fzErrnoName(errno), want)
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
		if want != nil {
			t.Fatalf("write %q to %s succeeded, want %s", data, path, fzErrnoName(want))
		}
		c, lerr := fx.h.Lookup(dir)
		if lerr != nil {
			t.Fatal(lerr)
		}
		if goal == "RUNNING" {
			// A thaw is synchronous: every task's freeze request and
			// PF_FROZEN are cleared before the write returns.
			if got := after.Cgroups[dir].State; got != "RUNNING\n" {
				t.Fatalf("after RUNNING: %s reads %q", dir, got)
			}
			for pid, st := range after.Tasks {
				if st.Cgroup == dir && (st.Frozen || st.Freezing) {
					t.Errorf("after RUNNING on %s, task %d is %+v", dir, pid, st)
				}
			}
			return
		}
		if got := after.Cgroups[dir].State; got != "FREEZING\n" && got != "FROZEN\n" {
			t.Fatalf("after FROZEN: %s reads %q", dir, got)
		}
		waitFrozen(t, c)
		for pid, st := range after.Tasks {
			if st.Cgroup == dir {
				tk, _ := fx.h.Task(pid)
				if st := tk.Stat(); !fx.frozenEnough(st) {
					t.Errorf("%s reads FROZEN, but task %+v is not frozen enough", dir, st)
				}
			}
		}
	})
}

// FuzzTasksWrite writes arbitrary bytes to the tasks file of one of the
// fixture's cgroups. The result must be what DESIGN.md says: E2BIG for 4096
// bytes or more; EINVAL unless the data is a decimal number after trailing
// white space is stripped; ESRCH for no such PID; EBUSY from can_attach
// (the destination reads FROZEN, or the task is frozen enough); else the task
// moves. Nothing may change on error.
func FuzzTasksWrite(f *testing.F) {
	f.Add([]byte("1"), uint8(4))
	f.Add([]byte("7\n"), uint8(1))
	fc := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		fx, before := fc.get(t)
		defer fc.put(t)
		dir := fzCgroupPaths[int(which)%len(fzCgroupPaths)]
		path := strings.TrimSuffix(dir, "/") + "/tasks"

		s := fzTrim(data)
		pid, perr := strconv.Atoi(s)
		var want []syscall.Errno // nil: success
		switch {
		case len(data) >= 4096:
			want = []syscall.Errno{syscall.E2BIG}
		case !fzAllDigits(s):
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
			fzUnchanged(t, before, after, "writing %d to its own cgroup's tasks", pid)
			return
		}
		if slices.Contains(strings.Fields(after.Cgroups[src].Tasks), strconv.Itoa(pid)) {
			t.Fatalf("after moving %d from %s its tasks file still lists it: %q", pid, src, after.Cgroups[src].Tasks)
		}
		// /c is FREEZING: a task moved in is not frozen by the move; one
		// moved out loses its request; and once its only unfrozen task (in
		// D) has left, /c reads FROZEN.
		if got.Frozen || got.Freezing {
			t.Errorf("task %d moved from %s to %s is %+v, want no freeze request", pid, src, dir, got)
		}
		if src == "/c" && pid == fzDWaitPID {
			if s := after.Cgroups["/c"].State; s != "FROZEN\n" {
				t.Errorf("after its blocking task left, /c reads %q, want FROZEN", s)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// The path API.

// FuzzMkdir makes a cgroup at an arbitrary path: the error must be one
// Mkdir documents, nothing may change on error, and on success exactly one
// new, empty, RUNNING cgroup appears.
func FuzzMkdir(f *testing.F) {
	f.Add("/x")
	f.Add("/a/freezer.state")
	fc := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string) {
		fx, before := fc.get(t)
		defer fc.put(t)
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
		if got := after.Cgroups[added[0]]; got != (fzCgroupSnap{State: "RUNNING\n"}) {
			t.Fatalf("mkdir %q: new cgroup %s is %+v, want empty and RUNNING", path, added[0], got)
		}
		name := added[0][strings.LastIndexByte(added[0], '/')+1:]
		if !strings.Contains(path, name) || len(name) > 255 || strings.ContainsRune(name, 0) {
			t.Fatalf("mkdir %q made %q", path, added[0])
		}
		delete(after.Cgroups, added[0])
		fzUnchanged(t, before, after, "mkdir %q, beyond its new cgroup,", path)
	})
}

// FuzzRmdir removes the cgroup at an arbitrary path: the error must be one
// Rmdir documents, nothing may change on error, and only /e (the one empty
// leaf) can go.
func FuzzRmdir(f *testing.F) {
	f.Add("/e")
	f.Add("/a")
	fc := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string) {
		fx, before := fc.get(t)
		defer fc.put(t)
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
}

// FuzzReadFile reads an arbitrary path: the error must be one ReadFile
// documents, a read never changes anything, and what it returns is the
// contents of one of the fixture's control files.
func FuzzReadFile(f *testing.F) {
	f.Add("/c/freezer.state")
	f.Add("/a/tasks")
	fc := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string) {
		fx, before := fc.get(t)
		defer fc.put(t)
		b, err := fx.h.ReadFile(path)
		after := fx.snapshot(t)
		fzUnchanged(t, before, after, "read %q", path)
		if err != nil {
			if b != nil {
				t.Errorf("read %q: %v with data %q", path, err, b)
			}
			errno := fzPathErr(t, err, "read", path, fzReadErrnos)
			fzCheckCause(t, "read", path, errno, false)
			return
		}
		fzNoTrailingSlash(t, "read", path)
		for _, c := range before.Cgroups {
			if string(b) == c.State || string(b) == c.Tasks {
				return
			}
		}
		t.Fatalf("read %q = %q, the contents of no control file", path, b)
	})
}

// FuzzWriteFile writes arbitrary bytes to an arbitrary path: the error must
// be one WriteFile documents, E2BIG only for 4096 bytes or more, EIO only from
// freezer.state, ESRCH only from tasks, and nothing may change on error but
// an EBUSY write of FROZEN leaving its cgroup FREEZING.
func FuzzWriteFile(f *testing.F) {
	f.Add("/a/freezer.state", []byte("FROZEN\n"))
	f.Add("/e/tasks", []byte("2"))
	fc := fzNewFixtures(f)
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		fx, before := fc.get(t)
		defer fc.put(t)
		err := fx.h.WriteFile(path, data)
		after := fx.snapshot(t)
		base := path[strings.LastIndexByte(strings.TrimRight(path, "/"), '/')+1:]
		base = strings.TrimRight(base, "/")
		if err == nil {
			fzNoTrailingSlash(t, "write", path)
			switch base {
			case "freezer.state":
				if g := fzTrim(data); g != "RUNNING" && g != "FROZEN" {
					t.Fatalf("write %q to %q succeeded", data, path)
				}
			case "tasks":
				if !fzAllDigits(fzTrim(data)) {
					t.Fatalf("write %q to %q succeeded", data, path)
				}
			default:
				t.Fatalf("write to %q succeeded: no control file is named %q", path, base)
			}
			if len(data) >= 4096 {
				t.Fatalf("write of %d bytes to %q succeeded", len(data), path)
			}
			return
		}
		errno := fzPathErr(t, err, "write", path, fzWriteErrnos)
		fzCheckCause(t, "write", path, errno, base == "tasks")
		switch errno {
		case syscall.E2BIG:
			if len(data) < 4096 {
				t.Fatalf("write of %d bytes to %q: E2BIG", len(data), path)
			}
		case syscall.EIO:
			if base != "freezer.state" {
				t.Fatalf("write to %q: EIO, but it is not freezer.state", path)
			}
		case syscall.ESRCH:
			if base != "tasks" {
				t.Fatalf("write to %q: ESRCH, but it is not tasks", path)
			}
		case syscall.EBUSY:
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
}
