// Command signalsubsys writes a second cgroup subsystem through the same
// hook interface the freezer uses: the "signal" subsystem that the patch's
// changelog split out of the freezer ("Moved the "kill" file into a separate
// cgroup subsystem (signal) and it's own patch"). Writing a signal name to a
// cgroup's signal.kill sends that signal to every task in the cgroup.
//
//	go run ./examples/signalsubsys
//
// It shows how a subsystem is put together: Name gives the prefix of its
// control files, Create allocates its per-cgroup state (read back with
// Cgroup.SubsysState), Populate returns its files, and Exit is one of the
// task hooks, here counting the tasks that left each cgroup by exiting. It
// also shows how the freezer and a signal meet: SIGSTOP and SIGCONT do not
// disturb a freeze, and SIGKILL does not reach into the refrigerator, so a
// frozen task dies only once it is thawed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/internal/sh"
)

// signalSubsys is the subsystem. Embedding BaseSubsystem supplies no-op
// hooks for those it does not need.
type signalSubsys struct {
	freezer.BaseSubsystem
}

// signalState is the subsystem's state for one cgroup: the kernel's
// cgroup_subsys_state, embedded in a subsystem's own struct.
type signalState struct {
	sent   atomic.Int64 // signals delivered through signal.kill
	exited atomic.Int64 // tasks that exited while in the cgroup
}

func (*signalSubsys) Name() string { return "signal" }

func (*signalSubsys) Create(*freezer.Cgroup) (any, error) { return &signalState{}, nil }

// Populate gives every cgroup but the root a write-only signal.kill: at the
// root it would signal every task that has not been put in a cgroup.
func (s *signalSubsys) Populate(c *freezer.Cgroup) []freezer.File {
	if c.Parent() == nil {
		return nil
	}
	return []freezer.File{{Name: "kill", Write: s.kill}}
}

// Exit runs as a task exits, still in its cgroup, under css_set_lock and the
// task's task_lock: it must not block or take those locks again, so it only
// counts.
func (s *signalSubsys) Exit(c *freezer.Cgroup, t *freezer.Task) {
	s.state(c).exited.Add(1)
}

func (s *signalSubsys) state(c *freezer.Cgroup) *signalState {
	return c.SubsysState(s).(*signalState)
}

// kill is the write handler of signal.kill. It runs with no library lock
// held. The Tasks iterator holds css_set_lock for reading, which is enough to
// signal each task: Kill, Stop and Continue take only the task's own locks,
// which come later in the lock order.
func (s *signalSubsys) kill(c *freezer.Cgroup, data []byte) error {
	send, ok := signals[strings.TrimPrefix(strings.TrimSpace(string(data)), "SIG")]
	if !ok {
		return syscall.EINVAL
	}
	n := 0
	for t := range c.Tasks() {
		send(t)
		n++
	}
	s.state(c).sent.Add(int64(n))
	return nil
}

// signals maps the names and numbers signal.kill accepts to what they do.
var signals = map[string]func(*freezer.Task){
	"KILL": (*freezer.Task).Kill, "9": (*freezer.Task).Kill,
	"STOP": (*freezer.Task).Stop, "19": (*freezer.Task).Stop,
	"CONT": (*freezer.Task).Continue, "18": (*freezer.Task).Continue,
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signalsubsys:", err)
		os.Exit(1)
	}
}

// run plays the demonstration to w. Options (the test adds WithLockChecks)
// go to New.
func run(w io.Writer, opts ...freezer.Option) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sig := &signalSubsys{}
	h := freezer.New(append(opts, freezer.WithSubsystem(sig))...)
	defer h.Shutdown(ctx)
	d := &demo{w: w, h: h}

	fmt.Fprintln(w, "# the signal subsystem is bound beside the freezer: every cgroup but the root gets signal.kill")
	d.sh("mkdir /jobs")
	d.sh("ls /jobs")
	jobs, err := h.Lookup("/jobs")
	if err != nil {
		return err
	}
	var tasks []*freezer.Task
	for _, name := range []string{"web", "db", "cache"} {
		t, err := jobs.Spawn(name, func(t *freezer.Task) {
			for {
				t.Sleep(time.Hour)
			}
		})
		if err != nil {
			return err
		}
		tasks = append(tasks, t)
	}
	d.waitAll(tasks, "asleep", func(st freezer.TaskStat) bool { return st.State == 'S' })
	d.sh("ps")

	fmt.Fprintln(w, "\n# job control for the whole cgroup")
	d.sh("echo STOP > /jobs/signal.kill")
	d.waitAll(tasks, "stopped", func(st freezer.TaskStat) bool { return st.State == 'T' })
	d.sh("ps")
	d.sh("echo CONT > /jobs/signal.kill")
	d.waitAll(tasks, "asleep", func(st freezer.TaskStat) bool { return st.State == 'S' })
	d.sh("ps")
	d.sh("echo HUP > /jobs/signal.kill")
	d.sh("cat /jobs/signal.kill")

	fmt.Fprintln(w, "\n# a freeze and a stop are independent: the thaw leaves the stopped tasks stopped")
	d.sh("echo STOP > /jobs/signal.kill")
	d.waitAll(tasks, "stopped", func(st freezer.TaskStat) bool { return st.State == 'T' })
	d.sh("echo FROZEN > /jobs/freezer.state")
	if err := jobs.WaitFrozen(ctx); err != nil {
		return err
	}
	d.sh("cat /jobs/freezer.state")
	d.sh("ps")
	d.sh("echo RUNNING > /jobs/freezer.state")
	d.sh("ps")
	d.sh("echo CONT > /jobs/signal.kill")
	d.waitAll(tasks, "asleep", func(st freezer.TaskStat) bool { return st.State == 'S' })

	fmt.Fprintln(w, "\n# SIGKILL does not reach into the refrigerator: the frozen tasks die when thawed")
	d.sh("echo FROZEN > /jobs/freezer.state")
	if err := jobs.WaitFrozen(ctx); err != nil {
		return err
	}
	d.sh("echo KILL > /jobs/signal.kill")
	d.sh("ps")
	d.sh("echo RUNNING > /jobs/freezer.state")
	for _, t := range tasks {
		select {
		case <-t.Done():
		case <-ctx.Done():
			return fmt.Errorf("%s did not exit: %w", t.Name(), ctx.Err())
		}
	}
	d.sh("cat /jobs/tasks")
	st := sig.state(jobs)
	fmt.Fprintf(w, "> signal state of /jobs: %d signals sent, %d tasks exited\n", st.sent.Load(), st.exited.Load())
	d.sh("rmdir /jobs")
	return d.err
}

type demo struct {
	w   io.Writer
	h   *freezer.Hierarchy
	err error // the first thing that did not go as the demonstration expects
}

// sh runs one shell command against the cgroupfs view and prints it and its
// output: mkdir, rmdir, ls, cat, echo WORD > FILE, ps.
func (d *demo) sh(cmd string) {
	h, w := d.h, d.w
	fmt.Fprintf(w, "$ %s\n", cmd)
	f := strings.Fields(cmd)
	var err error
	switch f[0] {
	case "mkdir":
		if err = h.Mkdir(f[1]); err != nil {
			fmt.Fprintf(w, "mkdir: cannot create directory '%s': %s\n", f[1], sh.Strerror(err))
		}
	case "rmdir":
		if err = h.Rmdir(f[1]); err != nil {
			fmt.Fprintf(w, "rmdir: failed to remove '%s': %s\n", f[1], sh.Strerror(err))
		}
	case "ls":
		var c *freezer.Cgroup
		if c, err = h.Lookup(f[1]); err == nil {
			fmt.Fprintln(w, strings.Join(c.Files(), "\n"))
		}
	case "cat":
		var b []byte
		if b, err = h.ReadFile(f[1]); err != nil {
			fmt.Fprintf(w, "cat: %s: %s\n", f[1], sh.Strerror(err))
		}
		w.Write(b)
	case "echo": // echo WORD > FILE
		if err = h.WriteFile(f[3], []byte(f[1]+"\n")); err != nil {
			fmt.Fprintf(w, "write error: %s\n", sh.Strerror(err))
		}
	case "ps":
		sh.PS(w, h)
	}
	// The demonstration expects an error only where it shows one.
	if err != nil && !errors.Is(err, syscall.EINVAL) && d.err == nil {
		d.err = err
	}
}

// waitAll polls, with a deadline, until every task's Stat satisfies cond:
// a signal takes effect at the task's next safe point, a moment after the
// write that sent it.
func (d *demo) waitAll(ts []*freezer.Task, what string, cond func(freezer.TaskStat) bool) {
	deadline := time.Now().Add(10 * time.Second)
	for _, t := range ts {
		for !cond(t.Stat()) {
			if time.Now().After(deadline) {
				if d.err == nil {
					d.err = errors.New(t.Name() + " (" + strconv.Itoa(t.PID()) + ") never " + what)
				}
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}
