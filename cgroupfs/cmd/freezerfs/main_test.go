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
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
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
	dir := t.TempDir()
	in, feed := io.Pipe()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), dir, in, &out, false, freezer.WithVersion(freezer.V2), freezer.WithLockChecks())
	}()
	waitFor(t, "the mount", func() bool {
		return strings.Contains(out.String(), "mounted") || len(done) > 0
	})
	if len(done) > 0 {
		t.Skipf("cannot mount FUSE here: %v", <-done)
	}
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
	feed.Close()
	if err := <-done; err != nil {
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
