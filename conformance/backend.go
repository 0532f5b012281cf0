package conformance

import (
	"context"
	"time"
)

// Kind is what a started task does. Each kind is a goroutine on the library
// backend and a process on the kernel backend (the test binary run again in
// a helper mode, see [HelperMain]); the comments give what the kernel
// process does.
type Kind int

const (
	// Sleeper sleeps for ever in an interruptible wait ('S'), as the kernel
	// selftest's child_fn and LTP's sample sleep do.
	Sleeper Kind = iota
	// Busy spins on the CPU ('R') and never sleeps, as Mesos's while(true);
	// a library task reaches a safe point on each turn of its loop.
	Busy
	// Timer sleeps for TimerSleep and then exits, as LTP's "sleep 5" does.
	Timer
	// ForkBomb forks three sleepers and then sleeps itself: the selftest's
	// "fork(); fork();", which leaves four tasks.
	ForkBomb
	// ForkLoop forks short-lived children for as long as it lives, each
	// sleeping for TimerSleep/10 and then exiting: LTP's timed_forkbomb,
	// throttled so a run stays small.
	ForkLoop
	// Vfork vforks a child that sleeps for ever and never execs, so the
	// parent waits in vfork ('D') for as long as they live: the selftest's
	// vfork_fn.
	Vfork
	// SelfFreeze freezes the cgroup it is in by writing to its own control
	// file, then sleeps: LTP's freeze_self_thaw.
	SelfFreeze
	// Uninterruptible waits uninterruptibly ('D'), where no freeze reaches
	// it, until [Backend.Wake], and then sleeps as a Sleeper. The kernel's
	// process waits for a FUSE server of the backend's that does not
	// answer; Wake aborts the connection.
	Uninterruptible
)

// TimerSleep is how long a Timer task sleeps before it exits. It is short so
// the suite is quick, and long enough that a test process freezes it first.
const TimerSleep = 300 * time.Millisecond

var kindNames = [...]string{"sleeper", "busy", "timer", "forkbomb", "forkloop", "vfork", "selffreeze", "uninterruptible"}

// String returns the kind's name as the report shows it.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "kind(?)"
	}
	return kindNames[k]
}

// Signal is what a scenario can do to a task from outside: the signals and
// the ptrace requests of the kernel's and LTP's scenarios.
type Signal int

const (
	// Kill is SIGKILL.
	Kill Signal = iota
	// Stop is SIGSTOP.
	Stop
	// Cont is SIGCONT.
	Cont
	// Trace is PTRACE_SEIZE followed by PTRACE_INTERRUPT.
	Trace
	// Untrace is PTRACE_DETACH.
	Untrace
)

var signalNames = [...]string{"kill", "stop", "cont", "trace", "untrace"}

// String returns the signal's name as the report shows it.
func (s Signal) String() string {
	if s < 0 || int(s) >= len(signalNames) {
		return "signal(?)"
	}
	return signalNames[s]
}

// Backend is a cgroup hierarchy with tasks: the library's simulation or the
// running kernel's cgroupfs with real processes. A scenario sees nothing
// else. Paths are relative to a directory the backend made for the scenario
// alone ("a/b/freezer.state"), so the library's root and the kernel's real
// root, which no scenario touches, look the same. Errors of file operations
// carry a syscall.Errno, as os.WriteFile's do on a real cgroupfs. A Backend is
// used by one goroutine.
type Backend interface {
	// Mkdir and Rmdir make and remove a cgroup.
	Mkdir(path string) error
	Rmdir(path string) error
	// ReadFile and WriteFile read and write a control file; one write is
	// one write(2).
	ReadFile(path string) ([]byte, error)
	WriteFile(path string, data []byte) error
	// Start starts a task of the given kind in the cgroup and returns its
	// PID once the task is there and about to do what its kind does. An
	// error wrapping errors.ErrUnsupported says the backend cannot make a
	// task of that kind here.
	Start(kind Kind, cgroup string) (pid int, err error)
	// Wake ends the wait of every Uninterruptible task.
	Wake() error
	// Signal signals a task the backend started.
	Signal(pid int, sig Signal) error
	// Stat returns a task's /proc state letter and whether it is alive: it
	// exists and is not a zombie.
	Stat(pid int) (state byte, alive bool)
	// Watch reports on the returned channel each notification of a file
	// (inotify's IN_MODIFY on the kernel, Cgroup.WatchEvents in the
	// library) until ctx ends. Notifications may be coalesced.
	Watch(ctx context.Context, path string) (<-chan struct{}, error)
	// Close kills every task the backend started and removes every cgroup
	// it made, and reports what it could not undo.
	Close() error
}
