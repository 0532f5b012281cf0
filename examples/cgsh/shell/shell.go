// Package shell is cgsh's shell: the commands one would type against a
// cgroupfs and ps (mkdir, cat, echo, spawn, ps, kill, ...), over a freezer
// hierarchy. cgsh runs it on a hierarchy of its own; cgroupfs's freezerfs
// runs it on a hierarchy it also mounts, so that another terminal can use
// the same cgroups through the filesystem.
//
// After every command the shell waits, with a deadline, until every task has
// settled (no task is on its way into the refrigerator, into a stop or out
// of the hierarchy) and every cgroup shows a freeze that has reached all its
// tasks, so that what a script prints is the same on every run. A real
// kernel gives no such promise: there a cat right after a write of FROZEN may
// still read FREEZING.
package shell

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/internal/sh"
)

// help is the help text; the two %s are the control files of the
// hierarchy's version, from files.
const help = `commands:
  mkdir PATH              make a cgroup, such as /jobs
  rmdir PATH              remove an empty cgroup
  ls [PATH]               list a cgroup's child cgroups (with a slash) and control files
  cat FILE                read a control file: %s
  echo WORD > FILE        write a control file: %s
  spawn CGROUP NAME KIND  start a task; KIND is one of
                            busy      a CPU loop with a safe point each turn (R)
                            sleep     interruptible, freezable sleeps (S)
                            dwait     an uninterruptible wait for I/O (D) until woken
                            nofreeze  a sleeper that never freezes, like a kernel thread
                            vfork     a parent waiting in vfork for its sleeping child
  wake PID                complete a dwait task's I/O: it leaves D and sleeps (S)
  ps                      list every task: PID, NAME, CGROUP, STATE, FROZEN
  kill|stop|cont PID...   send SIGKILL, SIGSTOP or SIGCONT
  trace|untrace PID...    attach or detach a tracer (PTRACE_SEIZE+INTERRUPT, PTRACE_DETACH)
  suspend | resume        freeze every task for a system suspend; resume
  help                    this text
  exit                    kill every task and leave
FROZEN in ps: yes = in the refrigerator, pending = asked to freeze, not there yet.
The hierarchy follows the %s freezer (-version patch2008, v1 or v2).
`

// files are what help says each version's control files take: the files to
// read, and what to write to which.
var files = map[freezer.Version][2]string{
	freezer.Patch2008: {
		"/jobs/freezer.state, /jobs/tasks",
		"FROZEN, RUNNING, a PID to tasks",
	},
	freezer.V1: {
		"/jobs/freezer.state, /jobs/freezer.self_freezing,\n" +
			"                          /jobs/freezer.parent_freezing, /jobs/tasks, /jobs/cgroup.procs",
		"FROZEN or THAWED to freezer.state,\n" +
			"                          a PID to tasks or cgroup.procs",
	},
	freezer.V2: {
		"/jobs/cgroup.freeze, /jobs/cgroup.events,\n" +
			"                          /jobs/cgroup.stat.local, /jobs/cgroup.procs",
		"1 or 0 to cgroup.freeze, 1 to cgroup.kill,\n" +
			"                          a PID to cgroup.procs",
	},
}

// VersionFlag defines on fs the -version flag of the commands that run the
// shell, which sets *v: the kernel whose freezer the hierarchy follows.
func VersionFlag(fs *flag.FlagSet, v *freezer.Version) {
	fs.Func("version", "make the hierarchy follow the freezer of `kernel`: patch2008 (the default), v1 or v2", func(s string) error {
		var err error
		*v, err = freezer.ParseVersion(s)
		return err
	})
}

// Run reads commands from r and writes the transcript to w, on the
// hierarchy h, which it shuts down at the end: exit, the end of r, or the
// end of ctx, which ends the shell between two commands (the read of r that
// is under way then is left to finish, or not, by itself). Interactive, it
// prompts; otherwise it echoes each command after the prompt, so the output
// reads as a session.
func Run(ctx context.Context, r io.Reader, w io.Writer, interactive bool, h *freezer.Hierarchy) error {
	s := &shell{
		h:     h,
		w:     w,
		procs: make(map[int]*proc),
	}
	defer s.shutdown()
	lines := make(chan string)
	var readErr error
	eof := false // lines is closed: the reader has stopped
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		in := bufio.NewScanner(r)
		for in.Scan() {
			select {
			case lines <- in.Text():
			case <-done: // exit, or ctx
				return
			}
		}
		readErr = in.Err()
	}()
	for {
		if interactive {
			fmt.Fprint(w, "cgsh$ ")
		}
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
			eof = !ok
		case <-ctx.Done():
		}
		if !ok {
			break
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case !interactive && (trimmed == "" || strings.HasPrefix(trimmed, "#")):
			fmt.Fprintln(w, line) // a script's comments and blank lines stay in the transcript
			continue
		case !interactive:
			fmt.Fprintf(w, "cgsh$ %s\n", line)
		}
		if trimmed == "exit" {
			break
		}
		s.exec(strings.Fields(trimmed))
		s.settle()
	}
	if eof && readErr != nil {
		return readErr // set before lines was closed
	}
	return s.shutdown()
}

// A proc is what the shell knows about a task it started: its kind, the
// channel that ends a dwait task's I/O, what the last signal it sent is
// waiting for (the task exits, stops, or enters a traced stop), and a vfork
// parent's child.
type proc struct {
	t      *freezer.Task
	kind   string
	io     chan struct{} // dwait: closed by wake
	expect string        // "exit", "stop", "trace" or ""
	vchild *proc         // vfork: the child it waits for, once seen
}

type shell struct {
	h     *freezer.Hierarchy
	w     io.Writer
	procs map[int]*proc
	done  bool
}

func (s *shell) printf(format string, args ...any) { fmt.Fprintf(s.w, format, args...) }

func (s *shell) exec(f []string) {
	if len(f) == 0 {
		return
	}
	h := s.h
	switch cmd, args := f[0], f[1:]; cmd {
	case "help":
		names := files[h.Version()]
		s.printf(help, names[0], names[1], h.Version())
	case "mkdir":
		for _, p := range args {
			if err := h.Mkdir(p); err != nil {
				s.printf("mkdir: cannot create directory '%s': %s\n", p, sh.Strerror(err))
			}
		}
	case "rmdir":
		for _, p := range args {
			if err := h.Rmdir(p); err != nil {
				s.printf("rmdir: failed to remove '%s': %s\n", p, sh.Strerror(err))
			}
		}
	case "ls":
		if len(args) == 0 {
			args = []string{"/"}
		}
		for _, p := range args {
			s.ls(p)
		}
	case "cat":
		for _, p := range args {
			b, err := h.ReadFile(p)
			if err != nil {
				s.printf("cat: %s: %s\n", p, sh.Strerror(err))
				continue
			}
			s.w.Write(b)
		}
	case "echo":
		s.echo(args)
	case "spawn":
		if len(args) != 3 {
			s.printf("usage: spawn CGROUP NAME KIND\n")
			return
		}
		s.spawn(args[0], args[1], args[2])
	case "wake":
		s.eachProc(cmd, args, func(p *proc) {
			if p.io == nil {
				s.printf("wake: (%d) - not waiting for I/O\n", p.t.PID())
				return
			}
			close(p.io)
			p.io, p.kind = nil, "sleep"
		})
	case "ps":
		sh.PS(s.w, h)
	case "kill", "stop", "cont", "trace", "untrace":
		s.eachProc(cmd, args, func(p *proc) { s.signal(cmd, p) })
	case "suspend":
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := h.FreezeProcesses(ctx); err != nil {
			s.printf("suspend: %v\n", err)
		}
	case "resume":
		h.ThawProcesses()
	default:
		s.printf("cgsh: %s: command not found\n", cmd)
	}
}

// ls lists a cgroup as ls(1) would list its directory in cgroupfs.
func (s *shell) ls(path string) {
	c, err := s.h.Lookup(path)
	if err != nil {
		s.printf("ls: cannot access '%s': %s\n", path, sh.Strerror(err))
		return
	}
	var names []string
	for _, k := range c.Children() {
		names = append(names, k.Path()[strings.LastIndexByte(k.Path(), '/')+1:]+"/")
	}
	names = append(names, c.Files()...)
	sort.Strings(names)
	for _, n := range names {
		s.printf("%s\n", n)
	}
}

// echo is echo(1) with an optional "> FILE" (or ">FILE") redirection: the
// words and a newline go to the file in one write, as the shell does it.
func (s *shell) echo(args []string) {
	var words []string
	file := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == ">" && i+1 < len(args):
			file = args[i+1]
			i++
		case strings.HasPrefix(a, ">") && len(a) > 1:
			file = a[1:]
		default:
			words = append(words, a)
		}
	}
	data := strings.Join(words, " ") + "\n"
	if file == "" {
		s.printf("%s", data)
		return
	}
	err := s.h.WriteFile(file, []byte(data))
	switch {
	case err == nil:
		if path.Base(file) == "cgroup.kill" {
			s.killed(path.Dir(file))
		}
	case isOpenError(err):
		// The shell could not open the file for the redirection.
		s.printf("cgsh: %s: %s\n", file, sh.Strerror(err))
	default:
		s.printf("write error: %s\n", sh.Strerror(err))
	}
}

// killed records that every task under the cgroup at dir has been sent
// SIGKILL by a write of cgroup.kill, so that settle waits for them to exit.
func (s *shell) killed(dir string) {
	c, err := s.h.Lookup(dir)
	if err != nil {
		return
	}
	for _, t := range sh.Subtree(c) {
		s.proc(t).expect = "exit"
	}
}

// isOpenError tells the errors that open(2) would give before any write:
// the file does not exist or is not a file.
func isOpenError(err error) bool {
	for _, errno := range []syscall.Errno{syscall.ENOENT, syscall.EISDIR, syscall.ENOTDIR, syscall.ENAMETOOLONG} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// spawn starts a task of the given kind and prints its PID, as a shell
// prints a background job's. A vfork task's child shows up in ps once the
// parent has run.
func (s *shell) spawn(path, name, kind string) {
	c, err := s.h.Lookup(path)
	if err != nil {
		s.printf("spawn: %s: %s\n", path, sh.Strerror(err))
		return
	}
	p := &proc{kind: kind}
	var fn func(*freezer.Task)
	var opts []freezer.TaskOption
	switch kind {
	case "busy":
		fn = busy
	case "sleep":
		fn = sleep
	case "nofreeze":
		fn = sleep
		opts = append(opts, freezer.NoFreeze())
	case "dwait":
		io := make(chan struct{})
		p.io = io
		fn = func(t *freezer.Task) {
			t.WaitUninterruptible(io)
			sleep(t)
		}
	case "vfork":
		fn = func(t *freezer.Task) {
			t.Vfork(name+"-child", sleep)
			sleep(t)
		}
	default:
		s.printf("spawn: %s: unknown kind (busy, sleep, dwait, nofreeze, vfork)\n", kind)
		return
	}
	t, err := c.Spawn(name, fn, opts...)
	if err != nil {
		s.printf("spawn: %s: %s\n", path, sh.Strerror(err))
		return
	}
	p.t = t
	s.procs[t.PID()] = p
	s.printf("[%d]\n", t.PID())
}

// proc returns what the shell knows of t, starting a record for a task it
// did not start itself (a vfork child), which rests in S. A vfork child is
// known by the name its parent gave it, NAME-child; it is matched to the
// lowest-numbered parent of that name still without one.
func (s *shell) proc(t *freezer.Task) *proc {
	p, ok := s.procs[t.PID()]
	if ok {
		return p
	}
	p = &proc{t: t, kind: "sleep"}
	s.procs[t.PID()] = p
	var parent *proc
	for _, q := range s.procs {
		if q.kind == "vfork" && q.vchild == nil && q.t.Name()+"-child" == t.Name() &&
			(parent == nil || q.t.PID() < parent.t.PID()) {
			parent = q
		}
	}
	if parent != nil {
		parent.vchild = p
	}
	return p
}

// eachProc runs fn for the task of every PID in args, and reports the PIDs
// that name no live task as kill(1) does.
func (s *shell) eachProc(cmd string, args []string, fn func(*proc)) {
	for _, a := range args {
		pid, err := strconv.Atoi(a)
		if err != nil {
			s.printf("%s: %s: arguments must be process IDs\n", cmd, a)
			continue
		}
		t, ok := s.h.Task(pid)
		if !ok {
			s.printf("%s: (%d) - No such process\n", cmd, pid)
			continue
		}
		fn(s.proc(t))
	}
}

func (s *shell) signal(cmd string, p *proc) {
	t := p.t
	switch cmd {
	case "kill":
		t.Kill()
		p.expect = "exit"
	case "stop":
		t.Stop()
		if p.expect == "" {
			p.expect = "stop"
		}
	case "cont":
		t.Continue()
		if p.expect == "stop" {
			p.expect = ""
		}
	case "trace":
		t.Trace()
		if p.expect != "exit" {
			p.expect = "trace"
		}
	case "untrace":
		t.Untrace()
		if p.expect == "trace" {
			p.expect = ""
		}
	}
}

// settle waits until every task has settled and every cgroup shows a freeze
// that has reached all its tasks, or reports what has not after a deadline.
// Exited tasks are forgotten.
func (s *shell) settle() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var moving []int
		for pid, p := range s.procs {
			if done(p.t) {
				delete(s.procs, pid)
			}
		}
		ts := sh.Tasks(s.h)
		for _, t := range ts {
			s.proc(t) // every record first: a vfork parent's settling looks at its child's
		}
		for _, t := range ts {
			if !s.settled(s.proc(t), t.Stat()) {
				moving = append(moving, t.PID())
			}
		}
		if len(moving) == 0 {
			break
		}
		if ctx.Err() != nil {
			sort.Ints(moving)
			s.printf("cgsh: tasks still changing state: %v\n", moving)
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// done tells whether t has exited.
func done(t *freezer.Task) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}

// settled tells whether the task has gone as far as it can by itself: it is
// frozen, or stopped, or in the D wait of its kind, or at rest for its kind
// (R for busy, S for the others) with nothing pending that the shell knows
// of. A task with a freeze request that it can still honour, or a signal it
// has not yet taken, is not settled.
func (s *shell) settled(p *proc, st freezer.TaskStat) bool {
	switch {
	case st.Frozen, st.State == 'Z':
		return true
	case st.State == 'D':
		switch p.kind {
		case "dwait":
			// Waiting for its I/O; once woken it is a "sleep" on its
			// way out of D.
			return true
		case "vfork":
			// Waiting for its child, which must be there and settled:
			// once the child exits (or is on its way, killed) the
			// parent leaves D by itself.
			c := p.vchild
			return c != nil && !done(c.t) && s.settled(c, c.t.Stat())
		}
		// v1 shows a stopped or traced task with a freeze request as
		// frozen, in D.
		return st.Freezing && (p.expect == "stop" || p.expect == "trace")
	case p.expect == "exit":
		return false // a stop or a sleep is no place to stay when killed
	case p.expect == "stop":
		return st.State == 'T' || st.State == 't'
	case p.expect == "trace":
		return st.State == 't'
	case st.State == 'T' || st.State == 't':
		return true
	case st.Freezing:
		return false
	case p.kind == "busy":
		return st.State == 'R'
	}
	return st.State == 'S'
}

// shutdown ends every dwait's I/O, so that no task waits for ever in D, and
// shuts the hierarchy down. It runs once.
func (s *shell) shutdown() error {
	if s.done {
		return nil
	}
	s.done = true
	for _, p := range s.procs {
		if p.io != nil {
			close(p.io)
			p.io = nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.h.Shutdown(ctx)
}

// busy is a CPU loop with a safe point on every turn.
func busy(t *freezer.Task) {
	for {
		t.TryToFreeze()
		runtime.Gosched()
	}
}

// sleep sleeps in interruptible, freezable waits for ever.
func sleep(t *freezer.Task) {
	for {
		t.Sleep(time.Hour)
	}
}
