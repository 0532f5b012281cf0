package freezer_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/cgfreezer/freezer"
)

// TestModelStateMachine drives a real hierarchy and the pure freezer.Model
// with the same random operations (rapid's state-machine testing) and, after
// every step, compares everything observable: each cgroup's state, path,
// SelfFreezing, ParentFreezing, Events and tasks file, each task's Stat, and
// each operation's errno. It runs once per Version, as the subtests
// "patch2008", "v1" and "v2", each with the same budget.
//
// Determinism: every check runs in a testing/synctest bubble (rapid.SyncTest)
// that holds the hierarchy and all its tasks. A task's function is a small
// interpreter (rmTask.run) that blocks on a channel for its next command;
// after each operation the test calls synctest.Wait, which returns once every
// task goroutine is durably blocked: waiting for a command ('R'), in a Wait
// or WaitUninterruptible on a channel the test owns, in the refrigerator or a
// stop (the library parks on channels), or in a vfork wait. The model says
// which tasks run their own code and may take a command; no hand-shake is
// needed, and an operation that parks a task simply leaves it parked.
//
// Runs: by default -rapid.checks (100) checks of at least 50 steps each, per
// version: rapid's Repeat draws a number of steps averaging -rapid.steps
// (30), and the test calls it again until 50 have run. FREEZER_RAPID_LONG=1
// raises the checks to 10,000 per version (as -rapid.checks=10000 does).
// With -short, rapid runs a fifth of the checks, and each runs at least 20
// steps. The default run of the three versions takes a few seconds, and
// about 20 under -race on 2 CPUs.
//
// Failing cases: every step is logged as a line of the script language of
// TestModelRegressions, so the log of a failing case, which rapid prints, is
// a regression test once saved in testdata/rapid/NAME.txt. (rapid also saves
// its own fail file in testdata/rapid/TestModelStateMachine_VERSION/ and
// replays it while it still fails; once the bug is fixed it reports the file
// as no longer valid, so the scripts are what is kept.) A script of a version other than the patch's starts with a line
// "version v1" or "version v2", which the log's first line gives.
func TestModelStateMachine(t *testing.T) {
	rmLongMode(t)
	for _, v := range []freezer.Version{freezer.Patch2008, freezer.V1, freezer.V2} {
		t.Run(v.String(), func(t *testing.T) {
			var cov rmCoverage
			rapid.Check(t, func(rt *rapid.T) {
				cov.checks++
				rapid.SyncTest(rt, func(rt *rapid.T) {
					sm := newRMMachine(rt, v)
					sm.cov = &cov
					minSteps := rmSteps
					if testing.Short() {
						minSteps = rmShortSteps
					}
					actions := sm.actions()
					for sm.steps < minSteps {
						rt.Repeat(actions)
					}
					cov.steps += sm.steps
				})
			})
			t.Logf("%d checks, %d steps; steps that saw: %v", cov.checks, cov.steps, cov.seen)
		})
	}
}

// TestModelRegressions replays the scripts in testdata/rapid/*.txt: failing
// cases TestModelStateMachine found, kept as regression tests, and
// hand-written scenarios. Each runs in a synctest bubble against the real
// hierarchy and the model, with the same checks after every step. A script
// has one step a line, as the state machine logs them; '#' starts a comment.
// Its first line may name the version ("version v1"); without one it is the
// patch's.
func TestModelRegressions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "rapid", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/rapid")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			v, steps := rmReadScript(t, file)
			synctest.Test(t, func(t *testing.T) {
				sm := newRMMachine(t, v)
				sm.check()
				for _, st := range steps {
					sm.run(st)
					sm.check()
				}
			})
		})
	}
}

// rmCoverage counts what the checks reached, for -v: a state machine test is
// only as good as the states it gets to.
type rmCoverage struct {
	checks, steps int
	seen          map[string]int
}

func (c *rmCoverage) note(what string) {
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[what]++
}

const (
	rmSteps      = 50    // steps per check, at least
	rmShortSteps = 20    // with -short
	rmLongChecks = 10000 // -rapid.checks with FREEZER_RAPID_LONG=1
	rmMaxTasks   = 8     // live tasks at most
	rmMaxCgroups = 16    // cgroup handles at most (removed ones count)
)

// rmLongMode raises -rapid.checks to 10,000 for FREEZER_RAPID_LONG=1, unless
// it was given on the command line or in RAPID_CHECKS, and restores it when
// the test ends.
func rmLongMode(t *testing.T) {
	if os.Getenv("FREEZER_RAPID_LONG") == "" || os.Getenv("RAPID_CHECKS") != "" {
		return
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	f := flag.Lookup("rapid.checks")
	if given || f == nil {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(rmLongChecks)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// ---------------------------------------------------------------------------
// Tasks: interpreters of the test's commands.

// rmOp is a command for a task's interpreter: what its own code does next.
type rmOp int

const (
	rmTryToFreeze rmOp = iota
	rmWait
	rmWaitUninterruptible
	rmFork
	rmVfork
	rmExit
)

type rmCmd struct {
	op    rmOp
	child *rmTask // for rmFork and rmVfork
}

// rmTask drives one real task.
type rmTask struct {
	pid     int
	name    string
	task    *freezer.Task
	cmds    chan rmCmd    // the next command; capacity 1
	ready   chan struct{} // what its Wait and WaitUninterruptible wait for; capacity 1
	results chan error    // errors of Fork and Vfork; the test drains it
	owed    []error       // expected errors not yet received, oldest first
}

func newRMTask(pid int) *rmTask {
	return &rmTask{
		pid:     pid,
		name:    "t" + strconv.Itoa(pid),
		cmds:    make(chan rmCmd, 1),
		ready:   make(chan struct{}, 1),
		results: make(chan error, 4),
	}
}

// run is the task's function: an interpreter of the test's commands. While it
// waits for a command the task is running its own code between safe points
// ('R'), as far as the library can tell.
func (d *rmTask) run(t *freezer.Task) {
	for cmd := range d.cmds {
		switch cmd.op {
		case rmTryToFreeze:
			t.TryToFreeze()
		case rmWait:
			t.Wait(d.ready)
		case rmWaitUninterruptible:
			t.WaitUninterruptible(d.ready)
		case rmFork:
			_, err := t.Fork(cmd.child.name, cmd.child.run)
			d.results <- err
		case rmVfork:
			d.results <- t.Vfork(cmd.child.name, cmd.child.run)
		case rmExit:
			return
		}
	}
}

// ---------------------------------------------------------------------------
// Steps: one operation, applied to the model and the real hierarchy alike.

// rmStep is one step, printed and parsed as a line of a script:
//
//	mkdir C "name"       Cgroup.Mkdir on cgroup ID C (0 is the root; IDs in creation order)
//	remove C             Cgroup.Remove
//	mkdirpath "path"     Hierarchy.Mkdir; rmdirpath "path": Hierarchy.Rmdir
//	freeze C, thaw C, state C, freezecontext C, waitfrozen C
//	selffreezing C, parentfreezing C, events C, killcgroup C (Cgroup.Kill)
//	write "path" "data"  Hierarchy.WriteFile; read "path": Hierarchy.ReadFile
//	write "path" "data" pad N   the data padded with spaces to N bytes
//	spawn C [nofreeze]   Cgroup.Spawn; the task gets the next PID
//	attach C PID         Cgroup.Attach
//	freezeprocesses, thawprocesses
//	kill PID, stop PID, continue PID, trace PID, untrace PID
//	trytofreeze PID, wait PID, waituninterruptible PID, fork PID, vfork PID,
//	exit PID             what the task's own code does next
//	ready PID            the channel its wait waits for becomes ready
type rmStep struct {
	op       string
	c        freezer.CgroupID
	pid      int
	s        string // a name or a path
	data     string
	pad      int // write: pad data with spaces to this many bytes
	nofreeze bool
}

// rmArgs gives each step's arguments: C a cgroup ID, P a PID, N a name or
// path, D data, F the nofreeze flag.
var rmArgs = map[string]string{
	"mkdir": "CN", "remove": "C", "mkdirpath": "N", "rmdirpath": "N",
	"freeze": "C", "thaw": "C", "state": "C", "freezecontext": "C", "waitfrozen": "C",
	"selffreezing": "C", "parentfreezing": "C", "events": "C", "killcgroup": "C",
	"write": "ND", "read": "N", "spawn": "CF", "attach": "CP",
	"freezeprocesses": "", "thawprocesses": "",
	"kill": "P", "stop": "P", "continue": "P", "trace": "P", "untrace": "P",
	"trytofreeze": "P", "wait": "P", "waituninterruptible": "P", "fork": "P", "vfork": "P", "exit": "P",
	"ready": "P",
}

func (st rmStep) String() string {
	var b strings.Builder
	b.WriteString(st.op)
	for _, a := range rmArgs[st.op] {
		switch a {
		case 'C':
			fmt.Fprintf(&b, " %d", st.c)
		case 'P':
			fmt.Fprintf(&b, " %d", st.pid)
		case 'N':
			fmt.Fprintf(&b, " %q", st.s)
		case 'D':
			fmt.Fprintf(&b, " %q", st.data)
		case 'F':
			if st.nofreeze {
				b.WriteString(" nofreeze")
			}
		}
	}
	if st.pad > 0 {
		fmt.Fprintf(&b, " pad %d", st.pad)
	}
	return b.String()
}

// bytes is the data a write step writes.
func (st rmStep) bytes() []byte {
	b := []byte(st.data)
	for len(b) < st.pad {
		b = append(b, ' ')
	}
	return b
}

// rmParseStep parses a line of a script; ok is false for a blank or comment
// line.
func rmParseStep(line string) (st rmStep, ok bool, err error) {
	var toks []string
	for rest := strings.TrimSpace(line); rest != "" && rest[0] != '#'; rest = strings.TrimSpace(rest) {
		if rest[0] == '"' {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return st, false, err
			}
			s, _ := strconv.Unquote(q)
			toks, rest = append(toks, s), rest[len(q):]
			continue
		}
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			i = len(rest)
		}
		toks, rest = append(toks, rest[:i]), rest[i:]
	}
	if len(toks) == 0 {
		return st, false, nil
	}
	st.op = toks[0]
	args, known := rmArgs[st.op]
	if !known {
		return st, false, fmt.Errorf("unknown step %q", st.op)
	}
	toks = toks[1:]
	for _, a := range args {
		if a == 'F' {
			st.nofreeze = len(toks) > 0 && toks[0] == "nofreeze"
			if st.nofreeze {
				toks = toks[1:]
			}
			continue
		}
		if len(toks) == 0 {
			return st, false, fmt.Errorf("%s: too few arguments", st.op)
		}
		tok := toks[0]
		toks = toks[1:]
		switch a {
		case 'C', 'P':
			n, err := strconv.Atoi(tok)
			if err != nil {
				return st, false, fmt.Errorf("%s: %v", st.op, err)
			}
			if a == 'C' {
				st.c = freezer.CgroupID(n)
			} else {
				st.pid = n
			}
		case 'N':
			st.s = tok
		case 'D':
			st.data = tok
		}
	}
	if st.op == "write" && len(toks) == 2 && toks[0] == "pad" {
		n, err := strconv.Atoi(toks[1])
		if err != nil {
			return st, false, fmt.Errorf("%s: pad: %v", st.op, err)
		}
		st.pad, toks = n, nil
	}
	if len(toks) > 0 {
		return st, false, fmt.Errorf("%s: too many arguments", st.op)
	}
	return st, true, nil
}

// rmReadScript reads a script: its version (Patch2008 unless its first line
// is "version NAME") and its steps.
func rmReadScript(t *testing.T, file string) (freezer.Version, []rmStep) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := freezer.Patch2008
	var steps []rmStep
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if name, ok := strings.CutPrefix(sc.Text(), "version "); ok {
			if n != 1 {
				t.Fatalf("%s:%d: version must be the first line", file, n)
			}
			if v, err = freezer.ParseVersion(strings.TrimSpace(name)); err != nil {
				t.Fatalf("%s:%d: %v", file, n, err)
			}
			continue
		}
		st, ok, err := rmParseStep(sc.Text())
		if err != nil {
			t.Fatalf("%s:%d: %v", file, n, err)
		}
		if ok {
			steps = append(steps, st)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return v, steps
}

// ---------------------------------------------------------------------------
// The machine.

// rmTB is what the machine needs of a *rapid.T or a *testing.T.
type rmTB interface {
	rapid.TB
	Cleanup(func())
}

// rmMachine is the state machine: the real hierarchy, the model, and the map
// between them.
type rmMachine struct {
	tb      rmTB
	v       freezer.Version
	files   *rmFileSet // the version's files and what to write to them
	h       *freezer.Hierarchy
	m       *freezer.Model
	cgroups []*freezer.Cgroup // by model CgroupID
	tasks   []*rmTask         // by PID-1
	steps   int               // steps run
	cov     *rmCoverage
}

// newRMMachine makes a hierarchy of version v, with lock checks, and its
// model. It must run inside the synctest bubble; it shuts the hierarchy down
// at cleanup, still inside the bubble. It logs the version as a script's
// first line.
func newRMMachine(tb rmTB, v freezer.Version) *rmMachine {
	sm := &rmMachine{
		tb:    tb,
		v:     v,
		files: &rmFileSets[v],
		h:     freezer.New(freezer.WithLockChecks(), freezer.WithVersion(v)),
		m:     freezer.NewModelFor(v),
	}
	if got := sm.m.Version(); got != v {
		tb.Fatalf("NewModelFor(%v).Version() = %v", v, got)
	}
	if got := sm.h.Version(); got != v {
		tb.Fatalf("New(WithVersion(%v)).Version() = %v", v, got)
	}
	if v != freezer.Patch2008 {
		tb.Logf("version %v", v)
	}
	sm.cgroups = []*freezer.Cgroup{sm.h.Root()}
	tb.Cleanup(sm.shutdown)
	return sm
}

// shutdown ends every task: the interpreters return when their command
// channels close, waits end when their channels close, and Shutdown kills
// and thaws the rest.
func (sm *rmMachine) shutdown() {
	for _, d := range sm.tasks {
		close(d.cmds)
		close(d.ready)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sm.h.Shutdown(ctx); err != nil {
		sm.tb.Errorf("Shutdown: %v", err)
	}
}

// quiesce waits until every task is durably blocked.
func (sm *rmMachine) quiesce() { synctest.Wait() }

// errno is the syscall.Errno an error of the library wraps, 0 for nil. Every
// error but a blocking helper's context error is an *fs.PathError.
func (sm *rmMachine) errno(what string, err error) syscall.Errno {
	sm.tb.Helper()
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if !errors.As(err, &e) {
		sm.tb.Fatalf("%s: error %v wraps no syscall.Errno", what, err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		sm.tb.Fatalf("%s: error %v is not an *fs.PathError", what, err)
	}
	return e
}

// ctxErrno is errno for a blocking helper: ETIMEDOUT (the model's
// convention) for an error wrapping context.DeadlineExceeded, which must
// carry a *BusyError when busy is set.
func (sm *rmMachine) ctxErrno(what string, err error, busy bool) syscall.Errno {
	sm.tb.Helper()
	if !errors.Is(err, context.DeadlineExceeded) {
		return sm.errno(what, err)
	}
	var be *freezer.BusyError
	if busy && !errors.As(err, &be) {
		sm.tb.Fatalf("%s: %v has no *BusyError", what, err)
	}
	return syscall.ETIMEDOUT
}

// same checks an errno.
func (sm *rmMachine) same(what string, want, got syscall.Errno) {
	sm.tb.Helper()
	if want != got {
		sm.tb.Fatalf("%s = %s, want %s", what, errnoString(got), errnoString(want))
	}
}

// timeout is the context of a blocking helper: in the bubble's fake time it
// ends once every task has been blocked for 50ms.
func timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 50*time.Millisecond)
}

// run applies one step to the model and the hierarchy, waits for the tasks
// to settle, and checks the step's own results. It logs the step as a script
// line, with what it returned as a comment.
func (sm *rmMachine) run(st rmStep) {
	tb, m := sm.tb, sm.m
	tb.Helper()
	what := st.String()
	var want, got syscall.Errno
	var note string
	validC := st.c >= 0 && int(st.c) < len(sm.cgroups)
	validP := st.pid >= 1 && st.pid <= len(sm.tasks)
	switch rmArgs[st.op] {
	case "C", "CN", "CF", "CP":
		if !validC {
			tb.Fatalf("%s: no cgroup %d", what, st.c)
		}
	}
	switch rmArgs[st.op] {
	case "P", "CP":
		if !validP {
			tb.Fatalf("%s: no task %d", what, st.pid)
		}
	}
	c := sm.cgroups[max(0, min(int(st.c), len(sm.cgroups)-1))]
	frozen := sm.frozenCgroups()

	switch st.op {
	case "mkdir":
		var id freezer.CgroupID
		id, want = m.Mkdir(st.c, st.s)
		k, err := c.Mkdir(st.s)
		got = sm.errno(what, err)
		if want == 0 {
			sm.adopt(id, k)
		}
	case "mkdirpath":
		var id freezer.CgroupID
		id, want = m.MkdirPath(st.s)
		got = sm.errno(what, sm.h.Mkdir(st.s))
		if want == 0 && got == 0 {
			k, err := sm.h.Lookup(st.s)
			if err != nil {
				tb.Fatalf("%s: Lookup after Mkdir: %v", what, err)
			}
			sm.adopt(id, k)
		}
	case "remove":
		want = m.Remove(st.c)
		got = sm.errno(what, c.Remove())
	case "rmdirpath":
		want = m.RmdirPath(st.s)
		got = sm.errno(what, sm.h.Rmdir(st.s))
	case "freeze":
		want = m.Freeze(st.c)
		err := c.Freeze()
		got = sm.errno(what, err)
		if got == syscall.EBUSY {
			var be *freezer.BusyError
			if !errors.As(err, &be) {
				tb.Fatalf("%s: %v is not a *BusyError", what, err)
			}
			if diff := cmp.Diff(m.Busy(st.c), be.PIDs()); diff != "" {
				tb.Fatalf("%s: busy PIDs (-want +got):\n%s", what, diff)
			}
		}
	case "thaw":
		want = m.Thaw(st.c)
		got = sm.errno(what, c.Thaw())
	case "state":
		s, e := m.State(st.c)
		g, err := c.State()
		want, got = e, sm.errno(what, err)
		note = g.String()
		if s != g {
			tb.Fatalf("%s = %v, want %v", what, g, s)
		}
	case "freezecontext":
		// The model has no FreezeContext; its documentation makes it a
		// read, Freeze, and, unless the cgroup settled FROZEN, a Thaw if
		// the read said RUNNING (someone else's freeze is left alone).
		var before freezer.State
		before, want = m.State(st.c)
		if want == 0 {
			want = m.Freeze(st.c)
		}
		if want == 0 || want == syscall.EBUSY {
			want = 0
			if s, _ := m.State(st.c); s != freezer.Frozen {
				if before == freezer.Running {
					m.Thaw(st.c)
				}
				want = syscall.ETIMEDOUT
			}
		}
		ctx, cancel := timeout()
		err := c.FreezeContext(ctx)
		cancel()
		got = sm.ctxErrno(what, err, true)
	case "waitfrozen":
		var s freezer.State
		s, want = m.State(st.c)
		if want == 0 && s != freezer.Frozen {
			want = syscall.ETIMEDOUT
		}
		ctx, cancel := timeout()
		got = sm.ctxErrno(what, c.WaitFrozen(ctx), false)
		cancel()
	case "selffreezing", "parentfreezing":
		var w, g bool
		var err error
		if st.op == "selffreezing" {
			w, want = m.SelfFreezing(st.c)
			g, err = c.SelfFreezing()
		} else {
			w, want = m.ParentFreezing(st.c)
			g, err = c.ParentFreezing()
		}
		got = sm.errno(what, err)
		note = strconv.FormatBool(g)
		if w != g {
			tb.Fatalf("%s = %v, want %v", what, g, w)
		}
	case "events":
		w, e := m.Events(st.c)
		g, err := c.Events()
		want, got = e, sm.errno(what, err)
		note = fmt.Sprintf("%+v", g)
		if w != g {
			tb.Fatalf("%s = %+v, want %+v", what, g, w)
		}
	case "killcgroup":
		want = m.KillCgroup(st.c)
		got = sm.errno(what, c.Kill())
	case "write":
		want = m.WriteFile(st.s, st.bytes())
		got = sm.errno(what, sm.h.WriteFile(st.s, st.bytes()))
	case "read":
		b, e := m.ReadFile(st.s)
		g, err := sm.h.ReadFile(st.s)
		want, got = e, sm.errno(what, err)
		note = fmt.Sprintf("%q", g)
		if strings.HasSuffix(st.s, "/cgroup.stat.local") && got == 0 {
			// Time, which the model does not keep: only its form.
			if !rmStatLocal.Match(g) {
				tb.Fatalf("%s = %q, want frozen_usec N", what, g)
			}
		} else if string(b) != string(g) {
			tb.Fatalf("%s = %q, want %q", what, g, b)
		}
	case "spawn":
		d := newRMTask(len(sm.tasks) + 1)
		var pid int
		pid, want = m.Spawn(st.c, d.name, st.nofreeze)
		var opts []freezer.TaskOption
		if st.nofreeze {
			opts = append(opts, freezer.NoFreeze())
		}
		task, err := c.Spawn(d.name, d.run, opts...)
		got = sm.errno(what, err)
		if want == 0 && got == 0 {
			if pid != d.pid || task.PID() != pid {
				tb.Fatalf("%s: PID %d, model %d, want %d", what, task.PID(), pid, d.pid)
			}
			d.task = task
			sm.tasks = append(sm.tasks, d)
			note = fmt.Sprintf("PID %d", pid)
		}
	case "attach":
		want = m.Attach(st.c, st.pid)
		got = sm.errno(what, c.Attach(sm.tasks[st.pid-1].task))
	case "freezeprocesses":
		want = m.FreezeProcesses()
		ctx, cancel := timeout()
		err := sm.h.FreezeProcesses(ctx)
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, syscall.EBUSY):
			got = syscall.EBUSY
		default:
			if got = sm.ctxErrno(what, err, true); got != syscall.ETIMEDOUT {
				tb.Fatalf("%s: unexpected error %v", what, err)
			}
		}
	case "thawprocesses":
		m.ThawProcesses()
		sm.h.ThawProcesses()
	case "kill", "stop", "continue", "trace", "untrace":
		t := sm.tasks[st.pid-1].task
		switch st.op {
		case "kill":
			m.Kill(st.pid)
			t.Kill()
		case "stop":
			m.Stop(st.pid)
			t.Stop()
		case "continue":
			m.Continue(st.pid)
			t.Continue()
		case "trace":
			m.Trace(st.pid)
			t.Trace()
		case "untrace":
			m.Untrace(st.pid)
			t.Untrace()
		}
	case "trytofreeze", "wait", "waituninterruptible", "fork", "vfork", "exit":
		sm.command(st)
	case "ready":
		if ti, _ := m.Task(st.pid); ti.At != freezer.InWait && ti.At != freezer.InWaitUninterruptible {
			tb.Fatalf("%s: task %d is not in a wait", what, st.pid)
		}
		m.Ready(st.pid)
		select {
		case sm.tasks[st.pid-1].ready <- struct{}{}:
		default: // already ready: the task has not yet seen it
		}
	default:
		tb.Fatalf("unknown step %q", st.op)
	}
	if !sm.mayUnfreeze(st) {
		sm.checkStillFrozen(what, frozen)
	}
	sm.quiesce()
	sm.steps++
	for _, d := range sm.tasks {
		if d.task == nil { // forked by this step
			task, ok := sm.h.Task(d.pid)
			if !ok {
				tb.Fatalf("%s: no task %d after the fork", what, d.pid)
			}
			d.task = task
		}
	}
	if note != "" {
		note = " " + note
	}
	tb.Logf("%-34s # %s%s", what, errnoString(got), note)
	sm.same(what, want, got)
}

// frozenCgroups lists the cgroups the model says are FROZEN.
func (sm *rmMachine) frozenCgroups() []freezer.CgroupID {
	var ids []freezer.CgroupID
	for id := range sm.cgroups {
		if s, err := sm.m.State(freezer.CgroupID(id)); err == 0 && s == freezer.Frozen {
			ids = append(ids, freezer.CgroupID(id))
		}
	}
	return ids
}

// mayUnfreeze reports whether step st may leave a cgroup FROZEN before and
// after it while it reads otherwise in between, as V1 and V2 allow: a move
// into a frozen cgroup (V1's FROZEN drops to FREEZING until the task
// freezes; V2 looks at both cgroups at once), and a kill of a frozen task
// (V2's frozen goes to 0 until the task has gone).
func (sm *rmMachine) mayUnfreeze(st rmStep) bool {
	if sm.v == freezer.Patch2008 {
		return false
	}
	switch st.op {
	case "attach", "kill", "killcgroup":
		return true
	case "write":
		file := path.Base(st.s)
		return file == "tasks" || file == "cgroup.procs" || file == "cgroup.kill"
	}
	return false
}

// checkStillFrozen checks that a cgroup FROZEN before a step and after it
// never read anything else: it reads the real state at once, while the tasks
// may still be moving (a continued task on its way into the refrigerator, a
// vfork parent whose child has just exited). FROZEN must be stable, except
// where mayUnfreeze allows.
func (sm *rmMachine) checkStillFrozen(what string, before []freezer.CgroupID) {
	for _, id := range before {
		if s, _ := sm.m.State(id); s != freezer.Frozen {
			continue
		}
		if s, err := sm.cgroups[id].State(); err != nil || s != freezer.Frozen {
			sm.tb.Fatalf("%s: %s read %v (%v) while the step ran; FROZEN before and after", what, sm.m.Path(id), s, err)
		}
	}
}

// command makes a task running its own code do something. The caller waits
// for quiescence.
func (sm *rmMachine) command(st rmStep) {
	tb, m := sm.tb, sm.m
	if ti, _ := m.Task(st.pid); ti.At != freezer.AtWork || ti.Parked {
		tb.Fatalf("%s: task %d is not running its own code", st, st.pid)
	}
	d := sm.tasks[st.pid-1]
	var cmd rmCmd
	switch st.op {
	case "trytofreeze":
		cmd.op = rmTryToFreeze
		m.TryToFreeze(st.pid)
	case "wait":
		cmd.op = rmWait
		m.Wait(st.pid)
	case "waituninterruptible":
		cmd.op = rmWaitUninterruptible
		m.WaitUninterruptible(st.pid)
	case "exit":
		cmd.op = rmExit
		m.Exit(st.pid)
	case "fork", "vfork":
		cmd.child = newRMTask(len(sm.tasks) + 1)
		var child int
		var want syscall.Errno
		if st.op == "fork" {
			cmd.op = rmFork
			child, want = m.Fork(st.pid, cmd.child.name)
		} else {
			cmd.op = rmVfork
			child, want = m.Vfork(st.pid, cmd.child.name)
		}
		var wantErr error
		if want != 0 {
			wantErr = want
		}
		d.owed = append(d.owed, wantErr)
		if want == 0 {
			if child != cmd.child.pid {
				tb.Fatalf("%s: model gave child PID %d, want %d", st, child, cmd.child.pid)
			}
			sm.tasks = append(sm.tasks, cmd.child)
		}
	}
	d.cmds <- cmd
}

// adopt records a cgroup the model has just made, at the ID it gave.
func (sm *rmMachine) adopt(id freezer.CgroupID, c *freezer.Cgroup) {
	if int(id) != len(sm.cgroups) {
		sm.tb.Fatalf("model gave cgroup ID %d, want %d", id, len(sm.cgroups))
	}
	sm.cgroups = append(sm.cgroups, c)
}

// ---------------------------------------------------------------------------
// Generating steps.

// Paths, names and data the generators draw from: a small tree, so that
// names collide, plus control files' names for EEXIST, ENOTDIR and EISDIR.
var (
	rmNames      = []string{"a", "b", "tasks", "cgroup.procs"}
	rmPaths      = []string{"/", "/a", "/b", "/a/a", "/a/b", "/b/a", "/a/a/a", "/c/a", "a/../b", "/a/tasks", "/a/cgroup.procs"}
	rmTasksData  = []string{"1", "2", "3", "4", "5", "6", "2\n", "0", "-1", "+1", "x", "99", "-0", ""}
	rmSignalOps  = []string{"kill", "stop", "continue", "trace", "untrace"}
	rmStateOps   = []string{"freeze", "thaw", "state", "freezecontext", "waitfrozen"}
	rmCgroupOps  = []string{"selffreezing", "parentfreezing", "events", "killcgroup"}
	rmCommandOps = []string{"trytofreeze", "wait", "waituninterruptible", "fork", "vfork", "exit"}
	rmPads       = []int{4095, 4096, 4097} // around the limits: the patch takes 4095 bytes, v1 and v2 4096
	rmStatLocal  = regexp.MustCompile(`^frozen_usec [0-9]+\n$`)
)

// rmFileSet is what a version's generators draw from: its files and the data
// written to them. Each version's list of readable files has some of the
// other versions' names too, for ENOENT.
type rmFileSet struct {
	taskFiles  []string // the files listing tasks, which a PID written moves
	stateFiles []string // the file Freeze writes, several times, and read-only ones, for EINVAL
	stateData  []string // what is written to them
	readFiles  []string // what the Read action reads, "" being the directory
	killData   []string // what is written to cgroup.kill (V2)
}

var rmFileSets = [...]rmFileSet{
	freezer.Patch2008: {
		taskFiles:  []string{"tasks"},
		stateFiles: []string{"freezer.state"},
		stateData:  []string{"FROZEN", "RUNNING", "FROZEN\n", "RUNNING \t\n", "FREEZING", "frozen", " FROZEN", "", "THAWED"},
		readFiles:  []string{"/freezer.state", "/tasks", "", "/cgroup.procs"},
	},
	freezer.V1: {
		taskFiles:  []string{"tasks", "cgroup.procs"},
		stateFiles: []string{"freezer.state", "freezer.state", "freezer.state", "freezer.self_freezing", "freezer.parent_freezing"},
		stateData: []string{"FROZEN", "THAWED", "FROZEN\n", " THAWED \t\n", "\tFROZEN", "FREEZING", "RUNNING",
			"frozen", "\n", "", "FROZEN THAWED", "THAWED\xa0", "\u00a0FROZEN"},
		readFiles: []string{"/freezer.state", "/tasks", "/cgroup.procs", "/freezer.self_freezing",
			"/freezer.parent_freezing", "", "/cgroup.freeze"},
	},
	freezer.V2: {
		taskFiles:  []string{"cgroup.procs"},
		stateFiles: []string{"cgroup.freeze", "cgroup.freeze", "cgroup.freeze", "cgroup.events", "cgroup.stat.local"},
		// kstrtoint base 0 after stripping: 1 and 0 in every spelling, and
		// the ways to be EINVAL or ERANGE.
		stateData: []string{"1", "0", "1\n", " 0 \n", "0x1", "0X0", "+1", "-0", "01", "00", "", "2", "-1", "1 2",
			"true", "\n", "0x", "08", "0x1g", "-+1", "4294967297", "-2147483649", "99999999999999999999x", "1\n2",
			"0b1", "0o1", "0_1", "1_0", "4294967296x", "\xa01", "1\u00a0"},
		readFiles: []string{"/cgroup.procs", "/cgroup.freeze", "/cgroup.events", "/cgroup.kill",
			"/cgroup.stat.local", "", "/tasks", "/freezer.state"},
		killData: []string{"1", "1\n", " 1 ", "0x1", "0", "2", "x", "", "0b1"},
	},
}

// actions returns rapid's action map. An action draws a step and runs it; one
// that cannot run skips before it draws anything (a skip after a draw counts
// as a rejection, and rapid ends the run after a few).
func (sm *rmMachine) actions() map[string]func(*rapid.T) {
	fs := sm.files
	actions := map[string]func(*rapid.T){
		"Mkdir": func(rt *rapid.T) {
			if len(sm.cgroups) >= rmMaxCgroups {
				rt.Skip("enough cgroups")
			}
			if rapid.Bool().Draw(rt, "typed") {
				sm.run(rmStep{op: "mkdir", c: sm.drawCgroup(rt), s: rapid.SampledFrom(rmNames).Draw(rt, "name")})
			} else {
				sm.run(rmStep{op: "mkdirpath", s: rapid.SampledFrom(rmPaths).Draw(rt, "path")})
			}
		},
		"Rmdir": func(rt *rapid.T) {
			if rapid.Bool().Draw(rt, "typed") {
				sm.run(rmStep{op: "remove", c: sm.drawCgroup(rt)})
			} else {
				sm.run(rmStep{op: "rmdirpath", s: rapid.SampledFrom(rmPaths).Draw(rt, "path")})
			}
		},
		"StateOp": func(rt *rapid.T) {
			op := rapid.SampledFrom(rmStateOps).Draw(rt, "op")
			sm.run(rmStep{op: op, c: sm.drawCgroup(rt)})
		},
		"CgroupOp": func(rt *rapid.T) {
			op := rapid.SampledFrom(rmCgroupOps).Draw(rt, "op")
			sm.run(rmStep{op: op, c: sm.drawCgroup(rt)})
		},
		"Freeze": func(rt *rapid.T) { sm.run(rmStep{op: "freeze", c: sm.drawCgroup(rt)}) },
		"Thaw":   func(rt *rapid.T) { sm.run(rmStep{op: "thaw", c: sm.drawCgroup(rt)}) },
		"WriteState": func(rt *rapid.T) {
			path := rapid.SampledFrom(rmPaths).Draw(rt, "path") + "/" + rapid.SampledFrom(fs.stateFiles).Draw(rt, "file")
			st := rmStep{op: "write", s: path, data: rapid.SampledFrom(fs.stateData).Draw(rt, "data")}
			if rapid.IntRange(0, 15).Draw(rt, "long") == 0 {
				st.pad = rapid.SampledFrom(rmPads).Draw(rt, "pad")
			}
			sm.run(st)
		},
		"Read": func(rt *rapid.T) {
			path := rapid.SampledFrom(rmPaths).Draw(rt, "path") + rapid.SampledFrom(fs.readFiles).Draw(rt, "file")
			sm.run(rmStep{op: "read", s: path})
		},
		"Spawn": func(rt *rapid.T) {
			if sm.liveTasks() >= rmMaxTasks {
				rt.Skip("enough tasks")
			}
			sm.run(rmStep{op: "spawn", c: sm.drawCgroup(rt), nofreeze: rapid.IntRange(0, 4).Draw(rt, "nofreeze") == 0})
		},
		"Attach": func(rt *rapid.T) {
			if len(sm.tasks) == 0 {
				rt.Skip("no tasks")
			}
			if rapid.Bool().Draw(rt, "typed") {
				sm.run(rmStep{op: "attach", c: sm.drawCgroup(rt), pid: sm.drawPID(rt)})
			} else {
				path := rapid.SampledFrom(rmPaths).Draw(rt, "path") + "/" + rapid.SampledFrom(fs.taskFiles).Draw(rt, "file")
				sm.run(rmStep{op: "write", s: path, data: rapid.SampledFrom(rmTasksData).Draw(rt, "data")})
			}
		},
		"MoveParked": func(rt *rapid.T) {
			// Moves of frozen, stopped and traced tasks, which v1 and v2
			// allow and the patch refuses.
			pids := sm.pidsWhere(func(ti freezer.TaskInfo) bool { return ti.Parked && ti.At != freezer.Exited })
			if len(pids) == 0 {
				rt.Skip("no task parked")
			}
			sm.run(rmStep{op: "attach", c: sm.drawCgroup(rt), pid: rapid.SampledFrom(pids).Draw(rt, "pid")})
		},
		"FreezeProcesses": func(rt *rapid.T) { sm.run(rmStep{op: "freezeprocesses"}) },
		"ThawProcesses":   func(rt *rapid.T) { sm.run(rmStep{op: "thawprocesses"}) },
		"Signal": func(rt *rapid.T) {
			if len(sm.tasks) == 0 {
				rt.Skip("no tasks")
			}
			sm.run(rmStep{op: rapid.SampledFrom(rmSignalOps).Draw(rt, "signal"), pid: sm.drawPID(rt)})
		},
		"Command": func(rt *rapid.T) {
			pids := sm.pidsWhere(func(ti freezer.TaskInfo) bool { return ti.At == freezer.AtWork && !ti.Parked })
			if len(pids) == 0 {
				rt.Skip("no task runs its own code")
			}
			op := rapid.SampledFrom(rmCommandOps).Draw(rt, "op")
			pid := rapid.SampledFrom(pids).Draw(rt, "pid")
			if (op == "fork" || op == "vfork") && sm.liveTasks() >= rmMaxTasks {
				op = "trytofreeze"
			}
			sm.run(rmStep{op: op, pid: pid})
		},
		"Ready": func(rt *rapid.T) {
			pids := sm.pidsWhere(func(ti freezer.TaskInfo) bool {
				return ti.At == freezer.InWait || ti.At == freezer.InWaitUninterruptible
			})
			if len(pids) == 0 {
				rt.Skip("no task waits")
			}
			sm.run(rmStep{op: "ready", pid: rapid.SampledFrom(pids).Draw(rt, "pid")})
		},
	}
	if sm.v == freezer.V2 {
		actions["KillCgroup"] = func(rt *rapid.T) {
			if rapid.Bool().Draw(rt, "typed") {
				sm.run(rmStep{op: "killcgroup", c: sm.drawCgroup(rt)})
				return
			}
			path := rapid.SampledFrom(rmPaths).Draw(rt, "path") + "/cgroup.kill"
			sm.run(rmStep{op: "write", s: path, data: rapid.SampledFrom(fs.killData).Draw(rt, "data")})
		}
	}
	actions[""] = func(*rapid.T) { sm.check() }
	return actions
}

func (sm *rmMachine) drawCgroup(rt *rapid.T) freezer.CgroupID {
	return freezer.CgroupID(rapid.IntRange(0, len(sm.cgroups)-1).Draw(rt, "cgroup"))
}

func (sm *rmMachine) drawPID(rt *rapid.T) int {
	return rapid.IntRange(1, len(sm.tasks)).Draw(rt, "pid")
}

func (sm *rmMachine) pidsWhere(f func(freezer.TaskInfo) bool) []int {
	var pids []int
	for _, pid := range sm.m.PIDs() {
		if ti, _ := sm.m.Task(pid); f(ti) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (sm *rmMachine) liveTasks() int {
	return len(sm.pidsWhere(func(ti freezer.TaskInfo) bool { return ti.At != freezer.Exited }))
}

// ---------------------------------------------------------------------------
// Checking.

// check compares everything observable with the model. It runs after every
// step, on a quiescent hierarchy.
func (sm *rmMachine) check() {
	tb, m := sm.tb, sm.m
	tb.Helper()

	// Results of Fork and Vfork, which a task reports only once it runs its
	// own code again.
	for _, d := range sm.tasks {
		ti, _ := m.Task(d.pid)
	drain:
		for {
			select {
			case err := <-d.results:
				if len(d.owed) == 0 {
					tb.Fatalf("task %d reported %v for no fork", d.pid, err)
				}
				var want syscall.Errno
				if d.owed[0] != nil {
					want = d.owed[0].(syscall.Errno)
				}
				d.owed = d.owed[1:]
				sm.same(fmt.Sprintf("task %d: the result of its fork or vfork", d.pid), want, sm.errno("fork", err))
			default:
				break drain
			}
		}
		switch {
		case ti.At == freezer.Exited:
			d.owed = nil // killed before it could report
		case len(d.owed) > 0 && ti.At == freezer.AtWork && !ti.Parked:
			tb.Fatalf("task %d runs its own code but has not reported its fork or vfork", d.pid)
		}
	}

	// Every task ever made, exited ones too.
	for _, d := range sm.tasks {
		ti, _ := m.Task(d.pid)
		if diff := cmp.Diff(ti.Stat, d.task.Stat(), rmLetters); diff != "" {
			tb.Fatalf("task %d: Stat mismatch (-want +got):\n%s", d.pid, diff)
		}
		_, ok := sm.h.Task(d.pid)
		if want := ti.At != freezer.Exited; ok != want {
			tb.Fatalf("Hierarchy.Task(%d) found %v, want %v", d.pid, ok, want)
		}
	}

	// Every cgroup handle, removed ones too.
	for id, c := range sm.cgroups {
		id := freezer.CgroupID(id)
		if c.Path() != m.Path(id) || c.Removed() != m.Removed(id) {
			tb.Fatalf("cgroup %d: %s removed=%v, want %s removed=%v", id, c.Path(), c.Removed(), m.Path(id), m.Removed(id))
		}
		want, wantErr := m.State(id)
		got, err := c.State()
		what := fmt.Sprintf("Cgroup(%s).State()", c.Path())
		sm.same(what, wantErr, sm.errno(what, err))
		if want != got {
			tb.Fatalf("%s = %v, want %v", what, got, want)
		}
		wantSelf, wantErr := m.SelfFreezing(id)
		gotSelf, err := c.SelfFreezing()
		what = fmt.Sprintf("Cgroup(%s).SelfFreezing()", c.Path())
		sm.same(what, wantErr, sm.errno(what, err))
		if wantSelf != gotSelf {
			tb.Fatalf("%s = %v, want %v", what, gotSelf, wantSelf)
		}
		wantParent, wantErr := m.ParentFreezing(id)
		gotParent, err := c.ParentFreezing()
		what = fmt.Sprintf("Cgroup(%s).ParentFreezing()", c.Path())
		sm.same(what, wantErr, sm.errno(what, err))
		if wantParent != gotParent {
			tb.Fatalf("%s = %v, want %v", what, gotParent, wantParent)
		}
		wantEv, wantErr := m.Events(id)
		gotEv, err := c.Events()
		what = fmt.Sprintf("Cgroup(%s).Events()", c.Path())
		sm.same(what, wantErr, sm.errno(what, err))
		if wantEv != gotEv {
			tb.Fatalf("%s = %+v, want %+v", what, gotEv, wantEv)
		}
	}

	// The whole observable state, from the tree and the task lists.
	want := m.Snapshot()
	if diff := cmp.Diff(want, sm.snapshot(), rmLetters); diff != "" {
		tb.Fatalf("snapshot mismatch (-want +got):\n%s", diff)
	}
	// The library's own Snapshot must say the same.
	if diff := cmp.Diff(want, sm.h.Snapshot(), rmLetters); diff != "" {
		tb.Fatalf("Hierarchy.Snapshot mismatch (-want +got):\n%s", diff)
	}
	sm.noteCoverage(want)
}

// rmLetters shows TaskStat.State as a letter in diffs.
var rmLetters = cmp.Transformer("letter", func(b byte) string { return string(rune(b)) })

// snapshot observes the real hierarchy: it walks the tree from the root,
// takes each cgroup's State, SelfFreezing, ParentFreezing, Events and tasks
// file, and each task's Stat while iterating the cgroup's tasks. On the way
// it checks that the library agrees with itself: iteration and every tasks
// file list the same tasks, and the freezer's files say what the typed calls
// say.
func (sm *rmMachine) snapshot() freezer.Snapshot {
	tb := sm.tb
	var s freezer.Snapshot
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		cs := freezer.CgroupSnapshot{Path: c.Path()}
		if c.Parent() != nil {
			cs = sm.cgroupSnapshot(c)
		}
		var iterated []int
		for t := range c.Tasks() {
			iterated = append(iterated, t.PID())
			s.Tasks = append(s.Tasks, t.Stat())
		}
		slices.Sort(iterated)
		for i, name := range sm.files.taskFiles {
			b := sm.readFile(c, name)
			var pids []int
			for _, f := range strings.Fields(string(b)) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					tb.Fatalf("%s/%s: %q", c.Path(), name, b)
				}
				pids = append(pids, pid)
			}
			if !slices.Equal(iterated, pids) {
				tb.Fatalf("%s: Tasks() gives %v, %s %v", c.Path(), iterated, name, pids)
			}
			if i == 0 {
				cs.PIDs = pids
			}
		}
		s.Cgroups = append(s.Cgroups, cs)
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(sm.h.Root())
	slices.SortFunc(s.Cgroups, func(a, b freezer.CgroupSnapshot) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(s.Tasks, func(a, b freezer.TaskStat) int { return a.PID - b.PID })
	return s
}

// cgroupSnapshot takes the freezer's part of a non-root cgroup's snapshot
// with the typed calls, and checks that its files say the same.
func (sm *rmMachine) cgroupSnapshot(c *freezer.Cgroup) freezer.CgroupSnapshot {
	tb := sm.tb
	cs := freezer.CgroupSnapshot{Path: c.Path()}
	var err [4]error
	cs.State, err[0] = c.State()
	cs.SelfFreezing, err[1] = c.SelfFreezing()
	cs.ParentFreezing, err[2] = c.ParentFreezing()
	cs.Events, err[3] = c.Events()
	for _, e := range err {
		if e != nil {
			tb.Fatalf("Cgroup(%s): %v", c.Path(), e)
		}
	}
	flag := func(b bool) string {
		if b {
			return "1\n"
		}
		return "0\n"
	}
	files := map[string]string{}
	switch sm.v {
	case freezer.Patch2008:
		files["freezer.state"] = cs.State.String() + "\n"
	case freezer.V1:
		files["freezer.state"] = strings.Replace(cs.State.String(), "RUNNING", "THAWED", 1) + "\n"
		files["freezer.self_freezing"] = flag(cs.SelfFreezing)
		files["freezer.parent_freezing"] = flag(cs.ParentFreezing)
	case freezer.V2:
		files["cgroup.freeze"] = flag(cs.SelfFreezing)
		files["cgroup.events"] = "populated " + flag(cs.Events.Populated) + "frozen " + flag(cs.Events.Frozen)
		if b := sm.readFile(c, "cgroup.stat.local"); !rmStatLocal.Match(b) {
			tb.Fatalf("%s/cgroup.stat.local: %q", c.Path(), b)
		}
	}
	for name, want := range files {
		if got := sm.readFile(c, name); string(got) != want {
			tb.Fatalf("%s/%s reads %q; the typed calls say %q", c.Path(), name, got, want)
		}
	}
	return cs
}

func (sm *rmMachine) readFile(c *freezer.Cgroup, name string) []byte {
	p := strings.TrimSuffix(c.Path(), "/") + "/" + name
	b, err := sm.h.ReadFile(p)
	if err != nil {
		sm.tb.Fatalf("ReadFile(%s): %v", p, err)
	}
	return b
}

func (sm *rmMachine) noteCoverage(s freezer.Snapshot) {
	if sm.cov == nil {
		return
	}
	seen := map[string]bool{}
	for _, c := range s.Cgroups {
		if c.Path == "/" {
			continue
		}
		seen[c.State.String()] = true
		switch {
		case c.SelfFreezing && c.ParentFreezing:
			seen["self and parent freezing"] = true
		case c.ParentFreezing:
			seen["parent freezing only"] = true
		}
		if c.Events.Frozen && c.State != freezer.Frozen {
			seen["events frozen, State not Frozen"] = true
		}
		if c.State == freezer.Frozen && len(c.PIDs) > 0 {
			seen["FROZEN with tasks"] = true
		}
	}
	for _, st := range s.Tasks {
		switch {
		case st.Frozen:
			seen["frozen task"] = true
		case st.Freezing && (st.State == 'T' || st.State == 't'):
			seen["stopped or traced with request"] = true
		case st.Freezing && st.State == 'D':
			seen["D or vfork with request"] = true
		case st.Freezing:
			seen["request pending"] = true
		}
		seen[string(st.State)] = true
	}
	for k := range seen {
		sm.cov.note(k)
	}
}
