// Command freezerfs mounts a freezer hierarchy on a directory, as a cgroupfs
// is mounted, and runs cgsh's shell on it: the shell spawns and signals the
// simulated tasks, and anything else (another terminal, a container
// runtime's cgroup library) uses the same cgroups through the files.
//
//	mkdir /tmp/cg && go run ./cgroupfs/cmd/freezerfs -version v2 /tmp/cg
//	cgsh$ mkdir /jobs
//	cgsh$ spawn /jobs worker sleep
//
// and in another terminal:
//
//	echo 1 > /tmp/cg/jobs/cgroup.freeze
//	cat /tmp/cg/jobs/cgroup.events
//
// -version picks the kernel whose freezer the hierarchy follows: patch2008
// (the default), v1 or v2. The mount needs root (it is made without the
// fusermount helper) and /dev/fuse. exit, the end of standard input, SIGINT
// or SIGTERM kills every task and unmounts.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/cgroupfs"
	"github.com/cgfreezer/freezer/examples/cgsh/shell"
)

func main() {
	version := freezer.Patch2008
	shell.VersionFlag(flag.CommandLine, &version)
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: freezerfs [-version patch2008|v1|v2] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fi, err := os.Stdin.Stat()
	interactive := err == nil && fi.Mode()&os.ModeCharDevice != 0
	if err := run(ctx, flag.Arg(0), os.Stdin, os.Stdout, interactive, freezer.WithVersion(version)); err != nil {
		fmt.Fprintln(os.Stderr, "freezerfs:", err)
		os.Exit(1)
	}
}

// run mounts a new hierarchy (made with opts) on dir and runs the shell on
// it, reading r and writing w, until the shell ends or ctx does; then it
// shuts the hierarchy down and unmounts it.
func run(ctx context.Context, dir string, r io.Reader, w io.Writer, interactive bool, opts ...freezer.Option) error {
	h := freezer.New(opts...)
	srv, err := cgroupfs.Mount(ctx, dir, h)
	if err != nil {
		h.Shutdown(ctx)
		return err
	}
	fmt.Fprintf(w, "freezerfs: the %s hierarchy is mounted on %s\n", h.Version(), dir)
	done := make(chan error, 1)
	go func() { done <- shell.Run(r, w, interactive, h) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// The shell still waits for its input; the shutdown ends its tasks.
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = h.Shutdown(sctx)
		cancel()
	}
	if uerr := srv.Unmount(); err == nil {
		err = uerr
	}
	return err
}
