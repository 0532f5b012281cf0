//go:build linux

package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cgfreezer/freezer"
)

// The environment of a helper process: its kind, the cgroup directory it is
// attached to ("" for a fork's child, which is born there), a Timer's sleep,
// the directory an Uninterruptible task makes in the backend's stall, and
// the version.
const (
	envHelper  = "FREEZER_CONFORMANCE_HELPER"
	envCgroup  = "FREEZER_CONFORMANCE_CGROUP"
	envSleep   = "FREEZER_CONFORMANCE_SLEEP"
	envStall   = "FREEZER_CONFORMANCE_STALL"
	envVersion = "FREEZER_CONFORMANCE_VERSION"
)

func init() {
	if os.Getenv(envHelper) != "" {
		// The helper's work runs on the main thread, the thread-group
		// leader, whose state /proc/PID/stat shows and which ptrace
		// seizes; locking in init keeps main there.
		runtime.LockOSThread()
	}
}

// HelperMain runs the helper process the kernel backend started, if this
// process is one, and never returns then; otherwise it returns at once. A
// program that uses the kernel backend calls it first thing in main, or in
// TestMain: the backend starts its tasks by running the program's own
// executable again.
func HelperMain() {
	kindName := os.Getenv(envHelper)
	if kindName == "" {
		return
	}
	kind := Kind(-1)
	for k, name := range kindNames {
		if name == kindName {
			kind = Kind(k)
		}
	}
	if os.Getenv(envCgroup) != "" {
		// Say it runs, and wait, sleeping, while startHelper attaches it.
		if _, err := os.Stdout.Write([]byte{'r'}); err != nil {
			helperFail(err)
		}
		if _, err := os.Stdin.Read(make([]byte, 1)); err != nil {
			helperFail(err)
		}
	}
	switch kind {
	case Sleeper:
		sleepForever()
	case Busy:
		spin()
	case Timer:
		d, err := time.ParseDuration(os.Getenv(envSleep))
		if err != nil {
			helperFail(err)
		}
		nap(d)
		os.Exit(0)
	case ForkBomb:
		for range 3 {
			if _, err := startHelper(Sleeper, "", os.Stderr); err != nil {
				helperFail(err)
			}
		}
		sleepForever()
	case ForkLoop:
		for {
			cmd, err := startHelper(Timer, "", os.Stderr, envSleep+"="+(TimerSleep/10).String())
			if err != nil {
				helperFail(err)
			}
			go cmd.Wait()
			nap(forkLoopPause)
		}
	case Vfork:
		// Nothing else may run in this process while its main thread waits
		// in vfork: a collection would wait for it for ever.
		debug.SetGCPercent(-1)
		vforkSleep()
	case Uninterruptible:
		// The mkdir waits for the lock of a directory of the backend's
		// FUSE stall until the backend aborts the connection; then it
		// fails, and the task sleeps.
		os.Mkdir(os.Getenv(envStall), 0o755)
		sleepForever()
	case SelfFreeze:
		v, err := freezer.ParseVersion(os.Getenv(envVersion))
		if err != nil {
			helperFail(err)
		}
		file, freeze, _ := freezeFile(v)
		if err := os.WriteFile(filepath.Join(os.Getenv(envCgroup), file), []byte(freeze), 0); err != nil {
			helperFail(err)
		}
		sleepForever()
	}
	helperFail(fmt.Errorf("no helper kind %q", kindName))
}

func helperFail(err error) {
	fmt.Fprintln(os.Stderr, "conformance helper:", err)
	os.Exit(2)
}

// startHelper runs this executable as a helper of the kind. With a cgroup
// directory dir, it attaches the helper there, as a write of its PID to
// cgroup.procs, once the helper says it runs, and then lets it go on: so a
// helper attached to a frozen cgroup freezes before it does anything of its
// kind, as a library task spawned there does. Without one, the helper is a
// fork's child, born in its parent's cgroup. Helpers write their complaints
// to stderr, which is a file: a pipe would keep a test's output open for as
// long as a leftover helper lived. A helper gets SIGKILL if the thread that
// started it exits; the kernel backend's threads never do.
func startHelper(kind Kind, dir string, stderr *os.File, env ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(),
		envHelper+"="+kind.String(), envCgroup+"="+dir,
		// The race detector's runtime waits a second at exit, for reports.
		"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if dir == "" {
		return cmd, cmd.Start()
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer inW.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		return nil, err
	}
	defer outR.Close()
	cmd.Stdin, cmd.Stdout = inR, outW
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*exec.Cmd, error) {
		// Attached or not, the helper has not begun its kind's work: it
		// waits, interruptibly, and a freeze of its cgroup could hold the
		// kill back, so the wait for its end is bounded.
		if cmd.Process.Kill() == nil {
			waitReaped(cmd.Process.Pid, time.Now().Add(Timeout))
		}
		cmd.Process.Release()
		return nil, err
	}
	outR.SetReadDeadline(time.Now().Add(Timeout))
	if _, err := outR.Read(make([]byte, 1)); err != nil {
		return fail(fmt.Errorf("helper %s did not start: %w", kind, err))
	}
	if err := writeOnce(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid))); err != nil {
		return fail(err)
	}
	if _, err := inW.Write([]byte{'g'}); err != nil {
		return fail(err)
	}
	return cmd, nil
}

// sleepForever sleeps in nanosleep, an interruptible wait, for ever.
func sleepForever() {
	for {
		nap(time.Hour)
	}
}

// nap sleeps for d in nanosleep on the calling thread, going on after a
// signal with what is left.
func nap(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rem syscall.Timespec
		if err := syscall.Nanosleep(&ts, &rem); err != syscall.EINTR {
			return
		}
		ts = rem
	}
}

var spins atomic.Uint64

// spin runs on the CPU for ever.
func spin() {
	for {
		spins.Add(1)
	}
}

// vforkNap is the vfork child's sleep, a global so that the child, which runs
// on its parent's stack, touches nothing there but call frames.
var vforkNap = syscall.NsecToTimespec(int64(time.Hour))

// vforkSleep is the selftest's vfork_fn: it vforks a child that sleeps for
// ever and never execs, so that the calling thread waits in vfork for as
// long as the child lives. The child shares the parent's memory and runs on
// its stack, so it runs only this function and raw system calls: nothing
// that can grow the stack, allocate, or reach the race detector. If the child
// dies, the parent may return into the child's frames and sleep the same way;
// either way the process sleeps until it is killed.
//
//go:nosplit
//go:norace
func vforkSleep() {
	r, _, _ := syscall.RawSyscall(syscall.SYS_CLONE, syscall.CLONE_VM|syscall.CLONE_VFORK|uintptr(syscall.SIGCHLD), 0, 0)
	if r == 0 {
		// The child dies with its parent, as the helpers do with the test:
		// a fork does not inherit the parent-death signal.
		const prSetPdeathsig = 1
		syscall.RawSyscall(syscall.SYS_PRCTL, prSetPdeathsig, uintptr(syscall.SIGKILL), 0)
	}
	for {
		syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&vforkNap)), 0, 0)
	}
}
