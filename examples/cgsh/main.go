// Command cgsh is a small shell over a freezer hierarchy: type the commands
// you would type against cgroupfs and ps, and watch the freezer answer. It
// reads commands from standard input, so a script can drive it:
//
//	go run ./examples/cgsh
//	go run ./examples/cgsh < examples/cgsh/testdata/demo.cgsh
//	go run ./examples/cgsh -version v1 < examples/cgsh/testdata/v1.cgsh
//	go run ./examples/cgsh -version v2 < examples/cgsh/testdata/v2.cgsh
//
// -version picks the kernel whose freezer the hierarchy follows
// (freezer.WithVersion): patch2008, the 2008 patch, by default; v1, the
// mainline cgroup v1 freezer; or v2, the cgroup v2 freezer. Each has its own
// files, and cat and echo reach whichever the version has: echo THAWED >
// /jobs/freezer.state and cat /jobs/freezer.self_freezing in v1; echo 1 >
// /jobs/cgroup.freeze, cat /jobs/cgroup.events and echo 1 >
// /jobs/cgroup.kill in v2; a PID to tasks or cgroup.procs. help lists them.
//
// Type help for the commands. A failed write is reported as the shell
// reports it ("write error: Device or resource busy"), from the errno in the
// library's *fs.PathError.
//
// After every command cgsh waits until every task has settled, so that what
// a script prints is the same on every run (see package shell, which holds
// the commands; cgroupfs's freezerfs runs the same shell on a mounted
// hierarchy).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/examples/cgsh/shell"
)

func main() {
	version := freezer.Patch2008
	shell.VersionFlag(flag.CommandLine, &version)
	flag.Parse()
	fi, err := os.Stdin.Stat()
	interactive := err == nil && fi.Mode()&os.ModeCharDevice != 0
	if err := run(os.Stdin, os.Stdout, interactive, version); err != nil {
		fmt.Fprintln(os.Stderr, "cgsh:", err)
		os.Exit(1)
	}
}

// run runs the shell on a new hierarchy of version v; extra options (the
// tests add WithLockChecks) go to New.
func run(r io.Reader, w io.Writer, interactive bool, v freezer.Version, opts ...freezer.Option) error {
	return shell.Run(context.Background(), r, w, interactive, freezer.New(slices.Concat(opts, []freezer.Option{freezer.WithVersion(v)})...))
}
