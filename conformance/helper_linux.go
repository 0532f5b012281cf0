//go:build linux

package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"
	"unsafe"
)

// The environment of a helper process: its kind, the cgroup directory it
// attaches itself to ("" for a fork's child, which is born there), the
// version, and a Timer's sleep.
const (
	envHelper  = "FREEZER_CONFORMANCE_HELPER"
	envCgroup  = "FREEZER_CONFORMANCE_CGROUP"
	envVersion = "FREEZER_CONFORMANCE_VERSION"
	envSleep   = "FREEZER_CONFORMANCE_SLEEP"
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
	if dir := os.Getenv(envCgroup); dir != "" {
		// cg_run_nowait's child: it attaches itself, then reports.
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte("0"), 0); err != nil {
			helperFail(err)
		}
		if _, err := os.Stdout.Write([]byte{'r'}); err != nil {
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
			if _, err := startHelper(Sleeper, "", ""); err != nil {
				helperFail(err)
			}
		}
		sleepForever()
	case ForkLoop:
		for {
			cmd, err := startHelper(Timer, "", "", envSleep+"="+(TimerSleep/10).String())
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
	case SelfFreeze:
		file, data := "freezer.state", "FROZEN"
		if os.Getenv(envVersion) == "v2" {
			file, data = "cgroup.freeze", "1"
		}
		if err := os.WriteFile(filepath.Join(os.Getenv(envCgroup), file), []byte(data), 0); err != nil {
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

// startHelper runs this executable as a helper of the kind, attached to the
// cgroup directory dir if it is not "", and waits for it to say it is there.
// The helper gets SIGKILL if the thread that started it exits; the kernel
// backend's threads never do.
func startHelper(kind Kind, dir, version string, env ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(),
		envHelper+"="+kind.String(), envCgroup+"="+dir, envVersion+"="+version,
		// The race detector's runtime waits a second at exit, for reports.
		"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if dir == "" {
		return cmd, cmd.Start()
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd.Stdout = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, err
	}
	r.SetReadDeadline(time.Now().Add(Timeout))
	if _, err := r.Read(make([]byte, 1)); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("helper %s did not start: %w", kind, err)
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

var spins uint64

// spin runs on the CPU for ever.
func spin() {
	for {
		spins++
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
	syscall.RawSyscall(syscall.SYS_CLONE, syscall.CLONE_VM|syscall.CLONE_VFORK|uintptr(syscall.SIGCHLD), 0, 0)
	for {
		syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&vforkNap)), 0, 0)
	}
}
