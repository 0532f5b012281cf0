package freezer_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"maps"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cgfreezer/freezer"
)

// This file checks DESIGN.md's version table ("What each version shows"):
// one test per row, each over the three versions, asserting what the row's
// cell says for each; then the prose after the table (cgroup.procs,
// cgroup.kill, the root) and the calls WithVersion adds. Every private name
// here starts with "vt".

// vtVersions are the versions, in the table's column order.
var vtVersions = []freezer.Version{freezer.Patch2008, freezer.V1, freezer.V2}

// vtKernel is what a version calls its files and what its Freeze and Thaw
// write.
type vtKernel struct {
	control      string   // the file Freeze and Thaw write
	freeze, thaw string   // what they write
	taskFiles    []string // the files that list a cgroup's tasks and move one in
	frozenLetter byte     // a frozen task's /proc letter
}

var vtKernels = map[freezer.Version]vtKernel{
	freezer.Patch2008: {"freezer.state", "FROZEN", "RUNNING", []string{"tasks"}, 'D'},
	freezer.V1:        {"freezer.state", "FROZEN", "THAWED", []string{"tasks", "cgroup.procs"}, 'D'},
	freezer.V2:        {"cgroup.freeze", "1", "0", []string{"cgroup.procs"}, 'S'},
}

// vtFreezerFiles are the freezer's files of every version: none of them is
// in the root, and a version has only its own.
var vtFreezerFiles = []string{
	"freezer.state", "freezer.self_freezing", "freezer.parent_freezing",
	"cgroup.freeze", "cgroup.events", "cgroup.kill", "cgroup.stat.local",
}

// vtRow runs one row of the table: each version's cell on a hierarchy of
// that version. Every version must have a cell.
func vtRow(t *testing.T, cells map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy)) {
	t.Helper()
	if len(cells) != len(vtVersions) {
		t.Fatalf("the row has %d cells, want one for each of %v", len(cells), vtVersions)
	}
	for _, v := range vtVersions {
		cell := cells[v]
		if cell == nil {
			t.Fatalf("the row has no cell for %v", v)
		}
		t.Run(v.String(), func(t *testing.T) {
			h := newHierarchy(t, freezer.WithVersion(v))
			if got := h.Version(); got != v {
				t.Fatalf("Version() = %v, want %v", got, v)
			}
			cell(t, h)
		})
	}
}

// vtSame returns cells that run the same function for every version.
func vtSame(cell func(t *testing.T, h *freezer.Hierarchy)) map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy) {
	m := map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){}
	for _, v := range vtVersions {
		m[v] = cell
	}
	return m
}

func vtKern(h *freezer.Hierarchy) vtKernel { return vtKernels[h.Version()] }

// vtRead reads a control file and fails the test on error.
func vtRead(t testing.TB, h *freezer.Hierarchy, path string) string {
	t.Helper()
	b, err := h.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", path, err)
	}
	return string(b)
}

// vtWantFile checks a control file's exact contents.
func vtWantFile(t testing.TB, h *freezer.Hierarchy, path, want string) {
	t.Helper()
	if got := vtRead(t, h, path); got != want {
		t.Errorf("ReadFile(%s) = %q, want %q", path, got, want)
	}
}

// vtWrite writes a control file and fails the test on error.
func vtWrite(t testing.TB, h *freezer.Hierarchy, path, data string) {
	t.Helper()
	if err := h.WriteFile(path, []byte(data)); err != nil {
		t.Fatalf("WriteFile(%s, %q): %v", path, data, err)
	}
}

// vtFreeze and vtThaw write the version's control file through the path
// API.
func vtFreeze(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup) {
	t.Helper()
	vtWrite(t, h, tblFile(c, vtKern(h).control), vtKern(h).freeze+"\n")
}

func vtThaw(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup) {
	t.Helper()
	vtWrite(t, h, tblFile(c, vtKern(h).control), vtKern(h).thaw+"\n")
}

// vtMove writes tk's PID to c's task file named file.
func vtMove(h *freezer.Hierarchy, c *freezer.Cgroup, file string, tk *freezer.Task) error {
	return h.WriteFile(tblFile(c, file), []byte(strconv.Itoa(tk.PID())+"\n"))
}

// vtEvents reads cgroup.events, checks its format, and returns its values.
func vtEvents(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup) freezer.Events {
	t.Helper()
	s := vtRead(t, h, tblFile(c, "cgroup.events"))
	var ev freezer.Events
	switch s {
	case "populated 0\nfrozen 0\n":
	case "populated 0\nfrozen 1\n":
		ev.Frozen = true
	case "populated 1\nfrozen 0\n":
		ev.Populated = true
	case "populated 1\nfrozen 1\n":
		ev = freezer.Events{Populated: true, Frozen: true}
	default:
		t.Fatalf("%s/cgroup.events = %q, not \"populated N\\nfrozen N\\n\"", c.Path(), s)
	}
	return ev
}

// vtWantEvents checks what c's Events returns.
func vtWantEvents(t testing.TB, c *freezer.Cgroup, want freezer.Events) {
	t.Helper()
	if got, err := c.Events(); err != nil || got != want {
		t.Errorf("%s: Events() = %+v, %v; want %+v", c.Path(), got, err, want)
	}
}

// vtStateWord is freezer.state's word for s in the patch and in v1.
func vtStateWord(v freezer.Version, s freezer.State) string {
	if v == freezer.V1 && s == freezer.Running {
		return "THAWED"
	}
	return s.String()
}

// vtWantState checks c's effective state through State and through the
// version's file: freezer.state (patch, v1), or the frozen line of
// cgroup.events (v2).
func vtWantState(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup, want freezer.State) {
	t.Helper()
	if got := state(t, c); got != want {
		t.Errorf("%s: State() = %v, want %v", c.Path(), got, want)
	}
	if v := h.Version(); v == freezer.V2 {
		if got := vtEvents(t, h, c).Frozen; got != (want == freezer.Frozen) {
			t.Errorf("%s: cgroup.events says frozen %v, want State %v", c.Path(), got, want)
		}
	} else {
		vtWantFile(t, h, tblFile(c, "freezer.state"), vtStateWord(v, want)+"\n")
	}
}

// vtWantFlags checks SelfFreezing and ParentFreezing, and in v1 their files
// freezer.self_freezing and freezer.parent_freezing, in v2 cgroup.freeze.
func vtWantFlags(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup, self, parent bool) {
	t.Helper()
	if got, err := c.SelfFreezing(); err != nil || got != self {
		t.Errorf("%s: SelfFreezing() = %v, %v; want %v", c.Path(), got, err, self)
	}
	if got, err := c.ParentFreezing(); err != nil || got != parent {
		t.Errorf("%s: ParentFreezing() = %v, %v; want %v", c.Path(), got, err, parent)
	}
	bit := func(b bool) string {
		if b {
			return "1\n"
		}
		return "0\n"
	}
	switch h.Version() {
	case freezer.V1:
		vtWantFile(t, h, tblFile(c, "freezer.self_freezing"), bit(self))
		vtWantFile(t, h, tblFile(c, "freezer.parent_freezing"), bit(parent))
	case freezer.V2:
		vtWantFile(t, h, tblFile(c, "cgroup.freeze"), bit(self))
	}
}

// vtWantTypedErr checks an error of a typed call: an *fs.PathError for path
// around the errno (itself, or a *freezer.BusyError wrapping EBUSY), which
// errors.Is finds.
func vtWantTypedErr(t testing.TB, err error, path string, want syscall.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", path, err, want)
		return
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Errorf("%s: error %v (%T) is not an *fs.PathError", path, err, err)
		return
	}
	if pe.Path != path {
		t.Errorf("PathError.Path = %q, want %q", pe.Path, path)
	}
}

// vtWantAddedCallsErr checks that the calls WithVersion adds fail on c with
// errno: SelfFreezing, ParentFreezing and Events on the version's control
// file, Kill on cgroup.kill and FrozenTime on cgroup.stat.local.
func vtWantAddedCallsErr(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup, errno syscall.Errno) {
	t.Helper()
	control := tblFile(c, vtKern(h).control)
	_, err := c.SelfFreezing()
	vtWantTypedErr(t, err, control, errno)
	_, err = c.ParentFreezing()
	vtWantTypedErr(t, err, control, errno)
	_, err = c.Events()
	vtWantTypedErr(t, err, control, errno)
	vtWantTypedErr(t, c.Kill(), tblFile(c, "cgroup.kill"), errno)
	_, err = c.FrozenTime()
	vtWantTypedErr(t, err, tblFile(c, "cgroup.stat.local"), errno)
}

// vtSnapshot is everything a failed write must leave alone: the contents of
// every readable control file (but cgroup.stat.local, whose clock runs while
// a freeze lasts) and every task's Stat.
type vtSnapshot struct {
	Files map[string]string
	Tasks map[int]freezer.TaskStat
}

func vtSnap(t testing.TB, h *freezer.Hierarchy) vtSnapshot {
	t.Helper()
	s := vtSnapshot{Files: map[string]string{}, Tasks: map[int]freezer.TaskStat{}}
	tblWalk(h.Root(), func(c *freezer.Cgroup) {
		for _, name := range c.Files() {
			if name == "cgroup.kill" || name == "cgroup.stat.local" {
				continue
			}
			s.Files[tblFile(c, name)] = vtRead(t, h, tblFile(c, name))
		}
		tblAddStats(s.Tasks, c)
	})
	return s
}

// vtUnchanged fails the test if the hierarchy differs from before, and
// reports whether it does not.
func vtUnchanged(t testing.TB, h *freezer.Hierarchy, before vtSnapshot, what string) bool {
	t.Helper()
	if diff := cmp.Diff(before, vtSnap(t, h)); diff != "" {
		t.Errorf("%s changed the hierarchy (-before +after):\n%s", what, diff)
		return false
	}
	return true
}

// vtMkdir makes name under c or fails the test.
func vtMkdir(t testing.TB, c *freezer.Cgroup, name string) *freezer.Cgroup {
	t.Helper()
	k, err := c.Mkdir(name)
	if err != nil {
		t.Fatalf("Mkdir(%s, %q): %v", c.Path(), name, err)
	}
	return k
}

// vtParentChild makes /p and /p/k or fails the test.
func vtParentChild(t testing.TB, h *freezer.Hierarchy) (p, k *freezer.Cgroup) {
	t.Helper()
	p = mkdir(t, h, "p")
	return p, vtMkdir(t, p, "k")
}

// vtMkdirPath makes the cgroup path through the path API, looks it up, or
// fails the test.
func vtMkdirPath(t testing.TB, h *freezer.Hierarchy, path string) *freezer.Cgroup {
	t.Helper()
	if err := h.Mkdir(path); err != nil {
		t.Fatalf("Mkdir(%s): %v", path, err)
	}
	c, err := h.Lookup(path)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", path, err)
	}
	return c
}

// vtWantFiles checks the exact contents of c's files: name → contents.
func vtWantFiles(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup, files map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		vtWantFile(t, h, tblFile(c, name), files[name])
	}
}

// vtFrozenSleeper makes a cgroup name with a sleeper, freezes it through the
// path API and waits until it is frozen.
func vtFrozenSleeper(t testing.TB, h *freezer.Hierarchy, parent *freezer.Cgroup, name string) (*freezer.Cgroup, *freezer.Task) {
	t.Helper()
	c := vtMkdir(t, parent, name)
	s := tblSleeper(t, c, name+"-sleeper")
	vtFreezeWait(t, h, c, s)
	return c, s
}

// vtFreezeWait freezes c through the path API and waits until it is frozen
// and each of tasks is in the refrigerator.
func vtFreezeWait(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup, tasks ...*freezer.Task) {
	t.Helper()
	vtFreeze(t, h, c)
	waitFrozen(t, c)
	for _, tk := range tasks {
		tblWaitFrozenTask(t, tk)
	}
}

// vtRelease opens g, on which tk is held in c, and waits until tk and then
// c are frozen.
func vtRelease(t testing.TB, g *tblGate, tk *freezer.Task, c *freezer.Cgroup) {
	t.Helper()
	g.open()
	tblWaitFrozenTask(t, tk)
	waitFrozen(t, c)
}

// vtRunner spawns a task in c that runs without a safe point until g opens,
// and then sleeps: until then it cannot honour a freeze request.
func vtRunner(t testing.TB, c *freezer.Cgroup, name string, g *tblGate) *freezer.Task {
	t.Helper()
	started := make(chan struct{})
	tk := spawn(t, c, name, func(tk *freezer.Task) {
		close(started)
		<-g.ch
		sleeper(tk)
	})
	<-started
	return tk
}

// vtNotDone checks that tk has not exited, after watching for a while.
func vtNotDone(t testing.TB, tk *freezer.Task, what string) {
	t.Helper()
	select {
	case <-tk.Done():
		t.Errorf("task %d (%s) exited %s", tk.PID(), tk.Name(), what)
	case <-time.After(quiet):
	}
}

// ---------------------------------------------------------------------------
// The rows.

// TestVersionFiles: "files of a non-root cgroup".
func TestVersionFiles(t *testing.T) {
	want := map[freezer.Version][]string{
		freezer.Patch2008: {"freezer.state", "tasks"},
		freezer.V1:        {"cgroup.procs", "freezer.parent_freezing", "freezer.self_freezing", "freezer.state", "tasks"},
		freezer.V2:        {"cgroup.events", "cgroup.freeze", "cgroup.kill", "cgroup.procs", "cgroup.stat.local"},
	}
	all := map[string]bool{}
	for _, names := range want {
		for _, n := range names {
			all[n] = true
		}
	}
	vtRow(t, vtSame(func(t *testing.T, h *freezer.Hierarchy) {
		c := mkdir(t, h, "c")
		k := vtMkdir(t, c, "k")
		g := vtMkdirPath(t, h, "/c/k/g")
		mine := want[h.Version()]
		for _, cg := range []*freezer.Cgroup{c, k, g} {
			if diff := cmp.Diff(mine, cg.Files()); diff != "" {
				t.Errorf("%s: Files() (-want +got):\n%s", cg.Path(), diff)
			}
			for n := range all {
				if slices.Contains(mine, n) {
					continue
				}
				p := tblFile(cg, n)
				_, err := h.ReadFile(p)
				tblPathErrno(t, err, p, syscall.ENOENT)
				tblPathErrno(t, h.WriteFile(p, []byte("1")), p, syscall.ENOENT)
			}
		}
	}))
}

// TestVersionNewCgroup: "a new cgroup reads". Each cell gives what the
// files of a new cgroup, and of a new child of it, read.
func TestVersionNewCgroup(t *testing.T) {
	cell := func(files map[string]string) func(t *testing.T, h *freezer.Hierarchy) {
		return func(t *testing.T, h *freezer.Hierarchy) {
			for _, c := range []*freezer.Cgroup{mkdir(t, h, "c"), vtMkdir(t, h.Root(), "d")} {
				for _, cg := range []*freezer.Cgroup{c, vtMkdir(t, c, "k")} {
					vtWantFiles(t, h, cg, files)
					vtWantFlags(t, h, cg, false, false)
					if s := state(t, cg); s != freezer.Running {
						t.Errorf("%s: State() = %v, want RUNNING", cg.Path(), s)
					}
					if ev, err := cg.Events(); err != nil || ev != (freezer.Events{}) {
						t.Errorf("%s: Events() = %+v, %v; want neither populated nor frozen", cg.Path(), ev, err)
					}
					if h.Version() == freezer.V2 { // the others have no frozen time
						if d, err := cg.FrozenTime(); err != nil || d != 0 {
							t.Errorf("%s: FrozenTime() = %v, %v; want 0", cg.Path(), d, err)
						}
					}
				}
			}
		}
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: cell(map[string]string{"freezer.state": "RUNNING\n", "tasks": ""}),
		freezer.V1: cell(map[string]string{
			"freezer.state": "THAWED\n", "freezer.self_freezing": "0\n", "freezer.parent_freezing": "0\n",
			"tasks": "", "cgroup.procs": "",
		}),
		freezer.V2: cell(map[string]string{
			"cgroup.freeze": "0\n", "cgroup.events": "populated 0\nfrozen 0\n", "cgroup.procs": "",
			"cgroup.stat.local": "frozen_usec 0\n",
		}),
	})
}

// TestVersionHierarchy: "hierarchy". A worker in each of /p, /p/k and
// /p/k/g shows which of them a freeze reaches.
func TestVersionHierarchy(t *testing.T) {
	type tree struct {
		p, k, g    *freezer.Cgroup
		tp, tk, tg *freezer.Task
		wp, wk, wg *worker
	}
	build := func(t *testing.T, h *freezer.Hierarchy) *tree {
		var tr tree
		tr.p = mkdir(t, h, "p")
		tr.k = vtMkdir(t, tr.p, "k")
		tr.g = vtMkdir(t, tr.k, "g")
		tr.tp, tr.wp = spawnWorker(t, tr.p, "wp")
		tr.tk, tr.wk = spawnWorker(t, tr.k, "wk")
		tr.tg, tr.wg = spawnWorker(t, tr.g, "wg")
		return &tr
	}
	// frozen checks that the workers of the cgroups marked true are frozen
	// and stay put, and the others run.
	frozen := func(t *testing.T, tr *tree, p, k, g bool) {
		t.Helper()
		for _, x := range []struct {
			name string
			tk   *freezer.Task
			w    *worker
			want bool
		}{{"wp", tr.tp, tr.wp, p}, {"wk", tr.tk, tr.wk, k}, {"wg", tr.tg, tr.wg, g}} {
			if x.want {
				tblWaitFrozenTask(t, x.tk)
				staysPut(t, x.name, x.w)
			} else {
				runsAgain(t, x.name, x.w)
				if st := x.tk.Stat(); st.Frozen || st.Freezing {
					t.Errorf("%s: %+v, want neither frozen nor freezing", x.name, st)
				}
			}
		}
	}
	// nested is v1's and v2's cell: a freeze covers the subtree, and a
	// child's own bit, set or cleared, does not undo its parent's.
	nested := func(t *testing.T, h *freezer.Hierarchy) {
		tr := build(t, h)
		vtFreeze(t, h, tr.p)
		if h.Version() == freezer.V2 { // frozen 1 climbs from the leaves
			waitFrozen(t, tr.g)
			waitFrozen(t, tr.k)
		}
		waitFrozen(t, tr.p)
		for _, c := range []*freezer.Cgroup{tr.p, tr.k, tr.g} {
			vtWantState(t, h, c, freezer.Frozen)
		}
		vtWantFlags(t, h, tr.p, true, false)
		vtWantFlags(t, h, tr.k, false, true)
		vtWantFlags(t, h, tr.g, false, true)
		frozen(t, tr, true, true, true)

		// The child's own bit, cleared while it has none, set and cleared:
		// it stays frozen by its parent's.
		vtThaw(t, h, tr.k)
		vtFreeze(t, h, tr.k)
		vtWantFlags(t, h, tr.k, true, true)
		vtThaw(t, h, tr.k)
		vtWantFlags(t, h, tr.k, false, true)
		vtWantState(t, h, tr.k, freezer.Frozen)
		vtWantState(t, h, tr.g, freezer.Frozen)
		frozen(t, tr, true, true, true)

		// With its own bit set the child outlives its parent's thaw, and
		// keeps its own child frozen.
		if err := tr.k.Freeze(); err != nil {
			t.Fatal(err)
		}
		vtThaw(t, h, tr.p)
		vtWantState(t, h, tr.p, freezer.Running)
		vtWantState(t, h, tr.k, freezer.Frozen)
		vtWantState(t, h, tr.g, freezer.Frozen)
		vtWantFlags(t, h, tr.p, false, false)
		vtWantFlags(t, h, tr.k, true, false)
		vtWantFlags(t, h, tr.g, false, true)
		frozen(t, tr, false, true, true)

		if err := tr.k.Thaw(); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*freezer.Cgroup{tr.p, tr.k, tr.g} {
			vtWantState(t, h, c, freezer.Running)
			vtWantFlags(t, h, c, false, false)
		}
		frozen(t, tr, false, false, false)
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// flat: a freeze covers only the cgroup written.
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			tr := build(t, h)
			vtWrite(t, h, "/p/freezer.state", "FROZEN\n")
			waitFrozen(t, tr.p)
			vtWantState(t, h, tr.p, freezer.Frozen)
			vtWantState(t, h, tr.k, freezer.Running)
			vtWantState(t, h, tr.g, freezer.Running)
			vtWantFlags(t, h, tr.p, true, false)
			vtWantFlags(t, h, tr.k, false, false)
			frozen(t, tr, true, false, false)

			// A freeze of the middle one reaches neither its parent nor
			// its child.
			if err := tr.k.Freeze(); err != nil {
				t.Fatal(err)
			}
			waitFrozen(t, tr.k)
			vtWantState(t, h, tr.g, freezer.Running)
			vtWantFlags(t, h, tr.g, false, false)
			frozen(t, tr, true, true, false)

			vtWrite(t, h, "/p/freezer.state", "RUNNING\n")
			vtWantState(t, h, tr.p, freezer.Running)
			vtWantState(t, h, tr.k, freezer.Frozen)
			frozen(t, tr, false, true, false)
		},
		// v1 and v2: a freeze covers the subtree; a child's own thaw
		// (THAWED, 0) clears only its own bit.
		freezer.V1: nested,
		freezer.V2: nested,
	})
}

// vtWrites checks writes to one control file: each of ok succeeds and
// leaves c in the state check wants, each of bad fails with its errno and
// changes nothing, from a thawed and from a frozen cgroup alike, and each of
// noop succeeds and changes nothing.
type vtWrites struct {
	file string
	ok   map[string]freezer.State // data → the state it leaves
	bad  map[string]syscall.Errno // data → the errno
	noop []string                 // data that does nothing
}

func (w vtWrites) run(t *testing.T, h *freezer.Hierarchy) {
	c := mkdir(t, h, "c")
	s := tblSleeper(t, c, "s")
	path := tblFile(c, w.file)
	set := func(goal freezer.State) {
		t.Helper()
		if goal == freezer.Frozen {
			vtFreezeWait(t, h, c, s)
		} else {
			vtThaw(t, h, c)
			tblWaitThawedSleeper(t, s)
		}
		vtWantState(t, h, c, goal)
	}
	for _, data := range slices.Sorted(maps.Keys(w.ok)) {
		goal := w.ok[data]
		from := freezer.Frozen
		if goal == freezer.Frozen {
			from = freezer.Running
		}
		set(from)
		if err := h.WriteFile(path, []byte(data)); err != nil {
			t.Errorf("write %q to %s: %v, want success", data, path, err)
			continue
		}
		if goal == freezer.Frozen {
			waitFrozen(t, c)
			tblWaitFrozenTask(t, s)
		} else {
			tblWaitThawedSleeper(t, s)
		}
		vtWantState(t, h, c, goal)
	}
	for _, from := range []freezer.State{freezer.Running, freezer.Frozen} {
		set(from)
		before := vtSnap(t, h)
		for _, data := range slices.Sorted(maps.Keys(w.bad)) {
			err := h.WriteFile(path, []byte(data))
			if want := w.bad[data]; !errors.Is(err, want) {
				t.Errorf("write %q to %s on %v: %v, want %v", data, path, from, err, want)
			} else {
				tblPathErrno(t, err, path, want)
			}
			if !vtUnchanged(t, h, before, fmt.Sprintf("the write %q on %v", data, from)) {
				set(from) // for the next write's check
				before = vtSnap(t, h)
			}
		}
		for _, data := range w.noop {
			if err := h.WriteFile(path, []byte(data)); err != nil {
				t.Errorf("write %q to %s on %v: %v, want a no-op", data, path, from, err)
			}
			vtUnchanged(t, h, before, fmt.Sprintf("the write %q on %v", data, from))
		}
	}
}

// TestVersionInvalidWrite: "invalid write".
func TestVersionInvalidWrite(t *testing.T) {
	const (
		R = freezer.Running
		F = freezer.Frozen
	)
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// EIO; trailing white space only is stripped.
		freezer.Patch2008: vtWrites{
			file: "freezer.state",
			ok:   map[string]freezer.State{"FROZEN": F, "FROZEN \t\n": F, "RUNNING\n": R, "RUNNING  ": R},
			bad: map[string]syscall.Errno{
				"FREEZING": syscall.EIO, "THAWED": syscall.EIO, "frozen": syscall.EIO,
				" FROZEN": syscall.EIO, "FROZEN!": syscall.EIO, "1": syscall.EIO, "0": syscall.EIO,
				"": syscall.EIO, "\n": syscall.EIO,
			},
		}.run,
		// EINVAL; both ends stripped; "" is a no-op; "\n" EINVAL.
		freezer.V1: func(t *testing.T, h *freezer.Hierarchy) {
			t.Run("table", func(t *testing.T) {
				vtWrites{
					file: "freezer.state",
					ok: map[string]freezer.State{
						"FROZEN": F, " FROZEN": F, "\tFROZEN\n": F, " \n FROZEN \t\n": F,
						"THAWED": R, "  THAWED\n": R, "\nTHAWED ": R,
					},
					bad: map[string]syscall.Errno{
						"\n": syscall.EINVAL, " \t\n ": syscall.EINVAL, "FREEZING": syscall.EINVAL,
						"RUNNING": syscall.EINVAL, "frozen": syscall.EINVAL, "FROZEN!": syscall.EINVAL,
						"FROZEN THAWED": syscall.EINVAL, "1": syscall.EINVAL, "0": syscall.EINVAL,
					},
					noop: []string{""},
				}.run(t, h)
			})
			t.Run("strstrip", func(t *testing.T) {
				vtStrstrip(t, freezer.V1, "FROZEN", "THAWED")
			})
		},
		// kstrtoint base 0.
		freezer.V2: func(t *testing.T, h *freezer.Hierarchy) {
			t.Run("table", func(t *testing.T) {
				vtWrites{
					file: "cgroup.freeze",
					ok: map[string]freezer.State{
						"0x1": F, "+1": F, "01": F, " 1 ": F, "1": F, "1\n": F, "0X1": F,
						"0": R, "0\n": R, "0x0": R, "-0": R, "00": R, " 0 ": R,
					},
					bad: map[string]syscall.Errno{
						"1 2": syscall.EINVAL, "true": syscall.EINVAL, "\n": syscall.EINVAL,
						" ": syscall.EINVAL, "x": syscall.EINVAL, "0x": syscall.EINVAL, "1.0": syscall.EINVAL,
						"--1": syscall.EINVAL, "+-1": syscall.EINVAL, "08": syscall.EINVAL,
						// Out of int range.
						"2147483648": syscall.ERANGE, "-2147483649": syscall.ERANGE, "0x80000000": syscall.ERANGE,
						"4294967297": syscall.ERANGE, "99999999999999999999": syscall.ERANGE,
						// In range but not 0 or 1.
						"2": syscall.ERANGE, "-1": syscall.ERANGE, "0x2": syscall.ERANGE, "010": syscall.ERANGE,
						"2147483647": syscall.ERANGE, "-2147483648": syscall.ERANGE,
					},
					noop: []string{""},
				}.run(t, h)
			})
			t.Run("strstrip", func(t *testing.T) {
				vtStrstrip(t, freezer.V2, "1", "0")
			})
			// What Go's strconv takes and kstrtoint does not: 0b and 0o
			// prefixes and digit separators are EINVAL; an overflow past
			// 32 bits followed by garbage is EINVAL, since kstrtoint only
			// reports ERANGE for a whole number too big for 64 bits or for
			// an int.
			t.Run("kstrtoint, not strconv", func(t *testing.T) {
				h := newHierarchy(t, freezer.WithVersion(freezer.V2))
				vtWrites{
					file: "cgroup.freeze",
					bad: map[string]syscall.Errno{
						"0b1": syscall.EINVAL, "0o1": syscall.EINVAL, "1_0": syscall.EINVAL,
						"0_1": syscall.EINVAL, "0x_1": syscall.EINVAL, "4294967296x": syscall.EINVAL,
					},
				}.run(t, h)
			})
		},
	})
}

// vtStrstrip checks that v strips a write as the kernel's strstrip does
// (reference section 4.2, freezer_write; 5.1, cgroup_freeze_write): the
// bytes the kernel's isspace knows, which are the ASCII white space and
// Latin-1's no-break space 0xA0, and no other byte; not Go's
// unicode.IsSpace, which takes U+00A0, U+0085 and U+2000 as UTF-8 and not a
// lone 0xA0.
func vtStrstrip(t *testing.T, v freezer.Version, freeze, thaw string) {
	vtWrites{
		file: vtKernels[v].control,
		ok: map[string]freezer.State{
			freeze + "\xa0": freezer.Frozen, "\xa0" + freeze: freezer.Frozen,
			"\v" + freeze + "\r": freezer.Frozen, "\f" + thaw + "\xa0\n": freezer.Running,
		},
		bad: map[string]syscall.Errno{
			freeze + "\u00a0": syscall.EINVAL, "\u2000" + freeze: syscall.EINVAL,
			freeze + "\u0085": syscall.EINVAL, "\u3000" + thaw: syscall.EINVAL,
		},
	}.run(t, newHierarchy(t, freezer.WithVersion(v)))
}

// TestVersionTooLong: "too long". Padding with white space keeps the data
// valid, so only its size can refuse it: n bytes of the freeze word to the
// control file, of a task's PID to each task file, and in v2 of 1 to
// cgroup.kill.
func TestVersionTooLong(t *testing.T) {
	for _, tc := range []struct {
		v       freezer.Version
		n       int
		tooLong bool
	}{
		{freezer.Patch2008, 4095, false},
		{freezer.Patch2008, 4096, true}, // E2BIG at 4096 bytes
		{freezer.V1, 4096, false},
		{freezer.V1, 4097, true}, // E2BIG above 4096 bytes
		{freezer.V2, 4096, false},
		{freezer.V2, 4097, true}, // E2BIG above 4096 bytes
	} {
		t.Run(fmt.Sprintf("%v/%d", tc.v, tc.n), func(t *testing.T) {
			h := newHierarchy(t, freezer.WithVersion(tc.v))
			c := mkdir(t, h, "c")
			a := mkdir(t, h, "a")
			b := mkdir(t, h, "b")
			k := vtKern(h)
			s := tblSleeper(t, a, "s")
			// write writes n bytes of what to path and checks the result.
			write := func(path, what string) bool {
				t.Helper()
				before := vtSnap(t, h)
				err := h.WriteFile(path, []byte(tblPad(what, tc.n)))
				if tc.tooLong {
					tblPathErrno(t, err, path, syscall.E2BIG)
					vtUnchanged(t, h, before, fmt.Sprintf("a write of %d bytes to %s", tc.n, path))
					return false
				}
				if err != nil {
					t.Errorf("write of %d bytes to %s: %v, want success", tc.n, path, err)
					return false
				}
				return true
			}
			if write(tblFile(c, k.control), k.freeze) {
				waitFrozen(t, c)
			}
			for _, f := range k.taskFiles {
				dst := b
				if s.Cgroup() == b {
					dst = a
				}
				if write(tblFile(dst, f), strconv.Itoa(s.PID())) && s.Cgroup() != dst {
					t.Errorf("after writing its PID to %s the task is in %s", tblFile(dst, f), s.Cgroup().Path())
				}
			}
			if tc.v == freezer.V2 && write(tblFile(s.Cgroup(), "cgroup.kill"), "1") {
				waitDone(t, s)
			}
		})
	}
}

// TestVersionCannotFreezeNow: "a task that cannot freeze now (D, not
// vfork)". A sleeper beside the D task freezes, so only the D task holds
// the cgroup; a vfork parent, also in D, holds nothing.
func TestVersionCannotFreezeNow(t *testing.T) {
	dTask := func(t *testing.T, h *freezer.Hierarchy) (*freezer.Cgroup, *freezer.Task, *freezer.Task, *tblGate) {
		c := mkdir(t, h, "c")
		g := tblNewGate(t)
		d := tblDWait(t, c, "d", g)
		s := tblSleeper(t, c, "s")
		return c, d, s, g
	}
	// wakes opens the gate and checks that the D task freezes then, and the
	// cgroup with it.
	wakes := func(t *testing.T, h *freezer.Hierarchy, c *freezer.Cgroup, d *freezer.Task, g *tblGate) {
		t.Helper()
		if st := d.Stat(); st.State != 'D' || !st.Freezing || st.Frozen {
			t.Errorf("D task before it wakes: %+v, want D with a freeze request", st)
		}
		vtRelease(t, g, d, c)
		vtWantState(t, h, c, freezer.Frozen)
	}
	noError := func(t *testing.T, h *freezer.Hierarchy) {
		c, d, s, g := dTask(t, h)
		path := tblFile(c, vtKern(h).control)
		if err := h.WriteFile(path, []byte(vtKern(h).freeze+"\n")); err != nil {
			t.Errorf("freeze with a D task: %v, want no error", err)
		}
		tblWaitFrozenTask(t, s)
		vtWantState(t, h, c, freezer.Freezing)
		if err := c.Freeze(); err != nil {
			t.Errorf("Freeze again with a D task: %v, want no error", err)
		}
		time.Sleep(quiet) // only to show that the cgroup does not freeze meanwhile
		vtWantState(t, h, c, freezer.Freezing)
		wakes(t, h, c, d, g)
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// EBUSY, FREEZING.
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			c, d, s, g := dTask(t, h)
			tblPathErrno(t, h.WriteFile("/c/freezer.state", []byte("FROZEN\n")), "/c/freezer.state", syscall.EBUSY)
			tblWaitFrozenTask(t, s)
			vtWantState(t, h, c, freezer.Freezing)
			err := c.Freeze()
			vtWantTypedErr(t, err, "/c/freezer.state", syscall.EBUSY)
			var be *freezer.BusyError
			if !errors.As(err, &be) || !slices.Equal(be.PIDs(), []int{d.PID()}) {
				t.Errorf("Freeze error %v: want a *BusyError naming only task %d", err, d.PID())
			}
			vtWantState(t, h, c, freezer.Freezing)
			wakes(t, h, c, d, g)
		},
		// FREEZING until it wakes, no error.
		freezer.V1: noError,
		// frozen 0 until it wakes, no error.
		freezer.V2: noError,
	})

	t.Run("vfork parent", func(t *testing.T) {
		vtRow(t, vtSame(func(t *testing.T, h *freezer.Hierarchy) {
			c := mkdir(t, h, "c")
			g := tblNewGate(t)
			childUp := make(chan struct{})
			p := spawn(t, c, "vforker", func(tk *freezer.Task) {
				_ = tk.Vfork("vchild", func(ch *freezer.Task) {
					close(childUp)
					ch.Wait(g.ch)
				})
				sleeper(tk)
			})
			<-childUp
			waitFor(t, "vfork parent in D", func() bool { return p.Stat().State == 'D' })
			if err := c.Freeze(); err != nil {
				t.Errorf("Freeze with a vfork parent: %v, want no error", err)
			}
			waitFrozen(t, c)
			vtWantState(t, h, c, freezer.Frozen)
			if st := p.Stat(); st.State != 'D' || st.Frozen {
				t.Errorf("vfork parent in a FROZEN cgroup: %+v, want D, waiting for its frozen child", st)
			}
		}))
	})
}

// TestVersionNoFreeze: "NoFreeze task".
func TestVersionNoFreeze(t *testing.T) {
	// spawnBoth makes /c with a NoFreeze worker and a sleeper.
	spawnBoth := func(t *testing.T, h *freezer.Hierarchy) (*freezer.Cgroup, *freezer.Task, *worker, *freezer.Task) {
		c := mkdir(t, h, "c")
		nf, w := spawnWorker(t, c, "nf", freezer.NoFreeze())
		return c, nf, w, tblSleeper(t, c, "s")
	}
	// untouched checks that the NoFreeze task runs with no freeze request.
	untouched := func(t *testing.T, nf *freezer.Task, w *worker) {
		t.Helper()
		runsAgain(t, "NoFreeze task", w)
		if st := nf.Stat(); st.Frozen || st.Freezing {
			t.Errorf("NoFreeze task: %+v, want neither frozen nor freezing", st)
		}
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// EBUSY.
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			c, nf, w, s := spawnBoth(t, h)
			err := c.Freeze()
			vtWantTypedErr(t, err, "/c/freezer.state", syscall.EBUSY)
			var be *freezer.BusyError
			if !errors.As(err, &be) || !slices.Equal(be.PIDs(), []int{nf.PID()}) {
				t.Errorf("Freeze error %v: want a *BusyError naming only task %d", err, nf.PID())
			}
			tblPathErrno(t, h.WriteFile("/c/freezer.state", []byte("FROZEN\n")), "/c/freezer.state", syscall.EBUSY)
			tblWaitFrozenTask(t, s)
			vtWantState(t, h, c, freezer.Freezing)
			runsAgain(t, "NoFreeze task", w)
		},
		// Does not block FROZEN.
		freezer.V1: func(t *testing.T, h *freezer.Hierarchy) {
			c, nf, w, s := spawnBoth(t, h)
			vtFreezeWait(t, h, c, s)
			vtWantState(t, h, c, freezer.Frozen)
			untouched(t, nf, w)
			vtWantState(t, h, c, freezer.Frozen)
		},
		// Keeps frozen 0.
		freezer.V2: func(t *testing.T, h *freezer.Hierarchy) {
			c, nf, w, s := spawnBoth(t, h)
			vtFreeze(t, h, c)
			tblWaitFrozenTask(t, s)
			vtWantState(t, h, c, freezer.Freezing)
			untouched(t, nf, w)
			time.Sleep(quiet) // only to show that frozen stays 0
			vtWantFile(t, h, "/c/cgroup.events", "populated 1\nfrozen 0\n")
		},
	})
}

// TestVersionFrozenPs: "frozen task in ps".
func TestVersionFrozenPs(t *testing.T) {
	want := map[freezer.Version]byte{freezer.Patch2008: 'D', freezer.V1: 'D', freezer.V2: 'S'}
	vtRow(t, vtSame(func(t *testing.T, h *freezer.Hierarchy) {
		c, s := vtFrozenSleeper(t, h, h.Root(), "c")
		if st := s.Stat(); st.State != want[h.Version()] || !st.Frozen {
			t.Errorf("frozen task: %+v, want %c and frozen", st, want[h.Version()])
		}
		vtThaw(t, h, c)
		tblWaitThawedSleeper(t, s)
	}))
}

// TestVersionKillFrozen: "Kill of a frozen task". Two frozen sleepers; one
// is killed.
func TestVersionKillFrozen(t *testing.T) {
	// twoFrozen makes /c with the two sleepers and freezes it.
	twoFrozen := func(t *testing.T, h *freezer.Hierarchy) (c *freezer.Cgroup, a, b *freezer.Task) {
		c = mkdir(t, h, "c")
		a = tblSleeper(t, c, "a")
		b = tblSleeper(t, c, "b")
		vtFreezeWait(t, h, c, a, b)
		return c, a, b
	}
	// After the thaw.
	afterThaw := func(t *testing.T, h *freezer.Hierarchy) {
		c, a, b := twoFrozen(t, h)
		a.Kill()
		vtNotDone(t, a, "while frozen")
		if !a.Frozen() {
			t.Errorf("killed task left the refrigerator before the thaw: %+v", a.Stat())
		}
		vtWantState(t, h, c, freezer.Frozen)
		vtThaw(t, h, c)
		waitDone(t, a)
		tblWaitThawedSleeper(t, b)
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: afterThaw,
		freezer.V1:        afterThaw,
		// At once, frozen stays 1.
		freezer.V2: func(t *testing.T, h *freezer.Hierarchy) {
			c, a, b := twoFrozen(t, h)
			a.Kill()
			waitDone(t, a)
			vtWantFile(t, h, "/c/cgroup.events", "populated 1\nfrozen 1\n")
			vtWantFile(t, h, "/c/cgroup.freeze", "1\n")
			vtWantState(t, h, c, freezer.Frozen)
			if !b.Frozen() {
				t.Errorf("the other task: %+v, want frozen", b.Stat())
			}
			b.Kill()
			waitDone(t, b)
			vtWantFile(t, h, "/c/cgroup.events", "populated 0\nfrozen 1\n")

			// A task killed on its way into the freezer (a freeze request
			// it has not reached a safe point to honour) dies too: the
			// kernel's get_signal takes a fatal signal before the freezer
			// trap.
			g := tblNewGate(t)
			x := vtRunner(t, mkdir(t, h, "src"), "x", g)
			if err := c.Attach(x); err != nil {
				t.Fatal(err)
			}
			if !x.Freezing() {
				t.Fatalf("task moved into a frozen cgroup has no freeze request: %+v", x.Stat())
			}
			x.Kill()
			g.open()
			waitDone(t, x)
			vtWantFile(t, h, "/c/cgroup.events", "populated 0\nfrozen 1\n")
		},
	})
}

// TestVersionStoppedThenFreeze: "a stopped task, then a freeze".
func TestVersionStoppedThenFreeze(t *testing.T) {
	// letters are the stopped task's letter while frozen, checked twice
	// (the second time after a while), and after the thaw.
	cell := func(frozen, thawed byte) func(t *testing.T, h *freezer.Hierarchy) {
		return func(t *testing.T, h *freezer.Hierarchy) {
			c := mkdir(t, h, "c")
			st := tblStopped(t, c, "st")
			vtFreezeWait(t, h, c)
			vtWantState(t, h, c, freezer.Frozen)
			if got := st.Stat(); got.State != frozen || !got.Freezing || got.Frozen {
				t.Errorf("stopped task in FROZEN: %+v, want %c, with a freeze request, not in the refrigerator", got, frozen)
			}
			time.Sleep(quiet) // only to show that it stays so
			if got := st.Stat(); got.State != frozen {
				t.Errorf("stopped task in FROZEN, later: %+v, want %c", got, frozen)
			}
			vtWantState(t, h, c, freezer.Frozen)
			vtThaw(t, h, c)
			if got := st.Stat(); got.State != thawed || got.Freezing || got.Frozen {
				t.Errorf("stopped task after the thaw: %+v, want %c, no freeze request", got, thawed)
			}
			st.Continue()
			tblWaitThawedSleeper(t, st)
		}
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: cell('T', 'T'), // frozen enough, shows T
		freezer.V1:        cell('D', 'T'), // FROZEN; D, and T after the thaw
		freezer.V2:        cell('T', 'T'), // frozen 1; T throughout
	})
}

// TestVersionStopFrozen: "Stop of a frozen task".
func TestVersionStopFrozen(t *testing.T) {
	vtRow(t, vtSame(func(t *testing.T, h *freezer.Hierarchy) {
		c, s := vtFrozenSleeper(t, h, h.Root(), "c")
		s.Stop()
		time.Sleep(quiet) // only to show that the stop does not take it out
		want := vtKern(h).frozenLetter
		if st := s.Stat(); !st.Frozen || st.State != want {
			t.Errorf("frozen task after Stop: %+v, want frozen and %c", st, want)
		}
		vtWantState(t, h, c, freezer.Frozen)
		vtThaw(t, h, c)
		waitFor(t, "the stop after the thaw", func() bool { return s.Stat().State == 'T' })
		if st := s.Stat(); st.Frozen || st.Freezing {
			t.Errorf("after the thaw: %+v, want stopped, neither frozen nor freezing", st)
		}
		s.Continue()
		tblWaitThawedSleeper(t, s)
	}))
}

// TestVersionMoveIntoFrozen: "move into a frozen cgroup".
func TestVersionMoveIntoFrozen(t *testing.T) {
	// allowed moves a worker in through each task file, and with Attach,
	// and checks that it freezes and the cgroup is frozen again.
	allowed := func(t *testing.T, h *freezer.Hierarchy) {
		f, _ := vtFrozenSleeper(t, h, h.Root(), "f")
		other := mkdir(t, h, "other")
		moves := map[string]func(tk *freezer.Task) error{"Attach": f.Attach}
		for _, file := range vtKern(h).taskFiles {
			moves[file] = func(tk *freezer.Task) error { return vtMove(h, f, file, tk) }
		}
		for _, how := range slices.Sorted(maps.Keys(moves)) {
			tk, w := spawnWorker(t, other, "w-"+how)
			runsAgain(t, "worker before the move", w)
			if err := moves[how](tk); err != nil {
				t.Fatalf("%s into a frozen cgroup: %v, want success", how, err)
			}
			if got := tk.Cgroup(); got != f {
				t.Fatalf("after %s the task is in %s", how, got.Path())
			}
			tblWaitFrozenTask(t, tk)
			staysPut(t, "moved task", w)
			waitFrozen(t, f)
			vtWantState(t, h, f, freezer.Frozen)
		}
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// EBUSY.
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			f, _ := vtFrozenSleeper(t, h, h.Root(), "f")
			other := mkdir(t, h, "other")
			tk, w := spawnWorker(t, other, "w")
			runsAgain(t, "worker", w)
			before := vtSnap(t, h)
			tblPathErrno(t, vtMove(h, f, "tasks", tk), "/f/tasks", syscall.EBUSY)
			vtWantTypedErr(t, f.Attach(tk), "/f/tasks", syscall.EBUSY)
			vtUnchanged(t, h, before, "a refused move")
			runsAgain(t, "worker after the refused moves", w)
		},
		// Allowed, the task freezes; by the source, FROZEN drops to FREEZING
		// until it does, in the destination and each FROZEN ancestor.
		freezer.V1: func(t *testing.T, h *freezer.Hierarchy) {
			allowed(t, h)
			p, _ := vtFrozenSleeper(t, h, h.Root(), "p")
			k := vtMkdir(t, p, "k")
			vtWantState(t, h, k, freezer.Frozen)
			g := tblNewGate(t)
			x := vtRunner(t, mkdir(t, h, "src"), "x", g)
			if err := vtMove(h, k, "cgroup.procs", x); err != nil {
				t.Fatal(err)
			}
			vtWantState(t, h, k, freezer.Freezing)
			vtWantState(t, h, p, freezer.Freezing)
			vtRelease(t, g, x, p)
			vtWantState(t, h, k, freezer.Frozen)
			vtWantState(t, h, p, freezer.Frozen)
		},
		// Allowed, the task freezes.
		freezer.V2: allowed,
	})
}

// TestVersionMoveFrozenOut: "move a frozen task out".
func TestVersionMoveFrozenOut(t *testing.T) {
	// frozenWorkers makes a frozen cgroup f with n frozen workers.
	frozenWorkers := func(t *testing.T, h *freezer.Hierarchy, n int) (*freezer.Cgroup, []*freezer.Task, []*worker) {
		f := mkdir(t, h, "f")
		var tks []*freezer.Task
		var ws []*worker
		for i := range n {
			tk, w := spawnWorker(t, f, fmt.Sprintf("w%d", i))
			runsAgain(t, "worker", w)
			tks, ws = append(tks, tk), append(ws, w)
		}
		vtFreezeWait(t, h, f, tks...)
		return f, tks, ws
	}
	// thaws moves a frozen worker out through each task file and with
	// Attach, into a thawed cgroup, and checks that it runs there.
	thaws := func(t *testing.T, h *freezer.Hierarchy) {
		files := vtKern(h).taskFiles
		f, tks, ws := frozenWorkers(t, h, len(files)+2)
		dst := mkdir(t, h, "dst")
		for i, file := range files {
			if err := vtMove(h, dst, file, tks[i]); err != nil {
				t.Fatalf("move a frozen task out through %s: %v, want success", file, err)
			}
		}
		if err := dst.Attach(tks[len(files)]); err != nil {
			t.Fatalf("Attach a frozen task out: %v, want success", err)
		}
		for i := range len(files) + 1 {
			if got := tks[i].Cgroup(); got != dst {
				t.Fatalf("moved task in %s, want /dst", got.Path())
			}
			runsAgain(t, "moved task", ws[i])
			if st := tks[i].Stat(); st.Frozen || st.Freezing {
				t.Errorf("moved task: %+v, want neither frozen nor freezing", st)
			}
		}
		vtWantState(t, h, dst, freezer.Running)
		// The one left behind stays frozen.
		staysPut(t, "the task left in the frozen cgroup", ws[len(ws)-1])
		vtWantState(t, h, f, freezer.Frozen)
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// EBUSY.
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			_, tks, ws := frozenWorkers(t, h, 1)
			dst := mkdir(t, h, "dst")
			before := vtSnap(t, h)
			tblPathErrno(t, vtMove(h, dst, "tasks", tks[0]), "/dst/tasks", syscall.EBUSY)
			vtWantTypedErr(t, dst.Attach(tks[0]), "/dst/tasks", syscall.EBUSY)
			vtUnchanged(t, h, before, "a refused move")
			staysPut(t, "frozen task", ws[0])
		},
		// Allowed, it thaws unless the destination freezes.
		freezer.V1: func(t *testing.T, h *freezer.Hierarchy) {
			thaws(t, h)
			t.Run("into a frozen cgroup", func(t *testing.T) {
				h := newHierarchy(t, freezer.WithVersion(freezer.V1))
				_, tks, ws := frozenWorkers(t, h, 2)
				g, _ := vtFrozenSleeper(t, h, h.Root(), "g")
				k := vtMkdir(t, g, "k") // frozen by its parent
				if err := vtMove(h, g, "cgroup.procs", tks[0]); err != nil {
					t.Fatal(err)
				}
				if err := vtMove(h, k, "tasks", tks[1]); err != nil {
					t.Fatal(err)
				}
				for i, dst := range []*freezer.Cgroup{g, k} {
					if got := tks[i].Cgroup(); got != dst {
						t.Fatalf("moved task in %s, want %s", got.Path(), dst.Path())
					}
					staysPut(t, "task moved into a frozen cgroup", ws[i])
					if !tks[i].Frozen() {
						t.Errorf("task moved into a frozen cgroup: %+v, want frozen", tks[i].Stat())
					}
				}
				waitFrozen(t, g)
				vtWantState(t, h, g, freezer.Frozen)
				vtWantState(t, h, k, freezer.Frozen)
			})
		},
		// Allowed, it thaws.
		freezer.V2: thaws,
	})
}

// TestVersionMkdirUnderFrozen: "mkdir under a frozen parent". Each cell
// gives what the new child's files read, its state, and whether it is
// frozen by its parent.
func TestVersionMkdirUnderFrozen(t *testing.T) {
	cell := func(files map[string]string, want freezer.State, parent bool) func(t *testing.T, h *freezer.Hierarchy) {
		return func(t *testing.T, h *freezer.Hierarchy) {
			vtFrozenSleeper(t, h, h.Root(), "p")
			k := vtMkdirPath(t, h, "/p/k")
			vtWantFiles(t, h, k, files)
			vtWantState(t, h, k, want)
			vtWantFlags(t, h, k, false, parent)
		}
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: cell(map[string]string{"freezer.state": "RUNNING\n"}, freezer.Running, false),
		// FROZEN, self 0, parent 1.
		freezer.V1: cell(map[string]string{
			"freezer.state": "FROZEN\n", "freezer.self_freezing": "0\n", "freezer.parent_freezing": "1\n",
		}, freezer.Frozen, true),
		// frozen 1, cgroup.freeze 0.
		freezer.V2: cell(map[string]string{"cgroup.events": "populated 0\nfrozen 1\n", "cgroup.freeze": "0\n"},
			freezer.Frozen, true),
	})
}

// TestVersionRmdirFrozenEmpty: "rmdir of a frozen empty cgroup": allowed in
// every version, a leaf frozen by itself or by its parent alike.
func TestVersionRmdirFrozenEmpty(t *testing.T) {
	vtRow(t, vtSame(func(t *testing.T, h *freezer.Hierarchy) {
		c := mkdir(t, h, "c")
		vtFreezeWait(t, h, c)
		vtWantState(t, h, c, freezer.Frozen)
		if err := h.Rmdir("/c"); err != nil {
			t.Fatalf("Rmdir of a frozen empty cgroup: %v", err)
		}
		if !c.Removed() {
			t.Errorf("/c not removed")
		}
		if _, err := h.Lookup("/c"); !errors.Is(err, syscall.ENOENT) {
			t.Errorf("Lookup(/c) after Rmdir: %v, want ENOENT", err)
		}

		p, _ := vtFrozenSleeper(t, h, h.Root(), "p")
		k := vtMkdir(t, p, "k")
		if err := k.Freeze(); err != nil {
			t.Fatal(err)
		}
		waitFrozen(t, k)
		if err := h.Rmdir("/p/k"); err != nil {
			t.Fatalf("Rmdir of a frozen empty child of a frozen cgroup: %v", err)
		}
		if _, err := h.Lookup("/p/k"); !errors.Is(err, syscall.ENOENT) {
			t.Errorf("Lookup(/p/k) after Rmdir: %v, want ENOENT", err)
		}
		vtWantState(t, h, p, freezer.Frozen)
	}))
}

// TestVersionPopulated: "populated". The patch and v1 have no cgroup.events,
// but Events says whether the subtree has a task.
func TestVersionPopulated(t *testing.T) {
	noFile := func(t *testing.T, h *freezer.Hierarchy) {
		p, k := vtParentChild(t, h)
		_, err := h.ReadFile("/p/cgroup.events")
		tblPathErrno(t, err, "/p/cgroup.events", syscall.ENOENT)
		vtWantEvents(t, p, freezer.Events{})
		tk := tblSleeper(t, k, "s")
		vtWantEvents(t, p, freezer.Events{Populated: true})
		vtWantEvents(t, k, freezer.Events{Populated: true})
		vtFreezeWait(t, h, k)
		vtWantEvents(t, k, freezer.Events{Populated: true, Frozen: true})
		vtWantEvents(t, p, freezer.Events{Populated: true}) // not frozen by its child
		vtThaw(t, h, k)
		tk.Kill()
		waitDone(t, tk)
		vtWantEvents(t, p, freezer.Events{})
		vtWantEvents(t, k, freezer.Events{})
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: noFile,
		freezer.V1:        noFile,
		// 1 while the subtree has a task.
		freezer.V2: func(t *testing.T, h *freezer.Hierarchy) {
			p, k := vtParentChild(t, h)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			next, stop := iter.Pull(p.WatchEvents(ctx))
			defer stop()
			if ev, ok := next(); !ok || ev != (freezer.Events{}) {
				t.Fatalf("WatchEvents first = %+v, %v; want the empty cgroup's", ev, ok)
			}
			vtWantFile(t, h, "/p/cgroup.events", "populated 0\nfrozen 0\n")
			tk := tblSleeper(t, k, "s")
			vtWantFile(t, h, "/p/cgroup.events", "populated 1\nfrozen 0\n")
			vtWantFile(t, h, "/p/k/cgroup.events", "populated 1\nfrozen 0\n")
			vtWantEvents(t, p, freezer.Events{Populated: true})
			for {
				ev, ok := next()
				if !ok {
					t.Fatalf("WatchEvents ended before it showed populated")
				}
				if ev.Populated {
					break
				}
			}
			tk.Kill()
			waitDone(t, tk)
			vtWantFile(t, h, "/p/cgroup.events", "populated 0\nfrozen 0\n")
			vtWantFile(t, h, "/p/k/cgroup.events", "populated 0\nfrozen 0\n")
			vtWantEvents(t, k, freezer.Events{})
		},
	})
}

// TestVersionFrozenTime: "time frozen". The v2 cell runs in a synctest
// bubble, whose clock moves only when every goroutine is blocked, so the
// microseconds are exact.
func TestVersionFrozenTime(t *testing.T) {
	none := func(t *testing.T, h *freezer.Hierarchy) {
		c, _ := vtFrozenSleeper(t, h, h.Root(), "c")
		_, err := c.FrozenTime()
		vtWantTypedErr(t, err, "/c/cgroup.stat.local", syscall.ENOENT)
		_, err = h.ReadFile("/c/cgroup.stat.local")
		tblPathErrno(t, err, "/c/cgroup.stat.local", syscall.ENOENT)
	}
	t.Run("patch2008", func(t *testing.T) { none(t, newHierarchy(t)) })
	t.Run("v1", func(t *testing.T) { none(t, newHierarchy(t, freezer.WithVersion(freezer.V1))) })
	t.Run("v2", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHierarchy(t, freezer.WithVersion(freezer.V2))
			want := func(c *freezer.Cgroup, d time.Duration) {
				t.Helper()
				if got, err := c.FrozenTime(); err != nil || got != d {
					t.Errorf("%s: FrozenTime() = %v, %v; want %v", c.Path(), got, err, d)
				}
				vtWantFile(t, h, tblFile(c, "cgroup.stat.local"), fmt.Sprintf("frozen_usec %d\n", d.Microseconds()))
			}
			c := mkdir(t, h, "c")
			tblSleeper(t, c, "s")
			want(c, 0)
			vtWrite(t, h, "/c/cgroup.freeze", "1")
			waitFrozen(t, c)
			time.Sleep(1500 * time.Millisecond)
			want(c, 1500*time.Millisecond) // counting up to now
			vtWrite(t, h, "/c/cgroup.freeze", "0")
			time.Sleep(time.Second)
			want(c, 1500*time.Millisecond) // stopped
			vtWrite(t, h, "/c/cgroup.freeze", "1")
			time.Sleep(250 * time.Millisecond)
			want(c, 1750*time.Millisecond) // summed

			// An ancestor's freeze counts, from the child's creation.
			k := vtMkdir(t, c, "k")
			want(k, 0)
			time.Sleep(100 * time.Millisecond)
			want(k, 100*time.Millisecond)
			vtWantFile(t, h, "/c/k/cgroup.freeze", "0\n")
			vtWrite(t, h, "/c/cgroup.freeze", "0")
			time.Sleep(time.Second)
			want(k, 100*time.Millisecond)
			want(c, 1850*time.Millisecond)

			// A freeze in effect counts whether or not the tasks have
			// frozen: a D task keeps frozen 0.
			d := mkdir(t, h, "d")
			g := tblNewGate(t)
			tblDWait(t, d, "dw", g)
			vtWrite(t, h, "/d/cgroup.freeze", "1")
			time.Sleep(time.Second)
			vtWantFile(t, h, "/d/cgroup.events", "populated 1\nfrozen 0\n")
			want(d, time.Second)
		})
	})
}

// ---------------------------------------------------------------------------
// The prose after the table.

// TestVersionProcsFile: cgroup.procs takes a PID as tasks does: ESRCH for an
// unknown one, EINVAL for garbage, and lists the cgroup's tasks as tasks
// does.
func TestVersionProcsFile(t *testing.T) {
	procs := func(t *testing.T, h *freezer.Hierarchy) {
		a := mkdir(t, h, "a")
		b := mkdir(t, h, "b")
		s1 := tblSleeper(t, a, "s1")
		s2 := tblSleeper(t, a, "s2")
		s3 := tblSleeper(t, a, "s3")
		vtWantFile(t, h, "/a/cgroup.procs", tblPIDLines(s1, s2, s3))
		if err := vtMove(h, b, "cgroup.procs", s2); err != nil {
			t.Fatalf("write a PID to cgroup.procs: %v", err)
		}
		if got := s2.Cgroup(); got != b {
			t.Errorf("after the write the task is in %s, want /b", got.Path())
		}
		vtWantFile(t, h, "/a/cgroup.procs", tblPIDLines(s1, s3))
		vtWantFile(t, h, "/b/cgroup.procs", tblPIDLines(s2))
		if h.Version() == freezer.V1 {
			vtWantFile(t, h, "/a/tasks", tblPIDLines(s1, s3))
			vtWantFile(t, h, "/b/tasks", tblPIDLines(s2))
		}
		before := vtSnap(t, h)
		for data, want := range map[string]syscall.Errno{
			"99999": syscall.ESRCH, "abc": syscall.EINVAL, "1x": syscall.EINVAL,
			"-1": syscall.EINVAL, "x1": syscall.EINVAL, "1 2": syscall.EINVAL,
		} {
			tblPathErrno(t, h.WriteFile("/b/cgroup.procs", []byte(data)), "/b/cgroup.procs", want)
		}
		vtUnchanged(t, h, before, "failed writes of cgroup.procs")
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			a := mkdir(t, h, "a")
			s := tblSleeper(t, a, "s")
			_, err := h.ReadFile("/a/cgroup.procs")
			tblPathErrno(t, err, "/a/cgroup.procs", syscall.ENOENT)
			tblPathErrno(t, vtMove(h, a, "cgroup.procs", s), "/a/cgroup.procs", syscall.ENOENT)
		},
		freezer.V1: procs,
		freezer.V2: procs,
	})
}

// TestVersionKillFile: cgroup.kill (v2 only) takes only 1, ERANGE for any
// other number, and cannot be read (EINVAL); a write of 1, or Kill, kills
// every task of the subtree, frozen or not. Kill returns ENOENT outside v2.
func TestVersionKillFile(t *testing.T) {
	noKill := func(t *testing.T, h *freezer.Hierarchy) {
		c := mkdir(t, h, "c")
		s := tblSleeper(t, c, "s")
		vtWantTypedErr(t, c.Kill(), "/c/cgroup.kill", syscall.ENOENT)
		_, err := h.ReadFile("/c/cgroup.kill")
		tblPathErrno(t, err, "/c/cgroup.kill", syscall.ENOENT)
		tblPathErrno(t, h.WriteFile("/c/cgroup.kill", []byte("1")), "/c/cgroup.kill", syscall.ENOENT)
		vtNotDone(t, s, "after a refused kill")
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		freezer.Patch2008: noKill,
		freezer.V1:        noKill,
		freezer.V2: func(t *testing.T, h *freezer.Hierarchy) {
			p, k := vtParentChild(t, h)
			tp := tblSleeper(t, p, "tp")
			tk := tblSleeper(t, k, "tk")
			vtFreezeWait(t, h, k, tk)
			_, err := h.ReadFile("/p/cgroup.kill")
			tblPathErrno(t, err, "/p/cgroup.kill", syscall.EINVAL)
			before := vtSnap(t, h)
			for _, data := range []string{"0", "2", "-1", "0x2", "2147483648", "0\n"} {
				tblPathErrno(t, h.WriteFile("/p/cgroup.kill", []byte(data)), "/p/cgroup.kill", syscall.ERANGE)
			}
			for _, data := range []string{"x", "1 1", "\n"} { // not a number: kstrtoint's EINVAL
				tblPathErrno(t, h.WriteFile("/p/cgroup.kill", []byte(data)), "/p/cgroup.kill", syscall.EINVAL)
			}
			vtUnchanged(t, h, before, "failed writes of cgroup.kill")
			vtWrite(t, h, "/p/cgroup.kill", "1\n")
			waitDone(t, tp, tk) // tk while frozen
			vtWantFile(t, h, "/p/cgroup.events", "populated 0\nfrozen 0\n")

			q := mkdir(t, h, "q")
			tq := tblSleeper(t, q, "tq")
			tq2 := tblSleeper(t, vtMkdir(t, q, "r"), "tq2")
			if err := q.Kill(); err != nil {
				t.Fatalf("Kill: %v", err)
			}
			waitDone(t, tq, tq2)
		},
	})
}

// TestVersionRoot: the root has none of the freezer's files in any version,
// only its task files, and the typed calls on it fail with ENOENT.
func TestVersionRoot(t *testing.T) {
	vtRow(t, vtSame(func(t *testing.T, h *freezer.Hierarchy) {
		root := h.Root()
		want := slices.Sorted(slices.Values(vtKern(h).taskFiles))
		if diff := cmp.Diff(want, root.Files()); diff != "" {
			t.Errorf("root Files() (-want +got):\n%s", diff)
		}
		for _, n := range vtFreezerFiles {
			_, err := h.ReadFile("/" + n)
			tblPathErrno(t, err, "/"+n, syscall.ENOENT)
			tblPathErrno(t, h.WriteFile("/"+n, []byte("1")), "/"+n, syscall.ENOENT)
		}
		control := "/" + vtKern(h).control
		_, err := root.State()
		vtWantTypedErr(t, err, control, syscall.ENOENT)
		vtWantTypedErr(t, root.Freeze(), control, syscall.ENOENT)
		vtWantTypedErr(t, root.Thaw(), control, syscall.ENOENT)
		vtWantAddedCallsErr(t, h, root, syscall.ENOENT)
		for ev := range root.WatchEvents(t.Context()) {
			t.Errorf("WatchEvents on the root yielded %+v", ev)
		}
	}))
}

// TestVersionString checks Version's String, ParseVersion, WithVersion and
// Hierarchy.Version, and that the default is Patch2008.
func TestVersionString(t *testing.T) {
	names := map[freezer.Version]string{freezer.Patch2008: "patch2008", freezer.V1: "v1", freezer.V2: "v2"}
	for _, v := range vtVersions {
		if got := v.String(); got != names[v] {
			t.Errorf("Version(%d).String() = %q, want %q", int(v), got, names[v])
		}
		got, err := freezer.ParseVersion(names[v])
		if err != nil || got != v {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", names[v], got, err, v)
		}
		if got := newHierarchy(t, freezer.WithVersion(v)).Version(); got != v {
			t.Errorf("WithVersion(%v): Version() = %v", v, got)
		}
	}
	var zero freezer.Version
	if zero != freezer.Patch2008 {
		t.Errorf("the zero Version is %v, want patch2008", zero)
	}
	if got := newHierarchy(t).Version(); got != freezer.Patch2008 {
		t.Errorf("default Version() = %v, want patch2008", got)
	}
	if got := freezer.Version(7).String(); got != "Version(7)" {
		t.Errorf("Version(7).String() = %q", got)
	}
	for _, s := range []string{"", "V1", "v3", "patch", "Patch2008", " v1"} {
		if v, err := freezer.ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", s, v)
		}
	}
}

// TestVersionTypedCalls checks SelfFreezing, ParentFreezing, Events, Kill
// and FrozenTime in each version against what DESIGN.md says they are, and
// their errors on a removed cgroup.
func TestVersionTypedCalls(t *testing.T) {
	removed := func(t *testing.T, h *freezer.Hierarchy) {
		t.Helper()
		gone := mkdir(t, h, "gone")
		if err := gone.Remove(); err != nil {
			t.Fatal(err)
		}
		vtWantAddedCallsErr(t, h, gone, syscall.ENODEV)
	}
	// noV2Files checks that Kill and FrozenTime fail on p with ENOENT: the
	// patch and v1 have no cgroup.kill and no cgroup.stat.local.
	noV2Files := func(t *testing.T, p *freezer.Cgroup) {
		t.Helper()
		vtWantTypedErr(t, p.Kill(), "/p/cgroup.kill", syscall.ENOENT)
		_, err := p.FrozenTime()
		vtWantTypedErr(t, err, "/p/cgroup.stat.local", syscall.ENOENT)
	}
	vtRow(t, map[freezer.Version]func(t *testing.T, h *freezer.Hierarchy){
		// SelfFreezing: State() != Running; ParentFreezing: false; Events:
		// Frozen is State() == Frozen.
		freezer.Patch2008: func(t *testing.T, h *freezer.Hierarchy) {
			p, k := vtParentChild(t, h)
			g := tblNewGate(t)
			d := tblDWait(t, p, "d", g)
			vtWantTypedErr(t, p.Freeze(), "/p/freezer.state", syscall.EBUSY)
			vtWantState(t, h, p, freezer.Freezing)
			vtWantFlags(t, h, p, true, false)
			vtWantFlags(t, h, k, false, false)
			vtWantEvents(t, p, freezer.Events{Populated: true})
			vtRelease(t, g, d, p)
			vtWantFlags(t, h, p, true, false)
			vtWantEvents(t, p, freezer.Events{Populated: true, Frozen: true})
			if err := k.Freeze(); err != nil {
				t.Fatal(err)
			}
			vtWantFlags(t, h, k, true, false)
			vtWrite(t, h, "/p/freezer.state", "RUNNING")
			vtWantFlags(t, h, p, false, false)
			vtWantEvents(t, p, freezer.Events{Populated: true})
			noV2Files(t, p)
			removed(t, h)
		},
		freezer.V1: func(t *testing.T, h *freezer.Hierarchy) {
			p, k := vtParentChild(t, h)
			g := tblNewGate(t)
			d := tblDWait(t, k, "d", g)
			vtWrite(t, h, "/p/freezer.state", "FROZEN")
			vtWantFlags(t, h, p, true, false)
			vtWantFlags(t, h, k, false, true)
			vtWantState(t, h, k, freezer.Freezing)
			vtWantEvents(t, p, freezer.Events{Populated: true})
			vtWantEvents(t, k, freezer.Events{Populated: true})
			vtRelease(t, g, d, p)
			vtWantEvents(t, p, freezer.Events{Populated: true, Frozen: true})
			vtWantEvents(t, k, freezer.Events{Populated: true, Frozen: true})
			noV2Files(t, p)
			removed(t, h)
		},
		// SelfFreezing: cgroup.freeze; ParentFreezing: an ancestor has
		// cgroup.freeze 1; Events: cgroup.events.
		freezer.V2: func(t *testing.T, h *freezer.Hierarchy) {
			p, k := vtParentChild(t, h)
			gk := vtMkdir(t, k, "g")
			gate := tblNewGate(t)
			d := tblDWait(t, gk, "d", gate)
			vtWrite(t, h, "/p/cgroup.freeze", "1")
			vtWantFlags(t, h, p, true, false)
			vtWantFlags(t, h, k, false, true)
			vtWantFlags(t, h, gk, false, true)
			for _, c := range []*freezer.Cgroup{p, k, gk} {
				vtWantEvents(t, c, vtEvents(t, h, c))
			}
			vtWantEvents(t, gk, freezer.Events{Populated: true})
			vtRelease(t, gate, d, p)
			for _, c := range []*freezer.Cgroup{p, k, gk} {
				vtWantEvents(t, c, freezer.Events{Populated: true, Frozen: true})
				vtWantEvents(t, c, vtEvents(t, h, c))
			}
			vtWrite(t, h, "/p/cgroup.freeze", "0")
			vtWrite(t, h, "/p/k/cgroup.freeze", "1")
			vtWantFlags(t, h, p, false, false)
			vtWantFlags(t, h, k, true, false)
			vtWantFlags(t, h, gk, false, true)
			if ft, err := p.FrozenTime(); err != nil || ft <= 0 {
				t.Errorf("FrozenTime() after a freeze = %v, %v; want more than 0", ft, err)
			}
			tblWaitFrozenTask(t, d)
			if err := k.Kill(); err != nil {
				t.Fatalf("Kill: %v", err)
			}
			waitDone(t, d)
			removed(t, h)
		},
	})
}
