package freezer_test

import (
	"errors"
	"fmt"
	"io/fs"
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

// This file checks DESIGN.md's tables ("The patch's semantics"): the
// freezer.state transition table, the errno list, the three ways out of
// FREEZING, and the tasks file. Every private name here starts with "tbl".

// ---------------------------------------------------------------------------
// Helpers.

// tblGate is a channel the test owns, for tasks to wait on. It is opened at
// the latest in the test's cleanup, which runs before the hierarchy's
// Shutdown as long as the gate is made after newHierarchy.
type tblGate struct {
	ch   chan struct{}
	once sync.Once
}

func tblNewGate(t testing.TB) *tblGate {
	g := &tblGate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *tblGate) open() { g.once.Do(func() { close(g.ch) }) }

// tblSpawn spawns fn in c and, if want is not 0, waits until the task's Stat
// letter is want.
func tblSpawn(t testing.TB, c *freezer.Cgroup, name string, fn func(*freezer.Task), want byte, opts ...freezer.TaskOption) *freezer.Task {
	t.Helper()
	tk, err := c.Spawn(name, fn, opts...)
	if err != nil {
		t.Fatalf("Spawn(%s, %q): %v", c.Path(), name, err)
	}
	if want != 0 {
		waitFor(t, fmt.Sprintf("task %d (%s) in state %c", tk.PID(), name, want), func() bool { return tk.Stat().State == want })
	}
	return tk
}

// tblSleeper spawns a sleeper (S) in c.
func tblSleeper(t testing.TB, c *freezer.Cgroup, name string) *freezer.Task {
	t.Helper()
	return tblSpawn(t, c, name, sleeper, 'S')
}

// tblDWait spawns a task in an uninterruptible wait (D) on g in c; once g
// opens it goes on as a sleeper. It cannot freeze now while g is shut.
func tblDWait(t testing.TB, c *freezer.Cgroup, name string, g *tblGate) *freezer.Task {
	t.Helper()
	return tblSpawn(t, c, name, func(tk *freezer.Task) {
		tk.WaitUninterruptible(g.ch)
		sleeper(tk)
	}, 'D')
}

// tblHold spawns a task that blocks on g outside any wait of the library: it
// is running (R) and reaches no safe point, so it keeps a freeze from
// completing without making the write fail, and exits, without passing a
// safe point, when g opens. tblHold returns once the task's function runs,
// so its first safe point is behind it.
func tblHold(t testing.TB, c *freezer.Cgroup, name string, g *tblGate) *freezer.Task {
	t.Helper()
	started := make(chan struct{})
	tk := tblSpawn(t, c, name, func(*freezer.Task) {
		close(started)
		<-g.ch
	}, 0)
	<-started
	return tk
}

// tblStopped spawns a sleeper in c and stops it (T).
func tblStopped(t testing.TB, c *freezer.Cgroup, name string) *freezer.Task {
	t.Helper()
	tk := tblSleeper(t, c, name)
	tk.Stop()
	waitFor(t, fmt.Sprintf("task %d stopped", tk.PID()), func() bool { return tk.Stat().State == 'T' })
	return tk
}

// tblWaitFrozenTask waits until tk is parked in the refrigerator.
func tblWaitFrozenTask(t testing.TB, tk *freezer.Task) {
	t.Helper()
	waitFor(t, fmt.Sprintf("task %d frozen", tk.PID()), tk.Frozen)
}

// tblWaitThawedSleeper waits until the sleeper tk is back in its interruptible
// wait, not frozen.
func tblWaitThawedSleeper(t testing.TB, tk *freezer.Task) {
	t.Helper()
	waitFor(t, fmt.Sprintf("task %d thawed and sleeping", tk.PID()), func() bool {
		st := tk.Stat()
		return !st.Frozen && st.State == 'S'
	})
}

// tblStatePath is the path of c's freezer.state.
func tblStatePath(c *freezer.Cgroup) string { return tblFile(c, "freezer.state") }

func tblFile(c *freezer.Cgroup, name string) string {
	return strings.TrimSuffix(c.Path(), "/") + "/" + name
}

// tblRead reads freezer.state through the path API and fails the test on error.
func tblRead(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup) string {
	t.Helper()
	b, err := h.ReadFile(tblStatePath(c))
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", tblStatePath(c), err)
	}
	return string(b)
}

// tblWantState checks that c reads want, both through State and through the
// path API.
func tblWantState(t testing.TB, h *freezer.Hierarchy, c *freezer.Cgroup, want freezer.State) {
	t.Helper()
	if got := state(t, c); got != want {
		t.Errorf("%s: State() = %v, want %v", c.Path(), got, want)
	}
	if got, w := tblRead(t, h, c), want.String()+"\n"; got != w {
		t.Errorf("%s: ReadFile(freezer.state) = %q, want %q", c.Path(), got, w)
	}
}

// tblPathErrno checks that err is exactly what os.WriteFile on a real
// cgroupfs returns: an *fs.PathError for path whose Err is the bare errno.
func tblPathErrno(t testing.TB, err error, path string, want syscall.Errno) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got nil error, want %v", path, want)
		return
	}
	pe, ok := err.(*fs.PathError)
	if !ok {
		t.Errorf("%s: error %v is a %T, want *fs.PathError", path, err, err)
		return
	}
	if errno, ok := pe.Err.(syscall.Errno); !ok || errno != want {
		t.Errorf("%s: PathError.Err = %#v (%T), want syscall.Errno %v", path, pe.Err, pe.Err, want)
	}
	if pe.Path != path {
		t.Errorf("PathError.Path = %q, want %q", pe.Path, path)
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: errors.Is(%v, %v) = false", path, err, want)
	}
}

// tblTypedErrno checks an error of a typed method: errors.Is finds want, and
// it is an *fs.PathError.
func tblTypedErrno(t testing.TB, err error, want syscall.Errno) {
	t.Helper()
	if err == nil {
		t.Errorf("got nil error, want %v", want)
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("errors.Is(%v, %v) = false", err, want)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Errorf("error %v (%T) is not an *fs.PathError", err, err)
	}
}

// tblStats snapshots tasks by PID.
func tblStats(tasks ...*freezer.Task) map[int]freezer.TaskStat {
	m := make(map[int]freezer.TaskStat, len(tasks))
	for _, tk := range tasks {
		m[tk.PID()] = tk.Stat()
	}
	return m
}

// tblPIDLines is the tasks file content for the given tasks.
func tblPIDLines(tasks ...*freezer.Task) string {
	pids := make([]int, len(tasks))
	for i, tk := range tasks {
		pids[i] = tk.PID()
	}
	slices.Sort(pids)
	var b strings.Builder
	for _, p := range pids {
		fmt.Fprintf(&b, "%d\n", p)
	}
	return b.String()
}

// tblAPI is one of the two ways to drive freezer.state: the cgroupfs path
// view (h.WriteFile/h.ReadFile) or the typed methods (Freeze/Thaw/State).
type tblAPI struct {
	name  string
	write func(h *freezer.Hierarchy, c *freezer.Cgroup, data string) error
	read  func(h *freezer.Hierarchy, c *freezer.Cgroup) (string, error)
	// checkErr checks a failed call's error against want.
	checkErr func(t testing.TB, err error, c *freezer.Cgroup, want syscall.Errno)
}

var tblPathAPI = tblAPI{
	name: "path",
	write: func(h *freezer.Hierarchy, c *freezer.Cgroup, data string) error {
		return h.WriteFile(tblStatePath(c), []byte(data))
	},
	read: func(h *freezer.Hierarchy, c *freezer.Cgroup) (string, error) {
		b, err := h.ReadFile(tblStatePath(c))
		return string(b), err
	},
	checkErr: func(t testing.TB, err error, c *freezer.Cgroup, want syscall.Errno) {
		t.Helper()
		tblPathErrno(t, err, tblStatePath(c), want)
	},
}

var tblTypedAPI = tblAPI{
	name: "typed",
	write: func(h *freezer.Hierarchy, c *freezer.Cgroup, data string) error {
		switch data {
		case "FROZEN":
			return c.Freeze()
		case "RUNNING":
			return c.Thaw()
		}
		panic("typed API cannot write " + strconv.Quote(data))
	},
	read: func(h *freezer.Hierarchy, c *freezer.Cgroup) (string, error) {
		s, err := c.State()
		if err != nil {
			return "", err
		}
		return s.String() + "\n", nil
	},
	checkErr: func(t testing.TB, err error, c *freezer.Cgroup, want syscall.Errno) {
		t.Helper()
		tblTypedErrno(t, err, want)
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path != tblStatePath(c) {
			t.Errorf("PathError.Path = %q, want %q", pe.Path, tblStatePath(c))
		}
		if want == syscall.EBUSY {
			var be *freezer.BusyError
			if !errors.As(err, &be) {
				t.Errorf("EBUSY error %v has no *freezer.BusyError", err)
			}
		}
	},
}

var tblAPIs = []tblAPI{tblPathAPI, tblTypedAPI}

// ---------------------------------------------------------------------------
// TestTransitionTable

// tblEnv is one row's world: a fresh hierarchy, the cgroup under test c
// ("/c"), a RUNNING cgroup "/other", and the tasks the row's setup made.
type tblEnv struct {
	h     *freezer.Hierarchy
	c     *freezer.Cgroup
	other *freezer.Cgroup
	task  map[string]*freezer.Task
	gate  map[string]*tblGate
}

func tblNewEnv(t *testing.T) *tblEnv {
	h := newHierarchy(t)
	return &tblEnv{
		h:     h,
		c:     mkdir(t, h, "c"),
		other: mkdir(t, h, "other"),
		task:  map[string]*freezer.Task{},
		gate:  map[string]*tblGate{},
	}
}

func (e *tblEnv) all() []*freezer.Task {
	var ts []*freezer.Task
	for _, tk := range e.task {
		ts = append(ts, tk)
	}
	return ts
}

// The "state before" of the rows. Each builds it in e.c with tasks it
// controls and checks it where a read does not disturb it.
var tblBefore = map[string]func(t *testing.T, e *tblEnv){
	// RUNNING, no tasks.
	"RUNNING empty": func(t *testing.T, e *tblEnv) {
		tblWantState(t, e.h, e.c, freezer.Running)
	},
	// RUNNING, a sleeper s.
	"RUNNING sleeper": func(t *testing.T, e *tblEnv) {
		e.task["s"] = tblSleeper(t, e.c, "s")
		tblWantState(t, e.h, e.c, freezer.Running)
	},
	// RUNNING, a stopped task st.
	"RUNNING stopped": func(t *testing.T, e *tblEnv) {
		e.task["st"] = tblStopped(t, e.c, "st")
		tblWantState(t, e.h, e.c, freezer.Running)
	},
	// RUNNING, a task x running without safe points.
	"RUNNING running task": func(t *testing.T, e *tblEnv) {
		e.gate["x"] = tblNewGate(t)
		e.task["x"] = tblHold(t, e.c, "x", e.gate["x"])
		tblWantState(t, e.h, e.c, freezer.Running)
	},
	// RUNNING, a task d in an uninterruptible wait.
	"RUNNING D task": func(t *testing.T, e *tblEnv) {
		e.gate["d"] = tblNewGate(t)
		e.task["d"] = tblDWait(t, e.c, "d", e.gate["d"])
		tblWantState(t, e.h, e.c, freezer.Running)
	},
	// FREEZING: sleeper s frozen, x running without safe points and with a
	// freeze request it has not honoured.
	"FREEZING running task": func(t *testing.T, e *tblEnv) {
		e.gate["x"] = tblNewGate(t)
		e.task["s"] = tblSleeper(t, e.c, "s")
		e.task["x"] = tblHold(t, e.c, "x", e.gate["x"])
		if err := e.c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		tblWaitFrozenTask(t, e.task["s"])
		tblWantState(t, e.h, e.c, freezer.Freezing)
		if !e.task["x"].Freezing() {
			t.Fatalf("x has no freeze request")
		}
	},
	// FREEZING: sleeper s frozen, d in an uninterruptible wait with a freeze
	// request (the write returned EBUSY).
	"FREEZING D task": func(t *testing.T, e *tblEnv) {
		e.gate["d"] = tblNewGate(t)
		e.task["s"] = tblSleeper(t, e.c, "s")
		e.task["d"] = tblDWait(t, e.c, "d", e.gate["d"])
		if err := e.c.Freeze(); !errors.Is(err, syscall.EBUSY) {
			t.Fatalf("Freeze with a D task: %v, want EBUSY", err)
		}
		tblWaitFrozenTask(t, e.task["s"])
		tblWantState(t, e.h, e.c, freezer.Freezing)
		if !e.task["d"].Freezing() {
			t.Fatalf("d has no freeze request")
		}
	},
	// FREEZING: the only task st is stopped without a freeze request (it
	// was attached while the cgroup was FREEZING, and the task that kept
	// the cgroup FREEZING then exited).
	"FREEZING stopped, no request": func(t *testing.T, e *tblEnv) {
		g := tblNewGate(t)
		x := tblHold(t, e.c, "x", g)
		if err := e.c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		st := tblStopped(t, e.other, "st")
		if err := e.c.Attach(st); err != nil {
			t.Fatalf("Attach into FREEZING: %v", err)
		}
		g.open()
		waitDone(t, x)
		e.task["st"] = st
		tblWantState(t, e.h, e.c, freezer.Freezing)
		if st.Freezing() {
			t.Fatalf("st has a freeze request")
		}
	},
	// FREEZING as stored, but every task is frozen enough: st is stopped
	// with a freeze request, and x, which kept the cgroup FREEZING, has
	// exited. Nothing has read the state since.
	"FREEZING all frozen enough": func(t *testing.T, e *tblEnv) {
		g := tblNewGate(t)
		e.task["st"] = tblStopped(t, e.c, "st")
		x := tblHold(t, e.c, "x", g)
		if err := e.c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		tblWantState(t, e.h, e.c, freezer.Freezing)
		g.open()
		waitDone(t, x)
	},
	// FROZEN, a frozen sleeper s.
	"FROZEN sleeper": func(t *testing.T, e *tblEnv) {
		e.task["s"] = tblSleeper(t, e.c, "s")
		if err := e.c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		waitFrozen(t, e.c)
		tblWaitFrozenTask(t, e.task["s"])
		tblWantState(t, e.h, e.c, freezer.Frozen)
	},
	// FROZEN, a stopped task st with a freeze request.
	"FROZEN stopped": func(t *testing.T, e *tblEnv) {
		e.task["st"] = tblStopped(t, e.c, "st")
		if err := e.c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		tblWantState(t, e.h, e.c, freezer.Frozen)
	},
	// FROZEN, no tasks.
	"FROZEN empty": func(t *testing.T, e *tblEnv) {
		if err := e.c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		tblWantState(t, e.h, e.c, freezer.Frozen)
	},
}

// tblRow is one row of the transition table, instantiated with a state before.
type tblRow struct {
	name   string
	before string // key of tblBefore
	read   bool   // a read; otherwise a write of data
	data   string
	errno  syscall.Errno // 0: the call succeeds
	// after is the state right after the call; eventually, if set, the
	// state it reaches by itself later (tasks on their way to the
	// refrigerator, say).
	after      freezer.State
	eventually freezer.State
	readBytes  string // for reads: the exact bytes
	// check, if set, makes further checks after the call.
	check func(t *testing.T, e *tblEnv)
}

// typed reports whether the typed API can perform the row's operation.
func (r tblRow) typed() bool { return r.read || r.data == "FROZEN" || r.data == "RUNNING" }

// tblPad pads s with newlines to n bytes.
func tblPad(s string, n int) string { return s + strings.Repeat("\n", n-len(s)) }

// TestTransitionTable walks DESIGN.md's freezer.state transition table row by
// row, through the path API and the typed methods, from states built with
// tasks the test controls.
func TestTransitionTable(t *testing.T) {
	thawed := func(names ...string) func(t *testing.T, e *tblEnv) {
		return func(t *testing.T, e *tblEnv) {
			for _, n := range names {
				tk := e.task[n]
				if tk.Freezing() {
					t.Errorf("%s still has a freeze request after the thaw", n)
				}
				tblWaitThawedSleeper(t, tk)
			}
		}
	}
	requestCancelled := func(n string) func(t *testing.T, e *tblEnv) {
		return func(t *testing.T, e *tblEnv) {
			if st := e.task[n].Stat(); st.Freezing || st.Frozen {
				t.Errorf("%s after the thaw: %+v, want its request cancelled", n, st)
			}
		}
	}
	all := func(fs ...func(t *testing.T, e *tblEnv)) func(t *testing.T, e *tblEnv) {
		return func(t *testing.T, e *tblEnv) {
			for _, f := range fs {
				f(t, e)
			}
		}
	}
	rows := []tblRow{
		// write FROZEN | RUNNING or FREEZING | freeze_task on every task |
		// FROZEN if every task is frozen enough, else FREEZING | EBUSY if
		// any task cannot freeze now.
		{name: "an empty cgroup is FROZEN at once", before: "RUNNING empty", data: "FROZEN", after: freezer.Frozen},
		{name: "a stopped task is frozen enough at once", before: "RUNNING stopped", data: "FROZEN", after: freezer.Frozen,
			check: func(t *testing.T, e *tblEnv) {
				st := e.task["st"].Stat()
				if !st.Freezing || st.Frozen || st.State != 'T' {
					t.Errorf("stopped task after FROZEN: %+v, want stopped (T) with a request", st)
				}
			}},
		{name: "a sleeper freezes", before: "RUNNING sleeper", data: "FROZEN", after: freezer.Freezing, eventually: freezer.Frozen,
			check: func(t *testing.T, e *tblEnv) {
				tblWaitFrozenTask(t, e.task["s"])
				if st := e.task["s"].Stat(); st.State != 'D' || st.Freezing {
					t.Errorf("frozen sleeper: %+v, want D without a pending request", st)
				}
			}},
		{name: "a task between safe points keeps it FREEZING", before: "RUNNING running task", data: "FROZEN", after: freezer.Freezing,
			check: func(t *testing.T, e *tblEnv) {
				if !e.task["x"].Freezing() {
					t.Errorf("x got no freeze request")
				}
			}},
		{name: "a D task gives EBUSY", before: "RUNNING D task", data: "FROZEN", errno: syscall.EBUSY, after: freezer.Freezing,
			check: func(t *testing.T, e *tblEnv) {
				if !e.task["d"].Freezing() {
					t.Errorf("d lost its freeze request: it must keep it and freeze when its wait ends")
				}
			}},
		{name: "from FREEZING, still a running task", before: "FREEZING running task", data: "FROZEN", after: freezer.Freezing},
		{name: "from FREEZING, still a D task", before: "FREEZING D task", data: "FROZEN", errno: syscall.EBUSY, after: freezer.Freezing},
		{name: "from FREEZING, the write makes every task frozen enough", before: "FREEZING stopped, no request", data: "FROZEN", after: freezer.Frozen,
			check: func(t *testing.T, e *tblEnv) {
				if !e.task["st"].Freezing() {
					t.Errorf("st got no freeze request")
				}
			}},
		// write FROZEN | FROZEN | none | FROZEN | ok
		{name: "FROZEN again", before: "FROZEN sleeper", data: "FROZEN", after: freezer.Frozen,
			check: func(t *testing.T, e *tblEnv) {
				if !e.task["s"].Frozen() {
					t.Errorf("s is no longer frozen")
				}
			}},
		{name: "FROZEN again, empty", before: "FROZEN empty", data: "FROZEN", after: freezer.Frozen},
		// write RUNNING | FREEZING or FROZEN | thaw every task (cancels
		// requests not yet honoured) | RUNNING | ok
		{name: "thaw FREEZING cancels a running task's request", before: "FREEZING running task", data: "RUNNING", after: freezer.Running,
			check: all(requestCancelled("x"), thawed("s"))},
		{name: "thaw FREEZING cancels a D task's request", before: "FREEZING D task", data: "RUNNING", after: freezer.Running,
			check: all(requestCancelled("d"), thawed("s"))},
		{name: "thaw FROZEN", before: "FROZEN sleeper", data: "RUNNING", after: freezer.Running, check: thawed("s")},
		{name: "thaw FROZEN leaves a stopped task stopped", before: "FROZEN stopped", data: "RUNNING", after: freezer.Running,
			check: func(t *testing.T, e *tblEnv) {
				if st := e.task["st"].Stat(); st.State != 'T' || st.Freezing || st.Frozen {
					t.Errorf("stopped task after the thaw: %+v, want T without a request", st)
				}
			}},
		{name: "thaw FROZEN empty", before: "FROZEN empty", data: "RUNNING", after: freezer.Running},
		// write RUNNING | RUNNING | none | RUNNING | ok
		{name: "RUNNING again", before: "RUNNING sleeper", data: "RUNNING", after: freezer.Running},
		{name: "RUNNING again, empty", before: "RUNNING empty", data: "RUNNING", after: freezer.Running},
		// write FREEZING or anything else | any | none | unchanged | EIO
		{name: "FREEZING from RUNNING", before: "RUNNING sleeper", data: "FREEZING", errno: syscall.EIO, after: freezer.Running},
		{name: "FREEZING from FREEZING", before: "FREEZING running task", data: "FREEZING", errno: syscall.EIO, after: freezer.Freezing},
		{name: "FREEZING from FROZEN", before: "FROZEN sleeper", data: "FREEZING", errno: syscall.EIO, after: freezer.Frozen},
		{name: "THAWED from FROZEN", before: "FROZEN sleeper", data: "THAWED", errno: syscall.EIO, after: freezer.Frozen},
		{name: "lower case from RUNNING", before: "RUNNING sleeper", data: "frozen", errno: syscall.EIO, after: freezer.Running},
		{name: "empty write from FROZEN", before: "FROZEN sleeper", data: "", errno: syscall.EIO, after: freezer.Frozen},
		// write of 4096 bytes or more | any | none | unchanged | E2BIG
		{name: "4096-byte FROZEN", before: "RUNNING sleeper", data: tblPad("FROZEN", 4096), errno: syscall.E2BIG, after: freezer.Running},
		{name: "8192-byte FROZEN", before: "RUNNING sleeper", data: tblPad("FROZEN", 8192), errno: syscall.E2BIG, after: freezer.Running},
		{name: "4096-byte RUNNING", before: "FROZEN sleeper", data: tblPad("RUNNING", 4096), errno: syscall.E2BIG, after: freezer.Frozen},
		{name: "4096-byte RUNNING from FREEZING", before: "FREEZING D task", data: tblPad("RUNNING", 4096), errno: syscall.E2BIG, after: freezer.Freezing},
		{name: "4095-byte FROZEN is taken", before: "RUNNING empty", data: tblPad("FROZEN", 4095), after: freezer.Frozen},
		// read | FREEZING, every task frozen enough | none | FROZEN | FROZEN\n
		{name: "read FREEZING with every task frozen enough", before: "FREEZING all frozen enough", read: true, readBytes: "FROZEN\n", after: freezer.Frozen},
		// read | otherwise | none | unchanged | the state and \n
		{name: "read RUNNING", before: "RUNNING sleeper", read: true, readBytes: "RUNNING\n", after: freezer.Running},
		{name: "read RUNNING empty", before: "RUNNING empty", read: true, readBytes: "RUNNING\n", after: freezer.Running},
		{name: "read FREEZING, running task", before: "FREEZING running task", read: true, readBytes: "FREEZING\n", after: freezer.Freezing},
		{name: "read FREEZING, D task", before: "FREEZING D task", read: true, readBytes: "FREEZING\n", after: freezer.Freezing},
		{name: "read FREEZING, stopped task without request", before: "FREEZING stopped, no request", read: true, readBytes: "FREEZING\n", after: freezer.Freezing},
		{name: "read FROZEN", before: "FROZEN sleeper", read: true, readBytes: "FROZEN\n", after: freezer.Frozen},
		{name: "read FROZEN empty", before: "FROZEN empty", read: true, readBytes: "FROZEN\n", after: freezer.Frozen},
	}
	for _, r := range rows {
		if _, ok := tblBefore[r.before]; !ok {
			t.Fatalf("row %q: no state before %q", r.name, r.before)
		}
		for _, api := range tblAPIs {
			if api.name == "typed" && !r.typed() {
				continue
			}
			t.Run(r.name+"/"+api.name, func(t *testing.T) {
				e := tblNewEnv(t)
				tblBefore[r.before](t, e)
				if t.Failed() {
					t.FailNow()
				}
				statsBefore := tblStats(e.all()...)

				if r.read {
					got, err := api.read(e.h, e.c)
					if err != nil {
						t.Fatalf("read: %v", err)
					}
					if got != r.readBytes {
						t.Errorf("read = %q, want %q", got, r.readBytes)
					}
				} else {
					err := api.write(e.h, e.c, r.data)
					if r.errno == 0 {
						if err != nil {
							t.Errorf("write %q: %v, want nil", r.data, err)
						}
					} else {
						api.checkErr(t, err, e.c, r.errno)
					}
				}

				got := state(t, e.c)
				if r.eventually != 0 {
					if got != r.after && got != r.eventually {
						t.Errorf("state after = %v, want %v or %v", got, r.after, r.eventually)
					}
					if r.eventually == freezer.Frozen {
						waitFrozen(t, e.c)
					}
				} else if got != r.after {
					t.Errorf("state after = %v, want %v", got, r.after)
				}
				if b := tblRead(t, e.h, e.c); b != got.String()+"\n" && r.eventually == 0 {
					t.Errorf("ReadFile after = %q, want %q", b, got.String()+"\n")
				}

				// A failed write and a read change nothing.
				if r.read || (r.errno != 0 && r.errno != syscall.EBUSY) {
					if diff := cmp.Diff(statsBefore, tblStats(e.all()...)); diff != "" {
						t.Errorf("tasks changed (-before +after):\n%s", diff)
					}
				}
				if r.check != nil {
					r.check(t, e)
				}
			})
		}
	}

	// any, on a removed cgroup: ENODEV, for every typed method of the
	// stale *Cgroup. Through the path API the name no longer resolves, as
	// on a real cgroupfs: ENOENT.
	t.Run("removed cgroup", func(t *testing.T) {
		h := newHierarchy(t)
		c := mkdir(t, h, "gone")
		if err := c.Freeze(); err != nil {
			t.Fatal(err)
		}
		if err := c.Remove(); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		other := mkdir(t, h, "other")
		s := tblSleeper(t, other, "s")
		if !c.Removed() {
			t.Errorf("Removed() = false after Remove")
		}
		_, err := c.State()
		t.Run("State", func(t *testing.T) { tblPathErrno(t, err, tblStatePath(c), syscall.ENODEV) })
		err = c.Freeze()
		t.Run("Freeze", func(t *testing.T) { tblPathErrno(t, err, tblStatePath(c), syscall.ENODEV) })
		err = c.Thaw()
		t.Run("Thaw", func(t *testing.T) { tblPathErrno(t, err, tblStatePath(c), syscall.ENODEV) })
		t.Run("Mkdir", func(t *testing.T) {
			k, err := c.Mkdir("k")
			tblTypedErrno(t, err, syscall.ENODEV)
			if k != nil {
				t.Errorf("Mkdir returned a cgroup %s", k.Path())
			}
		})
		t.Run("Remove", func(t *testing.T) { tblTypedErrno(t, c.Remove(), syscall.ENODEV) })
		t.Run("Attach", func(t *testing.T) {
			tblTypedErrno(t, c.Attach(s), syscall.ENODEV)
			if got := s.Cgroup(); got != other {
				t.Errorf("task moved to %v", got)
			}
		})
		t.Run("Spawn", func(t *testing.T) {
			tk, err := c.Spawn("x", sleeper)
			tblTypedErrno(t, err, syscall.ENODEV)
			if tk != nil {
				t.Errorf("Spawn returned task %d", tk.PID())
			}
		})
		t.Run("path", func(t *testing.T) {
			_, err := h.ReadFile("/gone/freezer.state")
			tblPathErrno(t, err, "/gone/freezer.state", syscall.ENOENT)
			err = h.WriteFile("/gone/freezer.state", []byte("RUNNING"))
			tblPathErrno(t, err, "/gone/freezer.state", syscall.ENOENT)
		})
	})

	// Trailing white space is stripped before matching; matching is exact
	// and case-sensitive.
	t.Run("matching", func(t *testing.T) {
		cases := []struct {
			data  string
			from  freezer.State
			errno syscall.Errno
			to    freezer.State
		}{
			{"FROZEN", freezer.Running, 0, freezer.Frozen},
			{"FROZEN\n", freezer.Running, 0, freezer.Frozen},
			{"FROZEN \t\n", freezer.Running, 0, freezer.Frozen},
			{"FROZEN\r\n", freezer.Running, 0, freezer.Frozen},
			{"FROZEN\n\n\n", freezer.Running, 0, freezer.Frozen},
			{"RUNNING", freezer.Frozen, 0, freezer.Running},
			{"RUNNING\n", freezer.Frozen, 0, freezer.Running},
			{"RUNNING \t\n", freezer.Frozen, 0, freezer.Running},
			{"frozen", freezer.Running, syscall.EIO, freezer.Running},
			{"Frozen\n", freezer.Running, syscall.EIO, freezer.Running},
			{" FROZEN", freezer.Running, syscall.EIO, freezer.Running},
			{"\nFROZEN", freezer.Running, syscall.EIO, freezer.Running},
			{"\tFROZEN\n", freezer.Running, syscall.EIO, freezer.Running},
			{"FROZEN.", freezer.Running, syscall.EIO, freezer.Running},
			{"FROZENX", freezer.Running, syscall.EIO, freezer.Running},
			{"FROZE", freezer.Running, syscall.EIO, freezer.Running},
			{"FROZEN FROZEN", freezer.Running, syscall.EIO, freezer.Running},
			{"FREEZING\n", freezer.Running, syscall.EIO, freezer.Running},
			{"\n", freezer.Running, syscall.EIO, freezer.Running},
			{"running", freezer.Frozen, syscall.EIO, freezer.Frozen},
			{" RUNNING\n", freezer.Frozen, syscall.EIO, freezer.Frozen},
			{"RUNNINGX", freezer.Frozen, syscall.EIO, freezer.Frozen},
			{"THAWED\n", freezer.Frozen, syscall.EIO, freezer.Frozen},
		}
		h := newHierarchy(t)
		c := mkdir(t, h, "c")
		for _, tc := range cases {
			t.Run(strconv.Quote(tc.data), func(t *testing.T) {
				var err error
				if tc.from == freezer.Frozen {
					err = c.Freeze()
				} else {
					err = c.Thaw()
				}
				if err != nil {
					t.Fatal(err)
				}
				tblWantState(t, h, c, tc.from)
				err = h.WriteFile("/c/freezer.state", []byte(tc.data))
				if tc.errno == 0 {
					if err != nil {
						t.Errorf("write %q: %v", tc.data, err)
					}
				} else {
					tblPathErrno(t, err, "/c/freezer.state", tc.errno)
				}
				tblWantState(t, h, c, tc.to)
			})
		}
	})
}

// ---------------------------------------------------------------------------
// TestErrnoTable

// tblFixture is the world of an errno case: every kind of cgroup an error can
// come from.
type tblFixture struct {
	h    *freezer.Hierarchy
	a    *freezer.Cgroup // RUNNING, sleeper ta
	b    *freezer.Cgroup // RUNNING, empty
	f    *freezer.Cgroup // FROZEN, frozen sleeper tf
	s    *freezer.Cgroup // FROZEN, stopped ts (frozen enough, not frozen)
	z    *freezer.Cgroup // FREEZING: held by tz, with stopped tzs frozen enough
	p    *freezer.Cgroup // RUNNING, empty, with child q
	q    *freezer.Cgroup
	gone *freezer.Cgroup // removed
	ta   *freezer.Task
	tf   *freezer.Task
	ts   *freezer.Task
	tz   *freezer.Task
	tzs  *freezer.Task
	dead *freezer.Task // exited
}

func tblNewFixture(t *testing.T) *tblFixture {
	h := newHierarchy(t)
	fx := &tblFixture{h: h}
	fx.a = mkdir(t, h, "a")
	fx.b = mkdir(t, h, "b")
	fx.f = mkdir(t, h, "f")
	fx.s = mkdir(t, h, "s")
	fx.z = mkdir(t, h, "z")
	fx.p = mkdir(t, h, "p")
	q, err := fx.p.Mkdir("q")
	if err != nil {
		t.Fatal(err)
	}
	fx.q = q
	fx.gone = mkdir(t, h, "gone")
	if err := fx.gone.Remove(); err != nil {
		t.Fatal(err)
	}

	fx.ta = tblSleeper(t, fx.a, "ta")

	fx.tf = tblSleeper(t, fx.f, "tf")
	if err := fx.f.Freeze(); err != nil {
		t.Fatal(err)
	}
	waitFrozen(t, fx.f)
	tblWaitFrozenTask(t, fx.tf)

	fx.ts = tblStopped(t, fx.s, "ts")
	if err := fx.s.Freeze(); err != nil {
		t.Fatal(err)
	}
	tblWantState(t, h, fx.s, freezer.Frozen)

	g := tblNewGate(t)
	fx.tz = tblHold(t, fx.z, "tz", g)
	fx.tzs = tblStopped(t, fx.z, "tzs")
	if err := fx.z.Freeze(); err != nil {
		t.Fatal(err)
	}
	tblWantState(t, h, fx.z, freezer.Freezing)

	fx.dead = tblSpawn(t, fx.b, "dead", func(*freezer.Task) {}, 0)
	waitDone(t, fx.dead)
	return fx
}

// tblSnapshot is everything an error must leave alone: each cgroup's state
// and tasks file, which cgroups exist, and every live task's Stat.
type tblSnapshot struct {
	Cgroups map[string]tblCgroupSnap
	Tasks   map[int]freezer.TaskStat
}

type tblCgroupSnap struct {
	State string
	Tasks string
}

func tblSnap(t testing.TB, h *freezer.Hierarchy) tblSnapshot {
	t.Helper()
	s := tblSnapshot{Cgroups: map[string]tblCgroupSnap{}, Tasks: map[int]freezer.TaskStat{}}
	tblWalk(h.Root(), func(c *freezer.Cgroup) {
		var cs tblCgroupSnap
		b, err := h.ReadFile(tblFile(c, "tasks"))
		if err != nil {
			t.Fatalf("ReadFile(%s): %v", tblFile(c, "tasks"), err)
		}
		cs.Tasks = string(b)
		if c.Parent() != nil {
			cs.State = tblRead(t, h, c)
		}
		s.Cgroups[c.Path()] = cs
		tblAddStats(s.Tasks, c)
	})
	return s
}

// tblWalk calls fn for c and then for each of its descendants, parents
// before their children.
func tblWalk(c *freezer.Cgroup, fn func(*freezer.Cgroup)) {
	fn(c)
	for _, k := range c.Children() {
		tblWalk(k, fn)
	}
}

// tblAddStats adds the Stat of each task of c to stats, by PID.
func tblAddStats(stats map[int]freezer.TaskStat, c *freezer.Cgroup) {
	for tk := range c.Tasks() {
		stats[tk.PID()] = tk.Stat()
	}
}

// TestErrnoTable checks every errno DESIGN.md lists, through the path API
// (an *fs.PathError around the bare errno) and the typed methods, and that
// nothing changes when one is returned.
func TestErrnoTable(t *testing.T) {
	type errCase struct {
		name  string
		errno syscall.Errno
		path  string // the path API's path; "" for a typed call
		op    func(fx *tblFixture) error
	}
	write := func(path, data string) func(fx *tblFixture) error {
		return func(fx *tblFixture) error { return fx.h.WriteFile(path, []byte(data)) }
	}
	writePID := func(path string, task func(fx *tblFixture) *freezer.Task) func(fx *tblFixture) error {
		return func(fx *tblFixture) error {
			return fx.h.WriteFile(path, []byte(strconv.Itoa(task(fx).PID())+"\n"))
		}
	}
	mkdirNil := func(c func(fx *tblFixture) *freezer.Cgroup, name string) func(fx *tblFixture) error {
		return func(fx *tblFixture) error {
			k, err := c(fx).Mkdir(name)
			if k != nil {
				return fmt.Errorf("Mkdir returned cgroup %s with error %v", k.Path(), err)
			}
			return err
		}
	}
	cases := []errCase{
		// Mkdir: EEXIST, ENOENT (no parent), ENODEV (parent removed).
		{"mkdir existing", syscall.EEXIST, "/a", func(fx *tblFixture) error { return fx.h.Mkdir("/a") }},
		{"mkdir existing nested", syscall.EEXIST, "/p/q", func(fx *tblFixture) error { return fx.h.Mkdir("/p/q") }},
		{"mkdir tasks", syscall.EEXIST, "/a/tasks", func(fx *tblFixture) error { return fx.h.Mkdir("/a/tasks") }},
		{"mkdir freezer.state", syscall.EEXIST, "/a/freezer.state", func(fx *tblFixture) error { return fx.h.Mkdir("/a/freezer.state") }},
		{"mkdir root tasks", syscall.EEXIST, "/tasks", func(fx *tblFixture) error { return fx.h.Mkdir("/tasks") }},
		{"typed mkdir existing", syscall.EEXIST, "", mkdirNil(func(fx *tblFixture) *freezer.Cgroup { return fx.h.Root() }, "a")},
		{"typed mkdir tasks", syscall.EEXIST, "", mkdirNil(func(fx *tblFixture) *freezer.Cgroup { return fx.a }, "tasks")},
		{"mkdir no parent", syscall.ENOENT, "/nope/x", func(fx *tblFixture) error { return fx.h.Mkdir("/nope/x") }},
		{"mkdir removed parent by path", syscall.ENOENT, "/gone/x", func(fx *tblFixture) error { return fx.h.Mkdir("/gone/x") }},
		{"typed mkdir removed parent", syscall.ENODEV, "", mkdirNil(func(fx *tblFixture) *freezer.Cgroup { return fx.gone }, "x")},
		// Rmdir: EBUSY with tasks or children, EBUSY for the root, ENOENT.
		{"rmdir with tasks", syscall.EBUSY, "/a", func(fx *tblFixture) error { return fx.h.Rmdir("/a") }},
		{"rmdir frozen with tasks", syscall.EBUSY, "/f", func(fx *tblFixture) error { return fx.h.Rmdir("/f") }},
		{"rmdir with children", syscall.EBUSY, "/p", func(fx *tblFixture) error { return fx.h.Rmdir("/p") }},
		{"rmdir root", syscall.EBUSY, "/", func(fx *tblFixture) error { return fx.h.Rmdir("/") }},
		{"rmdir missing", syscall.ENOENT, "/nope", func(fx *tblFixture) error { return fx.h.Rmdir("/nope") }},
		{"rmdir removed", syscall.ENOENT, "/gone", func(fx *tblFixture) error { return fx.h.Rmdir("/gone") }},
		{"typed remove with tasks", syscall.EBUSY, "", func(fx *tblFixture) error { return fx.a.Remove() }},
		{"typed remove with children", syscall.EBUSY, "", func(fx *tblFixture) error { return fx.p.Remove() }},
		{"typed remove root", syscall.EBUSY, "", func(fx *tblFixture) error { return fx.h.Root().Remove() }},
		// Writing tasks: EINVAL for a non-number, ESRCH for an unknown PID,
		// EBUSY from can_attach.
		{"tasks abc", syscall.EINVAL, "/b/tasks", write("/b/tasks", "abc")},
		{"tasks empty", syscall.EINVAL, "/b/tasks", write("/b/tasks", "")},
		{"tasks -1", syscall.EINVAL, "/b/tasks", write("/b/tasks", "-1")},
		{"tasks 1.5", syscall.EINVAL, "/b/tasks", write("/b/tasks", "1.5")},
		{"tasks unknown PID", syscall.ESRCH, "/b/tasks", write("/b/tasks", "99999\n")},
		{"tasks exited PID", syscall.ESRCH, "/a/tasks", writePID("/a/tasks", func(fx *tblFixture) *freezer.Task { return fx.dead })},
		{"typed attach exited", syscall.ESRCH, "", func(fx *tblFixture) error { return fx.a.Attach(fx.dead) }},
		{"tasks into FROZEN", syscall.EBUSY, "/f/tasks", writePID("/f/tasks", func(fx *tblFixture) *freezer.Task { return fx.ta })},
		{"tasks into FROZEN (stopped members)", syscall.EBUSY, "/s/tasks", writePID("/s/tasks", func(fx *tblFixture) *freezer.Task { return fx.ta })},
		{"tasks frozen task out", syscall.EBUSY, "/b/tasks", writePID("/b/tasks", func(fx *tblFixture) *freezer.Task { return fx.tf })},
		{"tasks stopped frozen-enough task out of FROZEN", syscall.EBUSY, "/b/tasks", writePID("/b/tasks", func(fx *tblFixture) *freezer.Task { return fx.ts })},
		{"tasks stopped frozen-enough task out of FREEZING", syscall.EBUSY, "/b/tasks", writePID("/b/tasks", func(fx *tblFixture) *freezer.Task { return fx.tzs })},
		{"tasks frozen task to root", syscall.EBUSY, "/tasks", writePID("/tasks", func(fx *tblFixture) *freezer.Task { return fx.tf })},
		{"typed attach into FROZEN", syscall.EBUSY, "", func(fx *tblFixture) error { return fx.f.Attach(fx.ta) }},
		{"typed attach frozen task", syscall.EBUSY, "", func(fx *tblFixture) error { return fx.b.Attach(fx.tf) }},
		{"typed attach frozen-enough task", syscall.EBUSY, "", func(fx *tblFixture) error { return fx.b.Attach(fx.ts) }},
		// The root has no freezer.state.
		{"root State", syscall.ENOENT, "", func(fx *tblFixture) error { _, err := fx.h.Root().State(); return err }},
		{"root Freeze", syscall.ENOENT, "", func(fx *tblFixture) error { return fx.h.Root().Freeze() }},
		{"root Thaw", syscall.ENOENT, "", func(fx *tblFixture) error { return fx.h.Root().Thaw() }},
		{"root read freezer.state", syscall.ENOENT, "/freezer.state", func(fx *tblFixture) error { _, err := fx.h.ReadFile("/freezer.state"); return err }},
		{"root write freezer.state", syscall.ENOENT, "/freezer.state", write("/freezer.state", "FROZEN")},
		// freezer.state: EIO, E2BIG; ENODEV on a removed cgroup.
		{"state FREEZING", syscall.EIO, "/a/freezer.state", write("/a/freezer.state", "FREEZING")},
		{"state FREEZING on FREEZING", syscall.EIO, "/z/freezer.state", write("/z/freezer.state", "FREEZING\n")},
		{"state bogus on FROZEN", syscall.EIO, "/f/freezer.state", write("/f/freezer.state", "THAW")},
		{"state 4096 bytes", syscall.E2BIG, "/a/freezer.state", write("/a/freezer.state", tblPad("FROZEN", 4096))},
		{"state 4096 bytes on FROZEN", syscall.E2BIG, "/f/freezer.state", write("/f/freezer.state", tblPad("RUNNING", 4096))},
		// A real PID padded to 4096 bytes: only the size can refuse it.
		{"tasks 4096 bytes", syscall.E2BIG, "/b/tasks", func(fx *tblFixture) error {
			return fx.h.WriteFile("/b/tasks", []byte(tblPad(strconv.Itoa(fx.ta.PID()), 4096)))
		}},
		{"removed State", syscall.ENODEV, "", func(fx *tblFixture) error { _, err := fx.gone.State(); return err }},
		{"removed Freeze", syscall.ENODEV, "", func(fx *tblFixture) error { return fx.gone.Freeze() }},
		{"removed Thaw", syscall.ENODEV, "", func(fx *tblFixture) error { return fx.gone.Thaw() }},
		{"removed Remove", syscall.ENODEV, "", func(fx *tblFixture) error { return fx.gone.Remove() }},
		{"removed Attach", syscall.ENODEV, "", func(fx *tblFixture) error { return fx.gone.Attach(fx.ta) }},
		{"removed Spawn", syscall.ENODEV, "", func(fx *tblFixture) error {
			tk, err := fx.gone.Spawn("x", sleeper)
			if tk != nil {
				return fmt.Errorf("Spawn returned task %d with error %v", tk.PID(), err)
			}
			return err
		}},
	}
	seen := map[syscall.Errno]bool{}
	for _, tc := range cases {
		seen[tc.errno] = true
		t.Run(tc.name, func(t *testing.T) {
			fx := tblNewFixture(t)
			before := tblSnap(t, fx.h)
			err := tc.op(fx)
			if tc.path != "" {
				tblPathErrno(t, err, tc.path, tc.errno)
			} else {
				tblTypedErrno(t, err, tc.errno)
			}
			if diff := cmp.Diff(before, tblSnap(t, fx.h)); diff != "" {
				t.Errorf("the failed call changed the hierarchy (-before +after):\n%s", diff)
			}
			if !fx.gone.Removed() {
				t.Errorf("the removed cgroup came back")
			}
			if _, err := fx.h.Lookup("/gone"); !errors.Is(err, syscall.ENOENT) {
				t.Errorf("Lookup(/gone) = %v, want ENOENT", err)
			}
		})
	}
	for _, e := range []syscall.Errno{syscall.EIO, syscall.E2BIG, syscall.ENODEV, syscall.EBUSY, syscall.EEXIST, syscall.ENOENT, syscall.EINVAL, syscall.ESRCH} {
		if !seen[e] {
			t.Errorf("no case for %v", e)
		}
	}
}

// ---------------------------------------------------------------------------
// TestFreezingExits

// TestFreezingExits ports the patch's three ways out of FREEZING (cancel with
// RUNNING, retry with FROZEN, the blocking tasks leave) and its EBUSY report.
func TestFreezingExits(t *testing.T) {
	for _, api := range tblAPIs {
		t.Run(api.name, func(t *testing.T) {
			// (a) write RUNNING: the D task's request is cancelled, the
			// frozen tasks are thawed.
			t.Run("cancel", func(t *testing.T) {
				h := newHierarchy(t)
				c := mkdir(t, h, "c")
				g := tblNewGate(t)
				d := tblDWait(t, c, "d", g)
				s := tblSleeper(t, c, "s")
				st := tblStopped(t, c, "st")
				err := api.write(h, c, "FROZEN")
				api.checkErr(t, err, c, syscall.EBUSY)
				tblWaitFrozenTask(t, s)
				tblWantState(t, h, c, freezer.Freezing)

				if err := api.write(h, c, "RUNNING"); err != nil {
					t.Fatalf("write RUNNING: %v", err)
				}
				tblWantState(t, h, c, freezer.Running)
				if d.Freezing() {
					t.Errorf("D task keeps its freeze request after the cancel")
				}
				if st.Freezing() {
					t.Errorf("stopped task keeps its freeze request after the cancel")
				}
				tblWaitThawedSleeper(t, s)
				// The D task leaves its wait and does not freeze: it
				// goes back to sleeping, and the cgroup stays RUNNING.
				g.open()
				tblWaitThawedSleeper(t, d)
				tblWantState(t, h, c, freezer.Running)
			})

			// (b) write FROZEN again after the D task has left its wait.
			t.Run("retry", func(t *testing.T) {
				h := newHierarchy(t)
				c := mkdir(t, h, "c")
				g := tblNewGate(t)
				d := tblDWait(t, c, "d", g)
				s := tblSleeper(t, c, "s")
				api.checkErr(t, api.write(h, c, "FROZEN"), c, syscall.EBUSY)
				tblWaitFrozenTask(t, s)
				// A retry while the task is still in D: EBUSY again.
				api.checkErr(t, api.write(h, c, "FROZEN"), c, syscall.EBUSY)
				tblWantState(t, h, c, freezer.Freezing)

				g.open()
				tblWaitFrozenTask(t, d) // it kept its request
				if err := api.write(h, c, "FROZEN"); err != nil {
					t.Errorf("retry after the D wait: %v, want nil", err)
				}
				tblWantState(t, h, c, freezer.Frozen)
				if !s.Frozen() || !d.Frozen() {
					t.Errorf("after the retry: s %+v, d %+v; want both frozen", s.Stat(), d.Stat())
				}
			})

			// (c) the blocking task leaves the cgroup: the next read
			// says FROZEN without any write.
			leave := []struct {
				name string
				// block puts a task in c that holds the freeze and
				// returns the errno of the FROZEN write and a function
				// that makes the task leave and waits until it has.
				block func(t *testing.T, c, other *freezer.Cgroup) (syscall.Errno, func())
			}{
				{"exit of a running task", func(t *testing.T, c, other *freezer.Cgroup) (syscall.Errno, func()) {
					g := tblNewGate(t)
					x := tblHold(t, c, "x", g)
					return 0, func() { g.open(); waitDone(t, x) }
				}},
				{"exit of a NoFreeze task", func(t *testing.T, c, other *freezer.Cgroup) (syscall.Errno, func()) {
					g := tblNewGate(t)
					nf := tblSpawn(t, c, "nf", func(tk *freezer.Task) { tk.Wait(g.ch) }, 'S', freezer.NoFreeze())
					return syscall.EBUSY, func() { g.open(); waitDone(t, nf) }
				}},
				{"kill of a NoFreeze task", func(t *testing.T, c, other *freezer.Cgroup) (syscall.Errno, func()) {
					nf := tblSpawn(t, c, "nf", sleeper, 'S', freezer.NoFreeze())
					return syscall.EBUSY, func() { nf.Kill(); waitDone(t, nf) }
				}},
				{"D task moved out", func(t *testing.T, c, other *freezer.Cgroup) (syscall.Errno, func()) {
					g := tblNewGate(t)
					d := tblDWait(t, c, "d", g)
					return syscall.EBUSY, func() {
						if err := other.Attach(d); err != nil {
							t.Fatalf("Attach D task out of FREEZING: %v", err)
						}
						if d.Freezing() {
							t.Errorf("D task moved out of FREEZING keeps its request")
						}
						// In its new cgroup it leaves the wait and
						// does not freeze.
						g.open()
						tblWaitThawedSleeper(t, d)
						if got := d.Cgroup(); got != other {
							t.Errorf("D task in %v, want %s", got, other.Path())
						}
					}
				}},
				{"running task moved out", func(t *testing.T, c, other *freezer.Cgroup) (syscall.Errno, func()) {
					g := tblNewGate(t)
					x := tblHold(t, c, "x", g)
					return 0, func() {
						if err := other.Attach(x); err != nil {
							t.Fatalf("Attach running task out of FREEZING: %v", err)
						}
						if x.Freezing() {
							t.Errorf("task moved out of FREEZING keeps its request")
						}
					}
				}},
			}
			for _, l := range leave {
				t.Run("leave/"+l.name, func(t *testing.T) {
					h := newHierarchy(t)
					c := mkdir(t, h, "c")
					other := mkdir(t, h, "other")
					s := tblSleeper(t, c, "s")
					st := tblStopped(t, c, "st")
					want, leaveFn := l.block(t, c, other)
					err := api.write(h, c, "FROZEN")
					if want == 0 {
						if err != nil {
							t.Fatalf("write FROZEN: %v", err)
						}
					} else {
						api.checkErr(t, err, c, want)
					}
					tblWaitFrozenTask(t, s)
					tblWantState(t, h, c, freezer.Freezing)
					leaveFn()
					// No write since: the next read says FROZEN at once.
					got, err := api.read(h, c)
					if err != nil || got != "FROZEN\n" {
						t.Errorf("read after the blocker left = %q, %v; want \"FROZEN\\n\"", got, err)
					}
					tblWantState(t, h, c, freezer.Frozen)
					if !s.Frozen() {
						t.Errorf("sleeper not frozen: %+v", s.Stat())
					}
					if stt := st.Stat(); !stt.Freezing || stt.State != 'T' {
						t.Errorf("stopped task: %+v, want T with a freeze request", stt)
					}
					tblWantState(t, h, other, freezer.Running)
				})
			}
		})
	}

	// EBUSY: the error names exactly the tasks that refused (a D wait and
	// a NoFreeze task), by PID and name.
	t.Run("EBUSY report", func(t *testing.T) {
		h := newHierarchy(t)
		c := mkdir(t, h, "c")
		g := tblNewGate(t)
		s1 := tblSleeper(t, c, "tbl-sleeper-1")
		d := tblDWait(t, c, "tbl-dwait", g)
		st := tblStopped(t, c, "tbl-stopped")
		nf := tblSpawn(t, c, "tbl-nofreeze", sleeper, 'S', freezer.NoFreeze())
		s2 := tblSleeper(t, c, "tbl-sleeper-2")
		hold := tblNewGate(t)
		x := tblHold(t, c, "tbl-running", hold)

		err := c.Freeze()
		if !errors.Is(err, syscall.EBUSY) {
			t.Fatalf("Freeze = %v, want EBUSY", err)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Path != "/c/freezer.state" {
			t.Errorf("Freeze error %v: want an *fs.PathError for /c/freezer.state", err)
		}
		var be *freezer.BusyError
		if !errors.As(err, &be) {
			t.Fatalf("Freeze error %v (%T): no *freezer.BusyError", err, err)
		}
		want := []int{d.PID(), nf.PID()}
		slices.Sort(want)
		if diff := cmp.Diff(want, be.PIDs()); diff != "" {
			t.Errorf("BusyError.PIDs() (-want +got):\n%s", diff)
		}
		msg := err.Error()
		for _, tk := range []*freezer.Task{d, nf} {
			if !strings.Contains(msg, strconv.Itoa(tk.PID())) || !strings.Contains(msg, tk.Name()) {
				t.Errorf("error %q does not name refusing task %d (%s)", msg, tk.PID(), tk.Name())
			}
		}
		for _, tk := range []*freezer.Task{s1, s2, st, x} {
			if strings.Contains(msg, tk.Name()) {
				t.Errorf("error %q names task %d (%s), which did not refuse", msg, tk.PID(), tk.Name())
			}
		}
		tblWantState(t, h, c, freezer.Freezing)

		// The path API: the bare errno.
		tblPathErrno(t, h.WriteFile("/c/freezer.state", []byte("FROZEN\n")), "/c/freezer.state", syscall.EBUSY)
		tblWantState(t, h, c, freezer.Freezing)
	})
}

// ---------------------------------------------------------------------------
// TestTasksFile

// TestTasksFile checks the tasks file: PIDs one per line ascending, a write
// moves a task, the attach rules for FREEZING cgroups.
func TestTasksFile(t *testing.T) {
	t.Run("list and move", func(t *testing.T) {
		h := newHierarchy(t)
		a := mkdir(t, h, "a")
		b := mkdir(t, h, "b")
		var ts []*freezer.Task
		for i := range 4 {
			ts = append(ts, tblSleeper(t, b, fmt.Sprintf("t%d", i)))
		}
		tblWantFile := func(path, want string) {
			t.Helper()
			got, err := h.ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile(%s): %v", path, err)
			}
			if string(got) != want {
				t.Errorf("ReadFile(%s) = %q, want %q", path, got, want)
			}
		}
		tblWantFile("/a/tasks", "")
		tblWantFile("/b/tasks", tblPIDLines(ts...))
		tblWantFile("/tasks", "")

		// Move them out of PID order: the file is sorted anyway.
		for _, i := range []int{3, 0, 2} {
			if err := h.WriteFile("/a/tasks", []byte(strconv.Itoa(ts[i].PID())+"\n")); err != nil {
				t.Fatalf("move task %d: %v", ts[i].PID(), err)
			}
			if got := ts[i].Cgroup(); got != a {
				t.Errorf("task %d in %v after the write, want /a", ts[i].PID(), got)
			}
			if got := ts[i].Stat().Cgroup; got != "/a" {
				t.Errorf("task %d Stat().Cgroup = %q, want /a", ts[i].PID(), got)
			}
		}
		want := fmt.Sprintf("%d\n%d\n%d\n", ts[0].PID(), ts[2].PID(), ts[3].PID())
		tblWantFile("/a/tasks", want)
		tblWantFile("/b/tasks", fmt.Sprintf("%d\n", ts[1].PID()))
		if diff := cmp.Diff([]int{ts[0].PID(), ts[2].PID(), ts[3].PID()}, a.PIDs()); diff != "" {
			t.Errorf("a.PIDs() (-want +got):\n%s", diff)
		}

		// Writing a task's own cgroup is a no-op.
		if err := h.WriteFile("/a/tasks", []byte(strconv.Itoa(ts[0].PID()))); err != nil {
			t.Errorf("write own cgroup: %v", err)
		}
		if err := a.Attach(ts[0]); err != nil {
			t.Errorf("Attach to own cgroup: %v", err)
		}
		tblWantFile("/a/tasks", want)
		if got := ts[0].Cgroup(); got != a {
			t.Errorf("task in %v, want /a", got)
		}
		// Into the root and back.
		if err := h.WriteFile("/tasks", []byte(strconv.Itoa(ts[1].PID())+"\n")); err != nil {
			t.Fatal(err)
		}
		tblWantFile("/tasks", fmt.Sprintf("%d\n", ts[1].PID()))
		tblWantFile("/b/tasks", "")
		// An exited task leaves the file.
		ts[3].Kill()
		waitDone(t, ts[3])
		tblWantFile("/a/tasks", fmt.Sprintf("%d\n%d\n", ts[0].PID(), ts[2].PID()))
	})

	// Attach into a FREEZING cgroup is allowed and does not freeze the task;
	// the cgroup reads FREEZING until the next FROZEN write catches it.
	t.Run("attach into FREEZING", func(t *testing.T) {
		h := newHierarchy(t)
		fz := mkdir(t, h, "fz")
		other := mkdir(t, h, "other")
		g := tblNewGate(t)
		x := tblHold(t, fz, "x", g)
		if err := fz.Freeze(); err != nil {
			t.Fatal(err)
		}
		tblWantState(t, h, fz, freezer.Freezing)
		s := tblSleeper(t, other, "s")
		if err := h.WriteFile("/fz/tasks", []byte(strconv.Itoa(s.PID())+"\n")); err != nil {
			t.Fatalf("attach into FREEZING: %v", err)
		}
		if got := s.Cgroup(); got != fz {
			t.Fatalf("task in %v, want /fz", got)
		}
		if s.Freezing() {
			t.Errorf("the move gave the task a freeze request")
		}
		time.Sleep(10 * time.Millisecond) // only to show that s does not freeze
		if st := s.Stat(); st.Frozen || st.Freezing || st.State != 'S' {
			t.Errorf("task attached into FREEZING: %+v, want sleeping, not freezing", st)
		}
		// The task that held the cgroup exits; s still keeps it FREEZING.
		g.open()
		waitDone(t, x)
		tblWantState(t, h, fz, freezer.Freezing)
		if s.Frozen() {
			t.Errorf("s froze without a FROZEN write")
		}
		// The next FROZEN write catches it.
		if err := h.WriteFile("/fz/freezer.state", []byte("FROZEN\n")); err != nil {
			t.Fatalf("write FROZEN: %v", err)
		}
		waitFrozen(t, fz)
		tblWaitFrozenTask(t, s)
		tblWantState(t, h, fz, freezer.Frozen)
	})

	// A task moved out of a FREEZING cgroup loses its pending request: at
	// its next safe point it does not freeze.
	t.Run("move out of FREEZING", func(t *testing.T) {
		h := newHierarchy(t)
		fz := mkdir(t, h, "fz")
		dst := mkdir(t, h, "dst")
		g := tblNewGate(t)
		started := make(chan struct{})
		froze := make(chan bool, 1)
		y := tblSpawn(t, fz, "y", func(tk *freezer.Task) {
			close(started)
			<-g.ch
			froze <- tk.TryToFreeze()
			sleeper(tk)
		}, 0)
		<-started
		s := tblSleeper(t, fz, "s")
		if err := fz.Freeze(); err != nil {
			t.Fatal(err)
		}
		tblWaitFrozenTask(t, s)
		if !y.Freezing() {
			t.Fatalf("y has no freeze request")
		}
		tblWantState(t, h, fz, freezer.Freezing)
		if err := h.WriteFile("/dst/tasks", []byte(strconv.Itoa(y.PID())+"\n")); err != nil {
			t.Fatalf("move out of FREEZING: %v", err)
		}
		if y.Freezing() {
			t.Errorf("y keeps its freeze request after leaving the FREEZING cgroup")
		}
		// fz now holds only a frozen task.
		tblWantState(t, h, fz, freezer.Frozen)
		g.open()
		select {
		case f := <-froze:
			if f {
				t.Errorf("y froze at its next safe point after leaving FREEZING")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for y's safe point")
		}
		tblWaitThawedSleeper(t, y)
		tblWantState(t, h, dst, freezer.Running)
	})
}
