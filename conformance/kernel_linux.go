//go:build linux

package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
)

// namePrefix starts the name of everything the kernel backend makes:
// cgroups fzconf-PID-N and FUSE mounts fzconf-PID, PID being the test
// process's, so that two runs at once never meet and a later run can tell a
// dead run's leftovers.
const namePrefix = "fzconf-"

// Kernel is the backend of the running kernel: a cgroup of its own in the
// version's real hierarchy (v1: the mount of the freezer controller;
// v2: the cgroup2 mount), found in /proc/self/mountinfo, and real
// processes, which are this executable run again as helpers (see
// [HelperMain]). It needs root, or write access to the hierarchy and
// /dev/fuse.
//
// It takes over the reaping of the process's children: the first Kernel
// makes the process a child subreaper, so that a helper's children, orphaned
// when the helper is killed, come to it rather than linger as zombies, and
// every Kernel reaps whatever child has exited before each of its
// operations. A program that uses it must start no children of its own
// meanwhile.
type Kernel struct {
	v       freezer.Version
	base    string
	cmds    map[int]*exec.Cmd
	tracers map[int]*tracer
	stderr  *os.File // the helpers' stderr, an unlinked file
	stall   *stall   // where Uninterruptible tasks wait, until Wake
	stalls  []*stall // every one made, for Close
}

var (
	kernelSeq atomic.Int64
	subreaper sync.Once
	// hierarchies finds each version's mount point once per process, and
	// sweeps away what dead runs left there first.
	hierarchies = [...]func() (string, error){
		freezer.V1: sync.OnceValues(func() (string, error) { return prepare(freezer.V1) }),
		freezer.V2: sync.OnceValues(func() (string, error) { return prepare(freezer.V2) }),
	}
)

// NewKernel makes a cgroup for one scenario in the running kernel's
// hierarchy of version v, or says why it cannot. The first call for a
// version also removes what runs of dead test processes left behind.
func NewKernel(v freezer.Version) (*Kernel, error) {
	if v != freezer.V1 && v != freezer.V2 {
		return nil, fmt.Errorf("the running kernel has no %s freezer", v)
	}
	mount, err := hierarchies[v]()
	if err != nil {
		return nil, err
	}
	subreaper.Do(func() {
		const prSetChildSubreaper = 36
		syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	})
	stderr, err := os.CreateTemp("", namePrefix+"stderr-*")
	if err != nil {
		return nil, err
	}
	os.Remove(stderr.Name()) // the helpers write to it through their descriptors
	base := filepath.Join(mount, fmt.Sprintf("%s%d-%d", namePrefix, os.Getpid(), kernelSeq.Add(1)))
	if err := os.Mkdir(base, 0o755); err != nil {
		stderr.Close()
		return nil, err
	}
	return &Kernel{v: v, base: base, cmds: map[int]*exec.Cmd{}, tracers: map[int]*tracer{}, stderr: stderr}, nil
}

// Base is the directory of the backend's cgroup, which holds the
// scenario's.
func (k *Kernel) Base() string { return k.base }

func (k *Kernel) abs(p string) string { return filepath.Join(k.base, p) }

// helperLog is what the helpers have written to their stderr, to go with an
// error.
func (k *Kernel) helperLog() string {
	log, _ := io.ReadAll(io.NewSectionReader(k.stderr, 0, 1<<16))
	return string(log)
}

// Mkdir implements [Backend].
func (k *Kernel) Mkdir(p string) error {
	reapAll()
	return os.Mkdir(k.abs(p), 0o755)
}

// Rmdir implements [Backend].
func (k *Kernel) Rmdir(p string) error {
	reapAll()
	if err := syscall.Rmdir(k.abs(p)); err != nil {
		return &fs.PathError{Op: "rmdir", Path: k.abs(p), Err: err}
	}
	return nil
}

// ReadFile implements [Backend].
func (k *Kernel) ReadFile(p string) ([]byte, error) {
	reapAll()
	return os.ReadFile(k.abs(p))
}

// WriteFile implements [Backend] with exactly one write(2), as the
// cgroupfs needs a value in one write.
func (k *Kernel) WriteFile(p string, data []byte) error {
	reapAll()
	return writeOnce(k.abs(p), data)
}

func writeOnce(name string, data []byte) error {
	fd, err := syscall.Open(name, syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	if _, err := syscall.Write(fd, data); err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

// Start implements [Backend]: the helper process is attached to the cgroup
// by a write of its PID to cgroup.procs once it runs (see startHelper).
func (k *Kernel) Start(kind Kind, cgroup string) (int, error) {
	reapAll()
	if kind < 0 || int(kind) >= len(kindNames) {
		return 0, fmt.Errorf("the kernel backend cannot start a task of kind %s", kind)
	}
	env := []string{envSleep + "=" + TimerSleep.String(), envVersion + "=" + k.v.String()}
	if kind == Uninterruptible {
		if k.stall == nil {
			st, err := newStall()
			if err != nil {
				return 0, err
			}
			k.stall = st
			k.stalls = append(k.stalls, st)
		}
		env = append(env, envStall+"="+filepath.Join(k.stall.dir, "y"))
	}
	cmd, err := startHelper(kind, k.abs(cgroup), k.stderr, env...)
	if err != nil {
		if log := k.helperLog(); log != "" {
			err = fmt.Errorf("%w; the helpers said: %s", err, log)
		}
		return 0, err
	}
	k.cmds[cmd.Process.Pid] = cmd
	return cmd.Process.Pid, nil
}

// Wake implements [Backend]: it aborts the FUSE connection the
// Uninterruptible tasks wait on (see stall).
func (k *Kernel) Wake() error {
	reapAll()
	if k.stall != nil {
		k.stall.abort()
		k.stall = nil
	}
	return nil
}

// Signal implements [Backend]: signals go through the process's pidfd, so a
// helper that has been reaped is never mistaken for a process that got its
// PID since; ptrace requests all come from one locked thread per tracee, as
// ptrace requires.
func (k *Kernel) Signal(pid int, sig Signal) error {
	reapAll()
	cmd, ok := k.cmds[pid]
	if !ok {
		return syscall.ESRCH
	}
	signal := func(s syscall.Signal) error {
		err := cmd.Process.Signal(s)
		if errors.Is(err, os.ErrProcessDone) {
			return syscall.ESRCH
		}
		return err
	}
	switch sig {
	case Kill:
		return signal(syscall.SIGKILL)
	case Stop:
		return signal(syscall.SIGSTOP)
	case Cont:
		return signal(syscall.SIGCONT)
	case Trace:
		if k.tracers[pid] != nil {
			return syscall.EPERM
		}
		tr := newTracer()
		err := tr.do(func() error {
			const ptraceSeize, ptraceInterrupt = 0x4206, 0x4207
			if err := ptrace(ptraceSeize, pid); err != nil {
				return err
			}
			return ptrace(ptraceInterrupt, pid)
		})
		if err != nil {
			tr.stop()
			return err
		}
		k.tracers[pid] = tr
		return nil
	case Untrace:
		tr := k.tracers[pid]
		if tr == nil {
			return syscall.ESRCH
		}
		if err := tr.do(func() error { return syscall.PtraceDetach(pid) }); err != nil {
			return err
		}
		tr.stop()
		delete(k.tracers, pid)
		return nil
	}
	return syscall.EINVAL
}

func ptrace(request, pid int) error {
	if _, _, e := syscall.Syscall6(syscall.SYS_PTRACE, uintptr(request), uintptr(pid), 0, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// tracer is a goroutine locked to its thread, the tracer of one process.
// It unlocks before it ends, so the thread lives on: a helper started from
// that thread would otherwise get its parent-death signal.
type tracer struct{ req chan func() }

func newTracer() *tracer {
	tr := &tracer{req: make(chan func())}
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for f := range tr.req {
			f()
		}
	}()
	return tr
}

func (tr *tracer) do(f func() error) error {
	errc := make(chan error, 1)
	tr.req <- func() { errc <- f() }
	return <-errc
}

func (tr *tracer) stop() { close(tr.req) }

// Stat implements [Backend] with /proc/PID/stat.
func (k *Kernel) Stat(pid int) (byte, bool) {
	reapAll()
	state, _, ok := procStat(pid)
	return state, ok && state != 'Z' && state != 'X'
}

// Watch implements [Backend] with inotify's IN_MODIFY, which is how the
// cgroupfs notifies cgroup.events.
func (k *Kernel) Watch(ctx context.Context, p string) (<-chan struct{}, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if _, err := syscall.InotifyAddWatch(fd, k.abs(p), syscall.IN_MODIFY); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "inotify_add_watch", Path: k.abs(p), Err: err}
	}
	f := os.NewFile(uintptr(fd), "inotify") // non-blocking: reads use the poller, Close ends them
	ch := make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := f.Read(buf); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	return ch, nil
}

// Close implements [Backend]: it wakes its uninterruptible tasks, thaws its
// cgroups, kills every process in them until none is left, reaps them,
// removes the cgroups and unmounts its FUSE stalls, all within Timeout.
func (k *Kernel) Close() error {
	deadline := time.Now().Add(Timeout)
	k.Wake() // Uninterruptible helpers outlive SIGKILL until then
	for pid, tr := range k.tracers {
		tr.stop()
		delete(k.tracers, pid)
	}
	err := removeTree(k.v, k.base, deadline)
	for pid, cmd := range k.cmds {
		// A helper a scenario moved out of the backend's cgroups, were
		// there one, is killed here.
		if cmd.Process.Kill() == nil {
			waitReaped(pid, deadline)
		}
		cmd.Process.Release()
		delete(k.cmds, pid)
	}
	for _, st := range k.stalls {
		err = errors.Join(err, st.remove())
	}
	k.stall, k.stalls = nil, nil
	if log := k.helperLog(); log != "" {
		err = errors.Join(err, fmt.Errorf("the helpers said: %s", log))
	}
	k.stderr.Close()
	return err
}
