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
// Each cgroup and file keeps its inode number for as long as the cgroup
// lasts, and a descriptor stays with the cgroup it was opened in: once that
// cgroup is removed, reads and writes through it fail with ENODEV, as on a
// cgroupfs, even if a new cgroup of the same name has been made. What a
// cgroupfs refuses (unlink, create, mknod, link, symlink, rename), this
// mount refuses with the same errno.
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
	"sync"
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

	mu        sync.Mutex
	unmounted bool
}

// Mount mounts h on dir, which must exist, and serves it until Unmount is
// called or ctx ends. It mounts without the fusermount helper, so it needs
// the right to mount (root, or CAP_SYS_ADMIN) and /dev/fuse. Only the user
// who mounts it can use the mount, as a FUSE mount without allow_other.
// When ctx ends it unmounts as Unmount does, and if the mount is busy then
// it goes on serving until Unmount is called.
func Mount(ctx context.Context, dir string, h *freezer.Hierarchy) (*Server, error) {
	zero := time.Duration(0)
	inodes := &inodes{ids: map[inodeKey]uint64{}}
	root := &dirNode{h: h, c: h.Root(), inodes: inodes, ino: inodes.of(h.Root(), "")}
	srv, err := fs.Mount(dir, root, &fs.Options{
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
		RootStableAttr:  &fs.StableAttr{Ino: root.ino},
	})
	if err != nil {
		return nil, err
	}
	s := &Server{srv: srv, dir: dir}
	if ctx.Done() != nil {
		stopped := make(chan struct{})
		go func() {
			srv.Wait()
			close(stopped)
		}()
		go func() {
			select {
			case <-ctx.Done():
				s.Unmount()
			case <-stopped:
			}
		}()
	}
	return s, nil
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
// Once it has worked, it does nothing more; it is safe to call from several
// goroutines, and when ctx ends as well.
func (s *Server) Unmount() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unmounted {
		return nil
	}
	if err := s.srv.Unmount(); err != nil {
		return err
	}
	s.unmounted = true
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

// inodes gives each cgroup, and each file of a cgroup, an inode number of
// its own for as long as the mount lasts, as a cgroupfs's kernfs nodes have.
type inodes struct {
	mu   sync.Mutex
	ids  map[inodeKey]uint64
	next uint64
}

// inodeKey is a cgroup, with the name of one of its files or "" for its
// directory.
type inodeKey struct {
	c    *freezer.Cgroup
	file string
}

func (in *inodes) of(c *freezer.Cgroup, file string) uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	k := inodeKey{c, file}
	id, ok := in.ids[k]
	if !ok {
		in.next++
		id = in.next + 1 // 1 is FUSE's root; ours gets 2
		in.ids[k] = id
	}
	return id
}

// forget drops a removed cgroup's numbers, which no lookup asks for again.
func (in *inodes) forget(c *freezer.Cgroup) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for k := range in.ids {
		if k.c == c {
			delete(in.ids, k)
		}
	}
}

// current reports whether c is still the cgroup at its path: not removed,
// and not replaced by a new one of the same name. A node is the cgroup it
// was looked up in, not its path.
func current(h *freezer.Hierarchy, c *freezer.Cgroup) bool {
	now, err := h.Lookup(c.Path())
	return err == nil && now == c
}

// dirNode is a cgroup.
type dirNode struct {
	fs.Inode
	h      *freezer.Hierarchy
	c      *freezer.Cgroup
	inodes *inodes
	ino    uint64
}

var (
	_ fs.NodeLookuper  = (*dirNode)(nil)
	_ fs.NodeReaddirer = (*dirNode)(nil)
	_ fs.NodeMkdirer   = (*dirNode)(nil)
	_ fs.NodeRmdirer   = (*dirNode)(nil)
	_ fs.NodeGetattrer = (*dirNode)(nil)
	_ fs.NodeUnlinker  = (*dirNode)(nil)
	_ fs.NodeCreater   = (*dirNode)(nil)
	_ fs.NodeMknoder   = (*dirNode)(nil)
	_ fs.NodeSymlinker = (*dirNode)(nil)
	_ fs.NodeLinker    = (*dirNode)(nil)
	_ fs.NodeRenamer   = (*dirNode)(nil)
)

func (d *dirNode) dirAttr(out *fuse.Attr) {
	out.Mode = syscall.S_IFDIR | 0o755
	out.Nlink = 2
	out.Ino = d.ino
}

// Getattr implements fs.NodeGetattrer. A removed cgroup's directory still
// has its attributes, for a descriptor open on it.
func (d *dirNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.dirAttr(&out.Attr)
	return 0
}

// Lookup implements fs.NodeLookuper: a child cgroup, or a control file.
// Nothing is found in a removed cgroup.
func (d *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if !current(d.h, d.c) {
		return nil, syscall.ENOENT
	}
	if c, err := d.h.Lookup(path.Join(d.c.Path(), name)); err == nil {
		return d.child(ctx, c, out), 0
	}
	if slices.Contains(d.c.Files(), name) {
		f := &fileNode{h: d.h, c: d.c, name: name, ino: d.inodes.of(d.c, name)}
		f.fileAttr(&out.Attr)
		return d.NewInode(ctx, f, fs.StableAttr{Mode: syscall.S_IFREG, Ino: out.Ino}), 0
	}
	return nil, syscall.ENOENT
}

func (d *dirNode) child(ctx context.Context, c *freezer.Cgroup, out *fuse.EntryOut) *fs.Inode {
	child := &dirNode{h: d.h, c: c, inodes: d.inodes, ino: d.inodes.of(c, "")}
	child.dirAttr(&out.Attr)
	return d.NewInode(ctx, child, fs.StableAttr{Mode: syscall.S_IFDIR, Ino: out.Ino})
}

// Readdir implements fs.NodeReaddirer.
func (d *dirNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	if !current(d.h, d.c) {
		return nil, syscall.ENOENT
	}
	var entries []fuse.DirEntry
	for _, name := range d.c.Files() {
		entries = append(entries, fuse.DirEntry{Name: name, Mode: syscall.S_IFREG, Ino: d.inodes.of(d.c, name)})
	}
	for _, child := range d.c.Children() {
		entries = append(entries, fuse.DirEntry{Name: path.Base(child.Path()), Mode: syscall.S_IFDIR, Ino: d.inodes.of(child, "")})
	}
	return fs.NewListDirStream(entries), 0
}

// Mkdir implements fs.NodeMkdirer: a new cgroup.
func (d *dirNode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if !current(d.h, d.c) {
		return nil, syscall.ENOENT
	}
	p := path.Join(d.c.Path(), name)
	if err := d.h.Mkdir(p); err != nil {
		return nil, errnoOf(err)
	}
	c, err := d.h.Lookup(p)
	if err != nil {
		return nil, errnoOf(err)
	}
	return d.child(ctx, c, out), 0
}

// Rmdir implements fs.NodeRmdirer: the cgroup goes, and its inode
// numbers with it.
func (d *dirNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	if !current(d.h, d.c) {
		return syscall.ENOENT
	}
	p := path.Join(d.c.Path(), name)
	c, _ := d.h.Lookup(p)
	if err := d.h.Rmdir(p); err != nil {
		return errnoOf(err)
	}
	d.inodes.forget(c)
	return 0
}

// What a cgroupfs refuses, with the errnos Linux 6.18 gives: its files
// cannot be removed, made, linked or renamed.

// Unlink implements fs.NodeUnlinker.
func (d *dirNode) Unlink(ctx context.Context, name string) syscall.Errno { return syscall.EPERM }

// Create implements fs.NodeCreater.
func (d *dirNode) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EACCES
}

// Mknod implements fs.NodeMknoder.
func (d *dirNode) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	return nil, syscall.EACCES
}

// Symlink implements fs.NodeSymlinker.
func (d *dirNode) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

// Link implements fs.NodeLinker.
func (d *dirNode) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

// Rename implements fs.NodeRenamer.
func (d *dirNode) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return syscall.EPERM
}

// fileNode is a control file of a cgroup.
type fileNode struct {
	fs.Inode
	h    *freezer.Hierarchy
	c    *freezer.Cgroup
	name string
	ino  uint64
}

var (
	_ fs.NodeOpener    = (*fileNode)(nil)
	_ fs.NodeReader    = (*fileNode)(nil)
	_ fs.NodeWriter    = (*fileNode)(nil)
	_ fs.NodeGetattrer = (*fileNode)(nil)
	_ fs.NodeSetattrer = (*fileNode)(nil)
)

// fileAttr is a cgroupfs file's: size 0. Every file shows 0644: the
// library does not say which of them can be read or written, and as on a
// cgroupfs a read or write that the file does not take fails with EINVAL.
func (f *fileNode) fileAttr(out *fuse.Attr) {
	out.Mode = syscall.S_IFREG | 0o644
	out.Nlink = 1
	out.Ino = f.ino
}

// Getattr implements fs.NodeGetattrer.
func (f *fileNode) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.fileAttr(&out.Attr)
	return 0
}

// Setattr implements fs.NodeSetattrer: an O_TRUNC open arrives as a
// truncation to size 0, which a cgroupfs file takes and ignores.
func (f *fileNode) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	f.fileAttr(&out.Attr)
	return 0
}

// Open implements fs.NodeOpener with direct I/O: the kernel caches nothing,
// so a read on the same descriptor sees the state of its moment.
func (f *fileNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if !current(f.h, f.c) {
		return nil, 0, syscall.ENOENT
	}
	return nil, fuse.FOPEN_DIRECT_IO, 0
}

// path is the file's path, or ENODEV once its cgroup is gone.
func (f *fileNode) path() (string, syscall.Errno) {
	if !current(f.h, f.c) {
		return "", syscall.ENODEV
	}
	return path.Join(f.c.Path(), f.name), 0
}

// Read implements fs.NodeReader.
func (f *fileNode) Read(ctx context.Context, fh fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	p, errno := f.path()
	if errno != 0 {
		return nil, errno
	}
	data, err := f.h.ReadFile(p)
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
	p, errno := f.path()
	if errno != 0 {
		return 0, errno
	}
	if err := f.h.WriteFile(p, data); err != nil {
		return 0, errnoOf(err)
	}
	return uint32(len(data)), 0
}
