//go:build linux

package conformance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
)

// namePrefix starts the name of every cgroup the kernel backend makes:
// fzconf-PID-N, PID being the test process's, so that two runs at once never
// meet and a later run can tell a dead run's leftovers.
const namePrefix = "fzconf-"

// Kernel is the backend of the running kernel: a cgroup of its own in the
// version's real hierarchy (v1: the mount of the freezer controller;
// v2: the cgroup2 mount), found in /proc/self/mountinfo, and real
// processes, which are this executable run again as helpers (see
// [HelperMain]). It needs root, or write access to the hierarchy.
//
// The first Kernel of a process makes the process a child subreaper, so that
// a helper's children, orphaned when the helper is killed, are reaped here
// and not left as zombies.
type Kernel struct {
	v       freezer.Version
	base    string
	cmds    map[int]*exec.Cmd
	tracers map[int]*tracer
	stderr  *os.File // the helpers' stderr
	stall   *stall   // where Uninterruptible tasks wait, until Wake
	stalls  []*stall // every one made, for Close
}

var (
	kernelSeq   atomic.Int64
	subreaper   sync.Once
	sweepOnce   [3]sync.Once
	mountErrors [3]error
	mounts      [3]string
)

// NewKernel makes a cgroup for one scenario in the running kernel's
// hierarchy of version v, or says why it cannot. The first call for a
// version also removes what runs of dead test processes left behind.
func NewKernel(v freezer.Version) (*Kernel, error) {
	if v != freezer.V1 && v != freezer.V2 {
		return nil, fmt.Errorf("the running kernel has no %s freezer", v)
	}
	sweepOnce[v].Do(func() {
		mounts[v], mountErrors[v] = findMount(v)
		if mountErrors[v] == nil {
			mountErrors[v] = sweep(v, mounts[v])
		}
	})
	if mountErrors[v] != nil {
		return nil, mountErrors[v]
	}
	subreaper.Do(func() {
		const prSetChildSubreaper = 36
		syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	})
	base := filepath.Join(mounts[v], fmt.Sprintf("%s%d-%d", namePrefix, os.Getpid(), kernelSeq.Add(1)))
	stderr, err := os.CreateTemp("", namePrefix+"stderr-*")
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(base, 0o755); err != nil {
		stderr.Close()
		os.Remove(stderr.Name())
		return nil, err
	}
	return &Kernel{v: v, base: base, cmds: map[int]*exec.Cmd{}, tracers: map[int]*tracer{}, stderr: stderr}, nil
}

// findMount finds the mount point of the hierarchy of version v in
// /proc/self/mountinfo: for v1 a cgroup mount with the freezer controller,
// for v2 a cgroup2 mount.
func findMount(v freezer.Version) (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 {
			continue
		}
		switch {
		case v == freezer.V2 && tail[0] == "cgroup2",
			v == freezer.V1 && tail[0] == "cgroup" && slices.Contains(strings.Split(tail[2], ","), "freezer"):
			return unescapeMount(fields[4]), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if v == freezer.V1 {
		return "", errors.New("no cgroup v1 freezer hierarchy is mounted")
	}
	return "", errors.New("no cgroup2 hierarchy is mounted")
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// sweep removes the cgroups of test processes that are gone, with their
// tasks. A cgroup whose process still exists is left alone, even if the PID
// was reused: it is taken up once that process is gone too.
func sweep(v freezer.Version, mount string) error {
	entries, err := os.ReadDir(mount)
	if err != nil {
		return err
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), namePrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue
		}
		if err := removeTree(v, filepath.Join(mount, e.Name())); err != nil {
			return fmt.Errorf("removing what an earlier run left: %w", err)
		}
	}
	return nil
}

// Base is the directory of the backend's cgroup, which holds the
// scenario's.
func (k *Kernel) Base() string { return k.base }

func (k *Kernel) abs(p string) string { return filepath.Join(k.base, p) }

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

// Start implements [Backend]: the helper process attaches itself to the
// cgroup, as the selftest's cg_run_nowait child does, and reports before
// doing what its kind does.
func (k *Kernel) Start(kind Kind, cgroup string) (int, error) {
	if kind < 0 || int(kind) >= len(kindNames) {
		return 0, fmt.Errorf("the kernel backend cannot start a task of kind %s", kind)
	}
	env := []string{envSleep + "=" + TimerSleep.String()}
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
		if log, _ := os.ReadFile(k.stderr.Name()); len(log) > 0 {
			err = fmt.Errorf("%w; the helpers said: %s", err, log)
		}
		return 0, err
	}
	k.cmds[cmd.Process.Pid] = cmd
	return cmd.Process.Pid, nil
}

// Wake implements [Backend]: it aborts the FUSE connection the
// Uninterruptible tasks wait on, and their lookups fail.
func (k *Kernel) Wake() error {
	reapAll()
	if k.stall != nil {
		k.stall.abort()
		k.stall = nil
	}
	return nil
}

// stall is a FUSE mount whose server never answers, not even the kernel's
// first request (FUSE_INIT), and in which a thread of this process has begun
// a lookup: it waits for the answer, holding the lock of the mount's root
// directory. An Uninterruptible helper then makes a directory there and
// waits for that lock, in a wait that shows 'D', that no freeze reaches (not
// even v1's, which freezes the lookup's own wait where it is) and that no
// signal ends, until the connection is aborted: the lookup fails, the lock
// is let go, and the helper's mkdir fails at once.
type stall struct {
	dir    string
	dev    *os.File      // the server's end of /dev/fuse, never read
	holder chan struct{} // closed when the lookup has failed
}

var fuseSweep sync.Once

// newStall mounts a stall, named for this process (fzconf-PID) so that a
// later run can unmount it if this one dies. It fails with
// errors.ErrUnsupported where FUSE cannot be mounted.
func newStall() (*stall, error) {
	fuseSweep.Do(sweepStalls)
	dev, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("no uninterruptible task without FUSE: %w (%w)", err, errors.ErrUnsupported)
	}
	dir, err := os.MkdirTemp("", namePrefix+"fuse-")
	if err != nil {
		dev.Close()
		return nil, err
	}
	opts := fmt.Sprintf("fd=%d,rootmode=40000,user_id=%d,group_id=%d", dev.Fd(), os.Getuid(), os.Getgid())
	if err := syscall.Mount(fmt.Sprintf("%s%d", namePrefix, os.Getpid()), dir, "fuse", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
		dev.Close()
		os.Remove(dir)
		return nil, fmt.Errorf("no uninterruptible task without FUSE: mount: %w (%w)", err, errors.ErrUnsupported)
	}
	st := &stall{dir: dir, dev: dev, holder: make(chan struct{})}
	tid := make(chan int)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- syscall.Gettid()
		os.Stat(filepath.Join(dir, "x"))
		close(st.holder)
	}()
	// The lookup holds the lock once its thread waits ('D') for the answer.
	stat := fmt.Sprintf("/proc/self/task/%d/stat", <-tid)
	if ok, _ := until(func() (bool, string) {
		data, _ := os.ReadFile(stat)
		i := strings.LastIndexByte(string(data), ')')
		return i > 0 && i+2 < len(data) && data[i+2] == 'D', ""
	}); !ok {
		st.remove()
		return nil, errors.New("a lookup in the FUSE stall did not wait for its server")
	}
	return st, nil
}

// abort ends the connection: every request waiting on it fails, and the
// lookup that holds the lock ends.
func (st *stall) abort() {
	st.dev.Close()
	<-st.holder
}

// remove aborts the connection and unmounts the stall.
func (st *stall) remove() error {
	st.abort()
	if err := syscall.Unmount(st.dir, syscall.MNT_DETACH); err != nil {
		return &fs.PathError{Op: "umount", Path: st.dir, Err: err}
	}
	return os.Remove(st.dir)
}

// sweepStalls unmounts the stalls of test processes that are gone.
func sweepStalls() {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 2 || tail[0] != "fuse" {
			continue
		}
		rest, ok := strings.CutPrefix(tail[1], namePrefix)
		pid, err := strconv.Atoi(rest)
		if !ok || err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue
		}
		dir := unescapeMount(fields[4])
		if syscall.Unmount(dir, syscall.MNT_DETACH) == nil {
			os.Remove(dir)
		}
	}
}

// Signal implements [Backend] with kill(2) and ptrace(2). A traced
// process's ptrace requests all come from one locked thread, as ptrace
// requires.
func (k *Kernel) Signal(pid int, sig Signal) error {
	reapAll()
	if _, ok := k.cmds[pid]; !ok {
		return syscall.ESRCH
	}
	switch sig {
	case Kill:
		return syscall.Kill(pid, syscall.SIGKILL)
	case Stop:
		return syscall.Kill(pid, syscall.SIGSTOP)
	case Cont:
		return syscall.Kill(pid, syscall.SIGCONT)
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

// procStat reads the state letter and the parent's PID from /proc/PID/stat.
func procStat(pid int) (state byte, ppid int, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold anything; the state and
	// the parent follow its last ')'.
	i := strings.LastIndexByte(string(data), ')')
	fields := strings.Fields(string(data[i+1:]))
	if i < 0 || len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0][0], ppid, true
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

// Close implements [Backend]: it thaws its cgroups, kills every process in
// them by PID until none is left, reaps them, and removes the cgroups.
func (k *Kernel) Close() error {
	k.Wake() // Uninterruptible helpers outlive SIGKILL until then
	for pid, tr := range k.tracers {
		tr.stop()
		delete(k.tracers, pid)
	}
	err := removeTree(k.v, k.base)
	for pid, cmd := range k.cmds {
		// A helper a scenario moved out of the backend's cgroups, were
		// there one, is killed here.
		if cmd.Process.Kill() == nil {
			waitReaped(pid, time.Now().Add(Timeout))
		}
		cmd.Process.Release()
		delete(k.cmds, pid)
	}
	for _, st := range k.stalls {
		err = errors.Join(err, st.remove())
	}
	k.stall, k.stalls = nil, nil
	if log, _ := os.ReadFile(k.stderr.Name()); len(log) > 0 {
		err = errors.Join(err, fmt.Errorf("the helpers said: %s", log))
	}
	k.stderr.Close()
	os.Remove(k.stderr.Name())
	return err
}

// removeTree thaws every cgroup under dir, kills every process in them until
// none is left and each is reaped, and removes the cgroups, children first.
func removeTree(v freezer.Version, dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for _, d := range dirs {
		if v == freezer.V2 {
			writeOnce(filepath.Join(d, "cgroup.freeze"), []byte("0"))
		} else {
			writeOnce(filepath.Join(d, "freezer.state"), []byte("THAWED"))
		}
	}
	killed := map[int]bool{}
	deadline := time.Now().Add(Timeout)
	for {
		reapAll()
		var pids []int
		for _, d := range dirs {
			data, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil {
					pids = append(pids, pid)
				}
			}
		}
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v in %s outlived SIGKILL", pids, dir)
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
			killed[pid] = true
		}
		time.Sleep(time.Millisecond)
	}
	for pid := range killed {
		waitReaped(pid, deadline)
	}
	var errs []error
	for _, d := range slices.Backward(dirs) {
		// A v2 cgroup stays populated for a moment after its last task
		// is reaped: retry EBUSY, as the selftest's cg_destroy does.
		err := syscall.Rmdir(d)
		for err == syscall.EBUSY && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			err = syscall.Rmdir(d)
		}
		if err != nil {
			errs = append(errs, &fs.PathError{Op: "rmdir", Path: d, Err: err})
		}
	}
	return errors.Join(errs...)
}

// reapAll reaps every child of this process that has exited: the kernel
// backend's helpers and, as this process is a child subreaper, their
// orphans. The backend reaps before each of its operations, as a parent that
// waits for its children at once would: a v2 cgroup counts a dead task that
// is not yet reaped as populated, while a library task is gone when it
// exits. A traced helper's stops are reported here too, and dropped.
func reapAll() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|syscall.WALL, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// waitReaped waits until a killed process is reaped: by this process, or by
// a parent of its own. A zombie whose parent is another (a dead run's
// orphan, now init's) is as gone as it will get.
func waitReaped(pid int, deadline time.Time) {
	for time.Now().Before(deadline) {
		reapAll()
		state, ppid, ok := procStat(pid)
		if !ok || state == 'Z' && ppid != os.Getpid() {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
