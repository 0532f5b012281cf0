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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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
// it, reading r and writing w, until the shell ends or ctx does; then the
// shell shuts the hierarchy down, and run unmounts it. A mount still busy
// then (a process has its working directory there) is detached: it goes
// once no one uses it, rather than stay behind this process dead.
func run(ctx context.Context, dir string, r io.Reader, w io.Writer, interactive bool, opts ...freezer.Option) error {
	h := freezer.New(opts...)
	srv, err := cgroupfs.Mount(context.Background(), dir, h)
	if err != nil {
		h.Shutdown(ctx)
		return err
	}
	fmt.Fprintf(w, "freezerfs: the %s hierarchy is mounted on %s\n", h.Version(), dir)
	err = shell.Run(ctx, r, w, interactive, h)
	if uerr := srv.Unmount(); uerr != nil {
		if derr := syscall.Unmount(dir, syscall.MNT_DETACH); derr != nil {
			uerr = errors.Join(uerr, derr)
		} else {
			uerr = nil
		}
		err = errors.Join(err, uerr)
	}
	return err
}
