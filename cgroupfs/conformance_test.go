package cgroupfs_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cgfreezer/freezer/cgroupfs"
	"github.com/cgfreezer/freezer/conformance"
	"github.com/google/go-cmp/cmp"
)

// mountBackend is the conformance suite's library backend with its files
// reached through a mount of its hierarchy: the scenarios' mkdir, rmdir,
// reads and writes are real system calls on the mount, while its tasks
// stay the library's simulated ones. Notifications come from the library
// too: over FUSE a change of cgroup.events raises no inotify event.
type mountBackend struct {
	*conformance.Library
	srv *cgroupfs.Server
}

func (m *mountBackend) file(p string) string {
	return filepath.Join(m.srv.Dir(), m.Library.Path(p))
}

func (m *mountBackend) Mkdir(p string) error { return os.Mkdir(m.file(p), 0o755) }

func (m *mountBackend) Rmdir(p string) error {
	if err := syscall.Rmdir(m.file(p)); err != nil {
		return &fs.PathError{Op: "rmdir", Path: m.file(p), Err: err}
	}
	return nil
}

func (m *mountBackend) ReadFile(p string) ([]byte, error) { return os.ReadFile(m.file(p)) }

// WriteFile is one write(2), as a cgroupfs takes a value.
func (m *mountBackend) WriteFile(p string, data []byte) error {
	f, err := os.OpenFile(m.file(p), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	if err := sc.Write(func(fd uintptr) bool {
		_, werr = syscall.Write(int(fd), data)
		return true
	}); err != nil {
		return err
	}
	if werr != nil {
		return &fs.PathError{Op: "write", Path: m.file(p), Err: werr}
	}
	return nil
}

// Close unmounts, then closes the library backend.
func (m *mountBackend) Close() error {
	err := m.srv.Unmount()
	if cerr := m.Library.Close(); err == nil {
		err = cerr
	}
	return err
}

// TestConformanceThroughTheMount runs every conformance scenario with its
// files reached through the mount, and compares each transcript with the
// kernel's, as recorded by the conformance suite: the mount must answer as
// Linux 6.18 does, errnos and all.
func TestConformanceThroughTheMount(t *testing.T) {
	f, err := os.Open("../conformance/testdata/linux.txt")
	if err != nil {
		t.Fatal(err)
	}
	kernel, err := conformance.ReadTranscripts(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range conformance.All() {
		for _, v := range sc.Versions {
			t.Run(conformance.Key(sc, v), func(t *testing.T) {
				lib, err := conformance.NewLibrary(v)
				if err != nil {
					t.Fatal(err)
				}
				srv, err := cgroupfs.Mount(context.Background(), t.TempDir(), lib.Hierarchy())
				if err != nil {
					lib.Close()
					t.Skipf("cannot mount FUSE here: %v", err)
				}
				got, err := conformance.Run(sc, v, &mountBackend{Library: lib, srv: srv})
				if err != nil {
					t.Fatal(err)
				}
				want, ok := kernel[conformance.Key(sc, v)]
				if !ok {
					t.Fatalf("no recorded kernel transcript for %s", conformance.Key(sc, v))
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("through the mount (-kernel +mount):\n%s", diff)
				}
			})
		}
	}
}
