// Command cgsh is a small shell over a freezer hierarchy: type the commands
// you would type against cgroupfs and ps, and watch the freezer answer. It
// reads commands from standard input, so a script can drive it:
//
//	go run ./examples/cgsh
//	go run ./examples/cgsh < examples/cgsh/testdata/demo.cgsh
//
// Type help for the commands. A failed write is reported as the shell
// reports it ("write error: Device or resource busy"), from the errno in the
// library's *fs.PathError.
//
// After every command cgsh waits, with a deadline, until every task has
// settled (no task is on its way into the refrigerator, into a stop or out
// of the hierarchy), so that what a script prints is the same on every run.
// A real kernel gives no such promise: there a cat right after a write of
// FROZEN may still read FREEZING.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/internal/sh"
)

func main() {
	fi, err := os.Stdin.Stat()
	interactive := err == nil && fi.Mode()&os.ModeCharDevice != 0
	if err := run(os.Stdin, os.Stdout, interactive); err != nil {
		fmt.Fprintln(os.Stderr, "cgsh:", err)
		os.Exit(1)
	}
}

const help = `commands:
  mkdir PATH              make a cgroup, such as /jobs
  rmdir PATH              remove an empty cgroup
  ls [PATH]               list a cgroup's child cgroups (with a slash) and control files
  cat FILE                read a control file: /jobs/freezer.state, /jobs/tasks
  echo WORD > FILE        write a control file: FROZEN, RUNNING, a PID to tasks
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
`

// run reads commands from r and writes the transcript to w. Interactive, it
// prompts; otherwise it echoes each command after the prompt, so the output
// reads as a session.
func run(r io.Reader, w io.Writer, interactive bool, opts ...freezer.Option) error {
	s := &shell{
		h:     freezer.New(opts...),
		w:     w,
		procs: make(map[int]*proc),
	}
	defer s.shutdown()
	in := bufio.NewScanner(r)
	for {
		if interactive {
			fmt.Fprint(w, "cgsh$ ")
		}
		if !in.Scan() {
			break
		}
		line := in.Text()
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
	if err := in.Err(); err != nil {
		return err
	}
	return s.shutdown()
}

// A proc is what the shell knows about a task it started: its kind, the
// channel that ends a dwait task's I/O, and what the last signal it sent is
// waiting for (the task exits, stops, or enters a traced stop).
type proc struct {
	t      *freezer.Task
	kind   string
	io     chan struct{} // dwait: closed by wake
	expect string        // "exit", "stop", "trace" or ""
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
		s.printf("%s", help)
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
	case isOpenError(err):
		// The shell could not open the file for the redirection.
		s.printf("cgsh: %s: %s\n", file, sh.Strerror(err))
	default:
		s.printf("write error: %s\n", sh.Strerror(err))
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
// did not start itself (a vfork child), which rests in S.
func (s *shell) proc(t *freezer.Task) *proc {
	p, ok := s.procs[t.PID()]
	if !ok {
		p = &proc{t: t, kind: "sleep"}
		s.procs[t.PID()] = p
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

// settle waits until every task has settled, or reports those that have not
// after a deadline. Exited tasks are forgotten.
func (s *shell) settle() {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var moving []int
		for pid, p := range s.procs {
			select {
			case <-p.t.Done():
				delete(s.procs, pid)
			default:
			}
		}
		for _, t := range sh.Tasks(s.h) {
			if p := s.proc(t); !p.settled(t.Stat()) {
				moving = append(moving, t.PID())
			}
		}
		if len(moving) == 0 {
			return
		}
		if time.Now().After(deadline) {
			sort.Ints(moving)
			s.printf("cgsh: tasks still changing state: %v\n", moving)
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// settled tells whether the task has gone as far as it can by itself: it is
// frozen, or stopped, or in the D wait of its kind, or at rest for its kind
// (R for busy, S for the others) with nothing pending that the shell knows
// of. A task with a freeze request that it can
// still honour, or a signal it has not yet taken, is not settled.
func (p *proc) settled(st freezer.TaskStat) bool {
	switch {
	case st.Frozen, st.State == 'Z':
		return true
	case st.State == 'D':
		// A dwait task waiting for its I/O, or a vfork parent for its
		// child; a task just woken from its D wait is on its way out.
		return p.kind == "dwait" || p.kind == "vfork"
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
