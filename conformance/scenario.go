package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
)

// Scenario is one test, written once and run on every backend of each of its
// versions. Its transcript (see [S]) is what the backends are compared on.
type Scenario struct {
	Name     string            // the source's name for it: "A1 test_cgfreezer_simple", "new cgroup"
	Versions []freezer.Version // the versions it runs on: V1, V2 or both
	Run      func(s *S)        // the steps
	Differs  string            // why the library differs from the kernel on purpose, or ""
}

// Timeout bounds every wait of a scenario. It only bounds a failing run: a
// wait ends as soon as its condition holds.
const Timeout = 10 * time.Second

// S runs a scenario's steps on one backend and writes down what each step
// saw: the transcript. A line holds observations only (file contents,
// errnos, state letters, who is alive), never a PID or a time, so that the
// library's and the kernel's transcripts of a scenario are equal exactly
// when the two behave alike. Tasks are named p1, p2, ... in the order they
// start.
type S struct {
	b     Backend
	v     freezer.Version
	lines []string
	pids  map[string]int
	names map[int]string
}

// NewS starts a transcript of steps on b, a backend of version v. [Run]
// makes one for each scenario; NewS is for steps outside the table.
func NewS(b Backend, v freezer.Version) *S {
	return &S{b: b, v: v, pids: map[string]int{}, names: map[int]string{}}
}

// Version is the version the scenario runs on.
func (s *S) Version() freezer.Version { return s.v }

// PID returns the PID of the task the transcript names name.
func (s *S) PID(name string) int { return s.pid(name) }

// Lines returns the transcript so far.
func (s *S) Lines() []string { return slices.Clone(s.lines) }

// Note adds a line of its own to the transcript.
func (s *S) Note(format string, args ...any) {
	s.lines = append(s.lines, fmt.Sprintf(format, args...))
}

// Mkdir makes a cgroup.
func (s *S) Mkdir(path string) {
	s.Note("mkdir %s: %s", path, errName(s.b.Mkdir(path)))
}

// Rmdir removes a cgroup.
func (s *S) Rmdir(path string) {
	s.Note("rmdir %s: %s", path, errName(s.b.Rmdir(path)))
}

// Read reads a file and writes down its content, or the errno.
func (s *S) Read(path string) string {
	data, err := s.b.ReadFile(path)
	if err != nil {
		s.Note("read %s: %s", path, errName(err))
		return ""
	}
	s.Note("read %s: %q", path, data)
	return string(data)
}

// Write writes data to a file in one write and writes down the errno.
func (s *S) Write(path, data string) {
	s.Note("write %s %s: %s", path, quote(data), errName(s.b.WriteFile(path, []byte(data))))
}

// Start starts a task of the kind in cgroup and returns its name. If the
// task cannot start, the scenario ends there: its later steps are about a
// task that is not.
func (s *S) Start(kind Kind, cgroup string) string {
	name := "p" + strconv.Itoa(len(s.pids)+1)
	pid, err := s.b.Start(kind, cgroup)
	if errors.Is(err, errors.ErrUnsupported) {
		panic(unsupported{err})
	}
	s.Note("start %s %s in %s: %s", name, kind, cgroup, errName(err))
	if err != nil {
		panic(ended{})
	}
	s.pids[name], s.names[pid] = pid, name
	return name
}

// pid is the PID of a task the scenario started. A name it did not start is
// the scenario's mistake, and must never become PID 0, which a write to
// cgroup.procs takes for the writer: the test process itself.
func (s *S) pid(name string) int {
	pid, ok := s.pids[name]
	if !ok {
		panic(fmt.Sprintf("conformance: no task %q in this scenario", name))
	}
	return pid
}

// unsupported ends a scenario whose task the backend cannot make; [Run]
// returns its error.
type unsupported struct{ err error }

// ended ends a scenario early; its transcript says why.
type ended struct{}

// Wake ends the wait of every Uninterruptible task.
func (s *S) Wake() {
	s.Note("wake: %s", errName(s.b.Wake()))
}

// Move writes a task's PID to a cgroup's cgroup.procs.
func (s *S) Move(name, cgroup string) {
	err := s.b.WriteFile(cgroup+"/cgroup.procs", []byte(strconv.Itoa(s.pid(name))))
	s.Note("move %s to %s: %s", name, cgroup, errName(err))
}

// Signal signals a task.
func (s *S) Signal(name string, sig Signal) {
	s.Note("%s %s: %s", sig, name, errName(s.b.Signal(s.pid(name), sig)))
}

// Stat writes down a task's state letter, or that it is gone.
func (s *S) Stat(name string) {
	s.Note("stat %s: %s", name, s.stat(name))
}

func (s *S) stat(name string) string {
	state, alive := s.b.Stat(s.pid(name))
	if !alive {
		return "gone"
	}
	return string(state)
}

// Procs writes down the tasks in a cgroup's cgroup.procs by name, and how
// many others (a fork's children) are there.
func (s *S) Procs(cgroup string) {
	s.Note("procs %s: %s", cgroup, s.procs(cgroup))
}

func (s *S) procs(cgroup string) string {
	data, err := s.b.ReadFile(cgroup + "/cgroup.procs")
	if err != nil {
		return errName(err)
	}
	var known []string
	others := 0
	for _, f := range strings.Fields(string(data)) {
		pid, _ := strconv.Atoi(f)
		if name, ok := s.names[pid]; ok {
			known = append(known, name)
		} else {
			others++
		}
	}
	slices.Sort(known)
	out := strings.Join(known, " ")
	if others > 0 {
		out = strings.TrimSpace(fmt.Sprintf("%s +%d", out, others))
	}
	if out == "" {
		out = "none"
	}
	return out
}

// Hold lets d pass, to show that something does not happen meanwhile.
func (s *S) Hold(d time.Duration) {
	time.Sleep(d)
	s.Note("hold %v", d)
}

// until polls cond until it holds or Timeout passes; it reports whether it
// held and what the last look saw.
func until(cond func() (bool, string)) (bool, string) {
	return within(Timeout, cond)
}

// within is until with a deadline d away.
func within(d time.Duration, cond func() (bool, string)) (bool, string) {
	deadline := time.Now().Add(d)
	pause := 100 * time.Microsecond
	for {
		ok, last := cond()
		if ok || time.Now().After(deadline) {
			return ok, last
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// waited writes down the end of a wait.
func (s *S) waited(what string, ok bool, last string) bool {
	if ok {
		s.Note("wait %s: ok", what)
	} else {
		s.Note("wait %s: timed out, last %s", what, last)
	}
	return ok
}

// WaitFile waits until a file reads want.
func (s *S) WaitFile(path, want string) bool {
	ok, last := until(func() (bool, string) {
		data, err := s.b.ReadFile(path)
		if err != nil {
			return false, errName(err)
		}
		return string(data) == want, strconv.Quote(string(data))
	})
	return s.waited(fmt.Sprintf("%s = %q", path, want), ok, last)
}

// WaitLine waits until a file has the line want (cgroup.events'
// "frozen 1").
func (s *S) WaitLine(path, want string) bool {
	ok, last := until(func() (bool, string) {
		data, err := s.b.ReadFile(path)
		if err != nil {
			return false, errName(err)
		}
		return slices.Contains(strings.Split(string(data), "\n"), want), strconv.Quote(string(data))
	})
	return s.waited(fmt.Sprintf("%s has %q", path, want), ok, last)
}

// WaitState waits until a task shows one of the state letters.
func (s *S) WaitState(name, letters string) bool {
	ok, last := until(func() (bool, string) {
		st := s.stat(name)
		return len(st) == 1 && strings.Contains(letters, st), st
	})
	return s.waited(fmt.Sprintf("%s in %s", name, letters), ok, last)
}

// WaitGone waits until a task is gone.
func (s *S) WaitGone(name string) bool {
	ok, last := until(func() (bool, string) {
		st := s.stat(name)
		return st == "gone", st
	})
	return s.waited(name+" gone", ok, last)
}

// WaitProcs waits until a cgroup's cgroup.procs reads as want does in
// [S.Procs].
func (s *S) WaitProcs(cgroup, want string) bool {
	ok, last := until(func() (bool, string) {
		got := s.procs(cgroup)
		return got == want, got
	})
	return s.waited(fmt.Sprintf("procs %s = %s", cgroup, want), ok, last)
}

// WaitEmpty waits until a cgroup has no task: its cgroup.procs is empty and,
// in v2, its cgroup.events says "populated 0", which on Linux 6.18 lags a
// moment behind the reaping of its last task. Only then can it be removed.
func (s *S) WaitEmpty(cgroup string) bool {
	ok := s.WaitProcs(cgroup, "none")
	if s.v == freezer.V2 {
		ok = s.WaitLine(cgroup+"/cgroup.events", "populated 0") && ok
	}
	return ok
}

// Notified does act and waits for a notification of the file that act
// causes, as the selftest's cg_freeze_wait does with inotify.
func (s *S) Notified(path string, act func()) bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.b.Watch(ctx, path)
	if err != nil {
		s.Note("watch %s: %s", path, errName(err))
		return false
	}
	act()
	select {
	case <-ch:
		s.Note("notified %s: ok", path)
		return true
	case <-time.After(Timeout):
		s.Note("notified %s: timed out", path)
		return false
	}
}

// The version's words. Scenarios that mean the same thing in v1 and v2 say
// it with these, and the transcript shows the files each version uses.

// freezeFile is the file whose write freezes and thaws a cgroup of version
// v, and the two values: v1's freezer.state, FROZEN and THAWED; v2's
// cgroup.freeze, 1 and 0.
func freezeFile(v freezer.Version) (file, freeze, thaw string) {
	if v == freezer.V2 {
		return "cgroup.freeze", "1", "0"
	}
	return "freezer.state", "FROZEN", "THAWED"
}

// Freeze asks for a cgroup to freeze: FROZEN to freezer.state, or 1 to
// cgroup.freeze.
func (s *S) Freeze(cgroup string) {
	file, freeze, _ := freezeFile(s.v)
	s.Write(cgroup+"/"+file, freeze)
}

// Thaw asks for a cgroup to thaw: THAWED to freezer.state, or 0 to
// cgroup.freeze.
func (s *S) Thaw(cgroup string) {
	file, _, thaw := freezeFile(s.v)
	s.Write(cgroup+"/"+file, thaw)
}

// WaitFrozen waits until a cgroup reads FROZEN, or "frozen 1" in
// cgroup.events.
func (s *S) WaitFrozen(cgroup string) bool {
	if s.v == freezer.V2 {
		return s.WaitLine(cgroup+"/cgroup.events", "frozen 1")
	}
	return s.WaitFile(cgroup+"/freezer.state", "FROZEN\n")
}

// FreezeRetrying freezes a v1 cgroup as LTP's issue_freeze_cmd does: it
// writes FROZEN, waits a while for the cgroup to read FROZEN, and writes it
// again if it does not, up to five times. A write of FROZEN to a FREEZING
// cgroup asks each task to freeze again, which catches a task that a freeze
// racing its fork missed. It writes down one line, the outcome, so that how
// many tries it took (which is timing) is not compared.
func (s *S) FreezeRetrying(cgroup string) bool {
	file, freeze, _ := freezeFile(s.v)
	var last string
	for range 5 {
		if err := s.b.WriteFile(cgroup+"/"+file, []byte(freeze)); err != nil {
			s.Note("freeze %s, retrying: %s", cgroup, errName(err))
			return false
		}
		var ok bool
		if ok, last = within(Timeout/5, func() (bool, string) {
			data, err := s.b.ReadFile(cgroup + "/" + file)
			return err == nil && string(data) == freeze+"\n", strconv.Quote(string(data))
		}); ok {
			s.Note("freeze %s, retrying: %s", cgroup, strings.TrimSpace(freeze))
			return true
		}
	}
	s.Note("freeze %s, retrying: not frozen after 5 tries, last %s", cgroup, last)
	return false
}

// WaitThawed waits until a cgroup reads THAWED, or "frozen 0".
func (s *S) WaitThawed(cgroup string) bool {
	if s.v == freezer.V2 {
		return s.WaitLine(cgroup+"/cgroup.events", "frozen 0")
	}
	return s.WaitFile(cgroup+"/freezer.state", "THAWED\n")
}

// ReadState reads what a cgroup says of its freezing: freezer.state, or
// cgroup.freeze and cgroup.events.
func (s *S) ReadState(cgroup string) {
	if s.v == freezer.V2 {
		s.Read(cgroup + "/cgroup.freeze")
		s.Read(cgroup + "/cgroup.events")
		return
	}
	s.Read(cgroup + "/freezer.state")
}

// FrozenLetter is the letter a frozen task shows: 'D' in v1, 'S' in v2.
func (s *S) FrozenLetter() string {
	if s.v == freezer.V2 {
		return "S"
	}
	return "D"
}

// quote shows written data, shortened when long.
func quote(data string) string {
	if len(data) > 24 {
		return fmt.Sprintf("%q...(%d bytes)", data[:16], len(data))
	}
	return strconv.Quote(data)
}

// errName names the errno in err: "ok" for nil, "EINVAL", or the error's
// text if it carries no errno.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return "error: " + err.Error()
	}
	if name, ok := errnoNames[errno]; ok {
		return name
	}
	return "errno " + strconv.Itoa(int(errno))
}

var errnoNames = map[syscall.Errno]string{
	syscall.E2BIG:      "E2BIG",
	syscall.EACCES:     "EACCES",
	syscall.EBUSY:      "EBUSY",
	syscall.EEXIST:     "EEXIST",
	syscall.EINTR:      "EINTR",
	syscall.EINVAL:     "EINVAL",
	syscall.EIO:        "EIO",
	syscall.ENODEV:     "ENODEV",
	syscall.ENOENT:     "ENOENT",
	syscall.ENOTDIR:    "ENOTDIR",
	syscall.ENOTEMPTY:  "ENOTEMPTY",
	syscall.EOPNOTSUPP: "EOPNOTSUPP",
	syscall.EPERM:      "EPERM",
	syscall.ERANGE:     "ERANGE",
	syscall.ESRCH:      "ESRCH",
}
