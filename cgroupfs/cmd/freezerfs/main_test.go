package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/cgroupfs"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	cgroupfs.SweepStale() // mounts that runs killed before their cleanup left
	goleak.VerifyTestMain(m)
}

// start runs freezerfs on a new temporary directory with ctx, a pipe for
// its input and a buffer for its output, and waits until it has mounted, or
// skips the test where FUSE cannot be mounted. wait waits for run to return
// and gives its error; the cleanup ends the input and waits.
func start(t *testing.T, ctx context.Context) (dir string, feed *io.PipeWriter, out *syncBuffer, wait func() error) {
	t.Helper()
	dir = t.TempDir()
	in, feed := io.Pipe()
	out = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, dir, in, out, false, freezer.WithVersion(freezer.V2), freezer.WithLockChecks())
	}()
	wait = sync.OnceValue(func() error { return <-done })
	t.Cleanup(func() {
		feed.Close()
		wait()
	})
	waitFor(t, "the mount", func() bool {
		return strings.Contains(out.String(), "mounted") || len(done) > 0
	})
	if len(done) > 0 {
		t.Skipf("cannot mount FUSE here: %v", wait())
	}
	return dir, feed, out, wait
}

// syncBuffer is the shell's output, read while the shell writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSession is the README's session: the shell makes a cgroup and a task
// in it, a client of the files freezes it, the shell's ps shows the task
// frozen, and exit unmounts.
func TestSession(t *testing.T) {
	dir, feed, out, wait := start(t, context.Background())
	io.WriteString(feed, "mkdir /jobs\nspawn /jobs worker sleep\n")
	jobs := filepath.Join(dir, "jobs")
	waitFor(t, "the task in cgroup.procs", func() bool {
		data, _ := os.ReadFile(filepath.Join(jobs, "cgroup.procs"))
		return len(bytes.TrimSpace(data)) > 0
	})
	if err := os.WriteFile(filepath.Join(jobs, "cgroup.freeze"), []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "frozen 1", func() bool {
		data, _ := os.ReadFile(filepath.Join(jobs, "cgroup.events"))
		return strings.Contains(string(data), "frozen 1")
	})
	io.WriteString(feed, "ps\nexit\n")
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"cgsh$ spawn /jobs worker sleep", "worker  /jobs   S      yes"} {
		if !strings.Contains(got, want) {
			t.Errorf("the session lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "jobs")); !os.IsNotExist(err) {
		t.Errorf("after exit %s is still there (%v): not unmounted", jobs, err)
	}
}

// TestSignalEndsTheSession: when ctx ends (SIGINT, SIGTERM), the shell shuts
// its tasks down, a task in an uninterruptible wait too, and the hierarchy
// is unmounted, though the input is still open.
func TestSignalEndsTheSession(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, feed, _, wait := start(t, ctx)
	io.WriteString(feed, "mkdir /jobs\nspawn /jobs reader dwait\n")
	waitFor(t, "the task in cgroup.procs", func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, "jobs", "cgroup.procs"))
		return len(bytes.TrimSpace(data)) > 0
	})
	cancel()
	if err := wait(); err != nil {
		t.Errorf("run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jobs")); !os.IsNotExist(err) {
		t.Errorf("after the context ended %s/jobs is still there (%v): not unmounted", dir, err)
	}
}
