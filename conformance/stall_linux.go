//go:build linux

package conformance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"

	"github.com/cgfreezer/freezer/internal/mountinfo"
)

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
		state, _, _ := statFile(stat)
		return state == 'D', ""
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

// sweepStalls unmounts the stalls of dead runs.
func sweepStalls() {
	mounts, _ := mountinfo.Read()
	for _, m := range mounts {
		if m.FSType == "fuse" && deadRun(m.Source) && syscall.Unmount(m.Point, syscall.MNT_DETACH) == nil {
			os.Remove(m.Point)
		}
	}
}
