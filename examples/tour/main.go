// Command tour walks through the freezer: it mounts a hierarchy, starts a few
// kinds of task in a cgroup, freezes and thaws it, shows the EBUSY case and
// its ways out, and shuts down.
//
//	go run ./examples/tour          # the walk-through
//	go run ./examples/tour -debug   # plus every freezer event, logged at debug level
//	go run ./examples/tour -trace tour.trace && go tool trace tour.trace
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/trace"
	"strings"
	"time"

	"github.com/cgfreezer/freezer"
)

func main() {
	debug := flag.Bool("debug", false, "log every freezer event to stderr")
	traceFile := flag.String("trace", "", "write a runtime/trace of the tour to `file`")
	flag.Parse()
	if err := run(os.Stdout, *debug, *traceFile); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, debug bool, traceFile string) error {
	var opts []freezer.Option
	if debug {
		opts = append(opts, freezer.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	if traceFile != "" {
		f, err := os.Create(traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	h := freezer.New(opts...)
	show := func(path string) {
		b, err := h.ReadFile(path)
		if err != nil {
			fmt.Fprintf(w, "$ cat %s\n%v\n", path, err)
			return
		}
		fmt.Fprintf(w, "$ cat %s\n%s", path, b)
	}
	echo := func(word, path string) error {
		fmt.Fprintf(w, "$ echo %s > %s\n", word, path)
		err := h.WriteFile(path, []byte(word+"\n"))
		if err != nil {
			var pe interface{ Unwrap() error }
			if errors.As(err, &pe) {
				fmt.Fprintf(w, "write error: %v\n", pe.Unwrap())
			}
		}
		return err
	}

	fmt.Fprintln(w, "# mount a hierarchy and make a cgroup")
	if err := h.Mkdir("/jobs"); err != nil {
		return err
	}
	jobs, err := h.Lookup("/jobs")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "/jobs files: %s\n", strings.Join(jobs.Files(), " "))

	fmt.Fprintln(w, "\n# a busy worker, a sleeper, and a task in an uninterruptible wait")
	busy, _ := jobs.Spawn("busy", func(t *freezer.Task) {
		for {
			t.TryToFreeze()
		}
	})
	sleeper, _ := jobs.Spawn("sleeper", func(t *freezer.Task) {
		for {
			t.Sleep(time.Hour)
		}
	})
	disk := make(chan struct{})
	dwait, _ := jobs.Spawn("dwait", func(t *freezer.Task) {
		t.WaitUninterruptible(disk)
		for {
			t.Sleep(time.Hour)
		}
	})
	waitState(dwait, 'D')
	waitState(sleeper, 'S')
	show("/jobs/tasks")

	fmt.Fprintln(w, "\n# freezing: the D task cannot freeze now, so the write fails with EBUSY")
	_ = echo("FROZEN", "/jobs/freezer.state")
	var be *freezer.BusyError
	if err := jobs.Freeze(); errors.As(err, &be) {
		fmt.Fprintf(w, "busy PIDs: %v\n", be.PIDs())
	}
	waitFrozenTask(busy)
	waitFrozenTask(sleeper)
	show("/jobs/freezer.state")

	fmt.Fprintln(w, "\n# one way out of FREEZING: the blocking task leaves its D wait and freezes")
	close(disk)
	if err := jobs.WaitFrozen(ctx); err != nil {
		return err
	}
	show("/jobs/freezer.state")
	for _, t := range []*freezer.Task{busy, sleeper, dwait} {
		st := t.Stat()
		fmt.Fprintf(w, "pid %d %-8s state %c frozen %v\n", st.PID, st.Name, st.State, st.Frozen)
	}

	fmt.Fprintln(w, "\n# a frozen cgroup refuses newcomers")
	if err := h.Mkdir("/other"); err != nil {
		return err
	}
	other, _ := h.Lookup("/other")
	mover, _ := other.Spawn("mover", func(t *freezer.Task) {
		for {
			t.Sleep(time.Hour)
		}
	})
	_ = echo(fmt.Sprint(mover.PID()), "/jobs/tasks")
	_ = echo("FREEZING", "/jobs/freezer.state")

	fmt.Fprintln(w, "\n# thaw")
	if err := echo("RUNNING", "/jobs/freezer.state"); err != nil {
		return err
	}
	show("/jobs/freezer.state")
	for _, t := range []*freezer.Task{busy, sleeper, dwait} {
		waitNotFrozen(t)
	}
	fmt.Fprintln(w, "every task runs again")

	fmt.Fprintln(w, "\n# a paused checkpoint with FreezeContext, then shutdown")
	if err := jobs.FreezeContext(ctx); err != nil {
		return err
	}
	show("/jobs/freezer.state")
	if err := h.Shutdown(ctx); err != nil {
		return err
	}
	show("/jobs/tasks")
	fmt.Fprintln(w, "all tasks exited")
	return nil
}

// The tour waits for a task to reach a state by polling, since it has no
// event for it; in a program, WaitFrozen is the event to wait on.
func waitState(t *freezer.Task, s byte) {
	for t.Stat().State != s {
		time.Sleep(50 * time.Microsecond)
	}
}

func waitFrozenTask(t *freezer.Task) {
	for !t.Frozen() {
		time.Sleep(50 * time.Microsecond)
	}
}

func waitNotFrozen(t *freezer.Task) {
	for t.Frozen() {
		time.Sleep(50 * time.Microsecond)
	}
}
