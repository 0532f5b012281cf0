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
	"github.com/cgfreezer/freezer/internal/mountinfo"
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
	mounts, err := mountinfo.Read()
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(mounts, func(m mountinfo.Mount) bool { return m.Point == dir })
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

// mount mounts a new hierarchy of version v on a temporary directory (see
// mountOn), and returns both.
func mount(t *testing.T, v freezer.Version) (*freezer.Hierarchy, string) {
	t.Helper()
	dir := t.TempDir()
	return mountOn(t, v, dir), dir
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

// TestLikeACgroupfs checks what the mount shares with Linux 6.18's
// cgroupfs beyond reads and writes: a descriptor stays with its cgroup
// (ENODEV once it is removed, even when a new one of the same name is made),
// inode numbers last, and what a cgroupfs refuses is refused with its errno.
func TestLikeACgroupfs(t *testing.T) {
	_, dir := mount(t, freezer.V2)
	s := filepath.Join(dir, "s")
	if err := os.Mkdir(s, 0o755); err != nil {
		t.Fatal(err)
	}
	var before, again syscall.Stat_t
	if err := syscall.Stat(s, &before); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(s, &again); err != nil {
		t.Fatal(err)
	}
	if before.Ino != again.Ino || before.Nlink != 2 {
		t.Errorf("two stats of %s: inode %d then %d, links %d; want one inode, 2 links", s, before.Ino, again.Ino, before.Nlink)
	}
	f, err := os.OpenFile(filepath.Join(s, "cgroup.freeze"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Rmdir(s); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(s, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = f.Write([]byte("1"))
	wantErrno(t, "write through a descriptor of a removed cgroup", err, syscall.ENODEV)
	_, err = f.ReadAt(make([]byte, 8), 0)
	wantErrno(t, "read through a descriptor of a removed cgroup", err, syscall.ENODEV)
	if data, err := os.ReadFile(filepath.Join(s, "cgroup.freeze")); err != nil || string(data) != "0\n" {
		t.Errorf("the new cgroup's cgroup.freeze reads %q (%v), want \"0\\n\"", data, err)
	}
	file := filepath.Join(s, "cgroup.freeze")
	wantErrno(t, "unlink of a control file", syscall.Unlink(file), syscall.EPERM)
	_, err = os.OpenFile(filepath.Join(s, "new"), os.O_CREATE|os.O_WRONLY, 0o644)
	wantErrno(t, "create", err, syscall.EACCES)
	wantErrno(t, "symlink", os.Symlink("x", filepath.Join(s, "link")), syscall.EPERM)
	wantErrno(t, "link", os.Link(file, filepath.Join(s, "link")), syscall.EPERM)
	wantErrno(t, "rename", os.Rename(file, filepath.Join(s, "renamed")), syscall.EPERM)
	wantErrno(t, "rmdir of a file", syscall.Rmdir(file), syscall.ENOTDIR)
}
