package cgroupfs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/cgroupfs"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Mounts that runs killed before their cleanup left behind.
	cgroupfs.SweepStale()
	goleak.VerifyTestMain(m)
}

// mounted reports whether dir is a mount point, by /proc/self/mountinfo.
func mounted(t *testing.T, dir string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

// TestUnmountWhenContextEnds checks that the mount goes when Mount's
// context ends.
func TestUnmountWhenContextEnds(t *testing.T) {
	h := freezer.New(freezer.WithVersion(freezer.V1), freezer.WithLockChecks())
	defer h.Shutdown(context.Background())
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := cgroupfs.Mount(ctx, dir, h)
	if err != nil {
		cancel()
		t.Skipf("cannot mount FUSE here: %v", err)
	}
	if !mounted(t, dir) {
		t.Fatalf("%s is not a mount point after Mount", dir)
	}
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for mounted(t, dir) {
		if time.Now().After(deadline) {
			srv.Unmount()
			t.Fatalf("%s is still mounted after the context ended", dir)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSweepStale leaves a mount as a server that died would: a FUSE mount
// named for a process that cannot exist, whose connection is gone. The sweep
// must unmount it.
func TestSweepStale(t *testing.T) {
	dev, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no /dev/fuse: %v", err)
	}
	dir := t.TempDir()
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Skip(err)
	}
	dead := strings.TrimSpace(string(data)) + "0"
	opts := fmt.Sprintf("fd=%d,rootmode=40000,user_id=0,group_id=0", dev.Fd())
	if err := syscall.Mount("freezer-"+dead, dir, "fuse.cgroupfs", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
		dev.Close()
		t.Skipf("cannot mount FUSE here: %v", err)
	}
	dev.Close() // the server is gone
	swept, err := cgroupfs.SweepStale()
	if err != nil {
		t.Fatal(err)
	}
	if mounted(t, dir) {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		t.Fatalf("%s is still mounted after the sweep", dir)
	}
	if !slices.Contains(swept, dir) {
		t.Errorf("SweepStale returned %v, want %s among them", swept, dir)
	}
}

// mount mounts a new hierarchy of version v on a temporary directory, or
// skips the test where FUSE cannot be mounted. The hierarchy is shut down
// and the mount unmounted when the test ends.
func mount(t *testing.T, v freezer.Version) (*freezer.Hierarchy, string) {
	t.Helper()
	h := freezer.New(freezer.WithVersion(v), freezer.WithLockChecks())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	dir := t.TempDir()
	srv, err := cgroupfs.Mount(context.Background(), dir, h)
	if err != nil {
		t.Skipf("cannot mount FUSE here: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Errorf("Unmount: %v", err)
		}
	})
	return h, dir
}

func wantErrno(t *testing.T, what string, err error, want syscall.Errno) {
	t.Helper()
	var got syscall.Errno
	if !errors.As(err, &got) || got != want {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

// TestFilesOverTheMount does what a shell would: mkdir, echo, cat, rmdir.
func TestFilesOverTheMount(t *testing.T) {
	h, dir := mount(t, freezer.V2)
	jobs := filepath.Join(dir, "jobs")
	if err := os.Mkdir(jobs, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := h.Lookup("/jobs")
	if err != nil {
		t.Fatalf("the mkdir made no cgroup: %v", err)
	}
	never := make(chan struct{})
	if _, err := c.Spawn("sleeper", func(t *freezer.Task) { t.Wait(never) }); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "mkdir of an existing cgroup", os.Mkdir(jobs, 0o755), syscall.EEXIST)

	// os.WriteFile opens with O_TRUNC, which arrives as a truncation.
	if err := os.WriteFile(filepath.Join(jobs, "cgroup.freeze"), []byte("1\n"), 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(jobs, "cgroup.events"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "frozen 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cgroup.events never said frozen 1: %q", data)
		}
		time.Sleep(time.Millisecond)
	}

	// A re-read on the same descriptor sees the state of its moment.
	f, err := os.Open(filepath.Join(jobs, "cgroup.freeze"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first, _ := io.ReadAll(f)
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	second := make([]byte, 16)
	n, _ := f.ReadAt(second, 0)
	if string(first) != "1\n" || string(second[:n]) != "0\n" {
		t.Errorf("cgroup.freeze read %q, then %q after a thaw; want \"1\\n\" then \"0\\n\"", first, second[:n])
	}

	wantErrno(t, "write of 2", os.WriteFile(filepath.Join(jobs, "cgroup.freeze"), []byte("2"), 0), syscall.ERANGE)
	wantErrno(t, "write of garbage", os.WriteFile(filepath.Join(jobs, "cgroup.freeze"), []byte("x"), 0), syscall.EINVAL)
	wantErrno(t, "write of 4097 bytes", os.WriteFile(filepath.Join(jobs, "cgroup.freeze"), []byte(strings.Repeat(" ", 4097)), 0), syscall.E2BIG)
	wantErrno(t, "rmdir of a cgroup with a task", syscall.Rmdir(jobs), syscall.EBUSY)
	if err := os.WriteFile(filepath.Join(jobs, "cgroup.kill"), []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	for {
		err := syscall.Rmdir(jobs)
		if err == nil {
			break
		}
		if err != syscall.EBUSY || time.Now().After(deadline) {
			t.Fatalf("rmdir after cgroup.kill: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := h.Lookup("/jobs"); err == nil {
		t.Error("the rmdir left the cgroup")
	}
}
