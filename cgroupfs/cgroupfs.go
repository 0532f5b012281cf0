// Package cgroupfs serves a [freezer.Hierarchy] as a real filesystem over
// FUSE, so that code written for a cgroupfs, os.WriteFile(dir+"/cgroup.freeze")
// and all, runs unchanged against the simulation, and so does a person with
// echo and cat.
//
// Directories are cgroups: mkdir and rmdir make and remove them, with the
// library's errnos. Files are the hierarchy's control files: a read(2) returns
// what [freezer.Hierarchy.ReadFile] does, and a write(2) is one
// [freezer.Hierarchy.WriteFile], whose errno (EINVAL, ERANGE, E2BIG, EBUSY,
// ENODEV, ...) the write returns. As on a cgroupfs, a file reports size 0 and
// is opened with direct I/O, so that every read sees the state of the moment,
// and an O_TRUNC open is taken and ignored.
//
// One thing a cgroupfs has that this mount does not: change notification.
// go-fuse supports neither poll nor an inotify event for content a server
// changes, so a watcher of cgroup.events over the mount must poll it; in the
// same program, [freezer.Cgroup.WatchEvents] is the way.
package cgroupfs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
	"github.com/cgfreezer/freezer/internal/mountinfo"
	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Server is a mounted hierarchy.
type Server struct {
	srv *fuse.Server
	dir string
}

// Mount mounts h on dir, which must exist, and serves it until Unmount is
// called or ctx ends. It mounts without the fusermount helper, so it needs
// the right to mount (root, or CAP_SYS_ADMIN) and /dev/fuse.
func Mount(ctx context.Context, dir string, h *freezer.Hierarchy) (*Server, error) {
	zero := time.Duration(0)
	srv, err := fs.Mount(dir, &dirNode{h: h, path: "/"}, &fs.Options{
		MountOptions: fuse.MountOptions{
			DirectMountStrict: true,
			// The source names the serving process, so that a mount
			// left behind by one that died can be told (see
			// SweepStale).
			FsName: fmt.Sprintf("%s%d", sourcePrefix, os.Getpid()),
			Name:   "cgroupfs",
		},
		// Every lookup and attribute comes fresh from the hierarchy:
		// cgroups come and go, as a cgroupfs's do.
		EntryTimeout:    &zero,
		AttrTimeout:     &zero,
		NegativeTimeout: &zero,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{srv: srv, dir: dir}
	if ctx.Done() != nil {
		go func() {
			select {
			case <-ctx.Done():
				s.Unmount()
			case <-s.done():
			}
		}()
	}
	return s, nil
}

// done is closed when the server stops serving.
func (s *Server) done() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		s.srv.Wait()
		close(ch)
	}()
	return ch
}

// sourcePrefix starts the source of every mount, "freezer-PID".
const sourcePrefix = "freezer-"

// SweepStale unmounts the mounts of this package whose serving process is
// gone: the kernel aborts a FUSE connection when its server dies, but the
// mount stays, and every access to it fails with ENOTCONN until it is
// unmounted. It returns the mount points it unmounted. It needs the right
// to unmount.
func SweepStale() ([]string, error) {
	mounts, err := mountinfo.Read()
	if err != nil {
		return nil, err
	}
	var swept []string
	for _, m := range mounts {
		rest, ok := strings.CutPrefix(m.Source, sourcePrefix)
		pid, err := strconv.Atoi(rest)
		if m.FSType != "fuse.cgroupfs" || !ok || err != nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); !errors.Is(err, iofs.ErrNotExist) {
			continue
		}
		if err := syscall.Unmount(m.Point, syscall.MNT_DETACH); err == nil {
			swept = append(swept, m.Point)
		}
	}
	return swept, nil
}

// Dir is where the hierarchy is mounted.
func (s *Server) Dir() string { return s.dir }

// Unmount unmounts the hierarchy and waits until the server has stopped. It
// does not shut the hierarchy down. If the mount is busy (a process has its
// working directory there, say), it fails, and the server goes on serving.
func (s *Server) Unmount() error {
	if err := s.srv.Unmount(); err != nil {
		return err
	}
	s.srv.Wait()
	return nil
}

// errnoOf is the errno in a library error; an error without one reads as
// EIO, as a filesystem reports an error it cannot name.
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return syscall.EIO
}

// dirNode is a cgroup, by path.
type dirNode struct {
	fs.Inode
	h    *freezer.Hierarchy
	path string
}

var (
	_ fs.NodeLookuper  = (*dirNode)(nil)
	_ fs.NodeReaddirer = (*dirNode)(nil)
	_ fs.NodeMkdirer   = (*dirNode)(nil)
	_ fs.NodeRmdirer   = (*dirNode)(nil)
	_ fs.NodeGetattrer = (*dirNode)(nil)
)

func (d *dirNode) cgroup() (*freezer.Cgroup, syscall.Errno) {
	c, err := d.h.Lookup(d.path)
	return c, errnoOf(err)
}

// Getattr implements fs.NodeGetattrer.
func (d *dirNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if _, errno := d.cgroup(); errno != 0 {
		return errno
	}
	out.Mode = syscall.S_IFDIR | 0o755
	return 0
}

// Lookup implements fs.NodeLookuper: a child cgroup, or a control file.
func (d *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	c, errno := d.cgroup()
	if errno != 0 {
		return nil, errno
	}
	p := path.Join(d.path, name)
	if _, err := d.h.Lookup(p); err == nil {
		out.Mode = syscall.S_IFDIR | 0o755
		return d.NewInode(ctx, &dirNode{h: d.h, path: p}, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
	}
	if slices.Contains(c.Files(), name) {
		out.Mode = syscall.S_IFREG | 0o644
		return d.NewInode(ctx, &fileNode{h: d.h, path: p}, fs.StableAttr{Mode: syscall.S_IFREG}), 0
	}
	return nil, syscall.ENOENT
}

// Readdir implements fs.NodeReaddirer.
func (d *dirNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	c, errno := d.cgroup()
	if errno != 0 {
		return nil, errno
	}
	var entries []fuse.DirEntry
	for _, name := range c.Files() {
		entries = append(entries, fuse.DirEntry{Name: name, Mode: syscall.S_IFREG})
	}
	for _, child := range c.Children() {
		entries = append(entries, fuse.DirEntry{Name: path.Base(child.Path()), Mode: syscall.S_IFDIR})
	}
	return fs.NewListDirStream(entries), 0
}

// Mkdir implements fs.NodeMkdirer: a new cgroup.
func (d *dirNode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	p := path.Join(d.path, name)
	if err := d.h.Mkdir(p); err != nil {
		return nil, errnoOf(err)
	}
	out.Mode = syscall.S_IFDIR | 0o755
	return d.NewInode(ctx, &dirNode{h: d.h, path: p}, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
}

// Rmdir implements fs.NodeRmdirer: the cgroup goes.
func (d *dirNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	return errnoOf(d.h.Rmdir(path.Join(d.path, name)))
}

// fileNode is a control file, by path.
type fileNode struct {
	fs.Inode
	h    *freezer.Hierarchy
	path string
}

var (
	_ fs.NodeOpener    = (*fileNode)(nil)
	_ fs.NodeReader    = (*fileNode)(nil)
	_ fs.NodeWriter    = (*fileNode)(nil)
	_ fs.NodeGetattrer = (*fileNode)(nil)
	_ fs.NodeSetattrer = (*fileNode)(nil)
)

// Getattr implements fs.NodeGetattrer: size 0, as a cgroupfs file.
func (f *fileNode) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFREG | 0o644
	return 0
}

// Setattr implements fs.NodeSetattrer: an O_TRUNC open arrives as a
// truncation to size 0, which a cgroupfs file takes and ignores.
func (f *fileNode) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFREG | 0o644
	return 0
}

// Open implements fs.NodeOpener with direct I/O: the kernel caches nothing,
// so a read on the same descriptor sees the state of its moment.
func (f *fileNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, fuse.FOPEN_DIRECT_IO, 0
}

// Read implements fs.NodeReader.
func (f *fileNode) Read(ctx context.Context, fh fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	data, err := f.h.ReadFile(f.path)
	if err != nil {
		return nil, errnoOf(err)
	}
	if off >= int64(len(data)) {
		return fuse.ReadResultData(nil), 0
	}
	data = data[off:]
	return fuse.ReadResultData(data[:min(len(data), len(dest))]), 0
}

// Write implements fs.NodeWriter: one write(2), one WriteFile, whatever the
// offset, as a cgroupfs file takes each write whole.
func (f *fileNode) Write(ctx context.Context, fh fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	if err := f.h.WriteFile(f.path, data); err != nil {
		return 0, errnoOf(err)
	}
	return uint32(len(data)), 0
}
