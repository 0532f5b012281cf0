package conformance

import (
	"context"
	"errors"
	"path"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
)

// libraryBase is the cgroup each library hierarchy makes for its scenario,
// standing where the kernel backend's per-scenario cgroup stands.
const libraryBase = "/conformance"

// Library is the backend of the simulation: one hierarchy of the version,
// with lock checks on, and a task of each kind a goroutine.
type Library struct {
	h     *freezer.Hierarchy
	wake  chan struct{} // closed by Wake, ends Uninterruptible waits
	woken sync.Once
}

// NewLibrary mounts a hierarchy of version v for one scenario. Options are
// passed to [freezer.New] after [freezer.WithVersion] and
// [freezer.WithLockChecks].
func NewLibrary(v freezer.Version, opts ...freezer.Option) (*Library, error) {
	h := freezer.New(append([]freezer.Option{freezer.WithVersion(v), freezer.WithLockChecks()}, opts...)...)
	if err := h.Mkdir(libraryBase); err != nil {
		return nil, err
	}
	return &Library{h: h, wake: make(chan struct{})}, nil
}

// Hierarchy is the backend's hierarchy.
func (l *Library) Hierarchy() *freezer.Hierarchy { return l.h }

// Path is the hierarchy's path of a scenario's path p: the backend's
// scenario cgroup holds the scenario's cgroups.
func (l *Library) Path(p string) string { return path.Join(libraryBase, p) }

// Mkdir implements [Backend].
func (l *Library) Mkdir(p string) error { return l.h.Mkdir(l.Path(p)) }

// Rmdir implements [Backend].
func (l *Library) Rmdir(p string) error { return l.h.Rmdir(l.Path(p)) }

// ReadFile implements [Backend].
func (l *Library) ReadFile(p string) ([]byte, error) { return l.h.ReadFile(l.Path(p)) }

// WriteFile implements [Backend].
func (l *Library) WriteFile(p string, data []byte) error { return l.h.WriteFile(l.Path(p), data) }

// Start implements [Backend] as the kernel backend starts a helper: the
// task is spawned in the backend's own cgroup, waits there (interruptibly)
// until it has been attached to cgroup by a write of its PID to
// cgroup.procs, and only then does what its kind does. So a task attached to
// a frozen cgroup freezes in that wait, as a sleeping process does.
func (l *Library) Start(kind Kind, cgroup string) (int, error) {
	fn, err := l.body(kind)
	if err != nil {
		return 0, err
	}
	base, err := l.h.Lookup(libraryBase)
	if err != nil {
		return 0, err
	}
	attached := make(chan struct{})
	t, err := base.Spawn(kind.String(), func(t *freezer.Task) {
		t.Wait(attached)
		fn(t)
	})
	if err != nil {
		return 0, err
	}
	waiting, _ := until(func() (bool, string) { return t.Stat().State == 'S', "" })
	if !waiting {
		t.Kill()
		return 0, errors.New("library backend: a new task did not reach its first wait")
	}
	if err := l.WriteFile(cgroup+"/cgroup.procs", []byte(strconv.Itoa(t.PID()))); err != nil {
		t.Kill()
		return 0, err
	}
	close(attached)
	return t.PID(), nil
}

// never is a channel no one sends on: a wait on it lasts until a signal.
var never = make(chan struct{})

func sleeper(t *freezer.Task) {
	for {
		t.Wait(never)
	}
}

// body is what a task of the kind does.
func (l *Library) body(kind Kind) (func(*freezer.Task), error) {
	switch kind {
	case Sleeper:
		return sleeper, nil
	case Busy:
		return func(t *freezer.Task) {
			for {
				t.TryToFreeze()
				runtime.Gosched()
			}
		}, nil
	case Timer:
		return func(t *freezer.Task) { t.Sleep(TimerSleep) }, nil
	case ForkBomb:
		return func(t *freezer.Task) {
			for range 3 {
				if _, err := t.Fork("child", sleeper); err != nil {
					return
				}
			}
			sleeper(t)
		}, nil
	case ForkLoop:
		return func(t *freezer.Task) {
			for {
				if _, err := t.Fork("child", func(c *freezer.Task) { c.Sleep(TimerSleep / 10) }); err != nil {
					return
				}
				t.Sleep(forkLoopPause)
			}
		}, nil
	case Vfork:
		return func(t *freezer.Task) { _ = t.Vfork("child", sleeper) }, nil
	case SelfFreeze:
		return func(t *freezer.Task) {
			file, freeze, _ := freezeFile(l.h.Version())
			if err := l.h.WriteFile(t.Cgroup().Path()+"/"+file, []byte(freeze)); err != nil {
				return
			}
			sleeper(t)
		}, nil
	case Uninterruptible:
		return func(t *freezer.Task) {
			t.WaitUninterruptible(l.wake)
			sleeper(t)
		}, nil
	}
	return nil, syscall.EINVAL
}

// forkLoopPause is how long a ForkLoop task sleeps between two forks.
const forkLoopPause = 10 * time.Millisecond

// Signal implements [Backend].
func (l *Library) Signal(pid int, sig Signal) error {
	t, ok := l.h.Task(pid)
	if !ok {
		return syscall.ESRCH
	}
	switch sig {
	case Kill:
		t.Kill()
	case Stop:
		t.Stop()
	case Cont:
		t.Continue()
	case Trace:
		t.Trace()
	case Untrace:
		t.Untrace()
	default:
		return syscall.EINVAL
	}
	return nil
}

// Stat implements [Backend].
func (l *Library) Stat(pid int) (byte, bool) {
	t, ok := l.h.Task(pid)
	if !ok {
		return 0, false
	}
	st := t.Stat()
	return st.State, st.State != 'Z' && st.State != 0
}

// Watch implements [Backend] for cgroup.events, the one file the library
// notifies.
func (l *Library) Watch(ctx context.Context, p string) (<-chan struct{}, error) {
	if path.Base(p) != "cgroup.events" {
		return nil, syscall.EINVAL
	}
	c, err := l.h.Lookup(l.Path(path.Dir(p)))
	if err != nil {
		return nil, err
	}
	ch := make(chan struct{}, 1)
	first := true
	next := c.WatchEvents(ctx)
	ready := make(chan struct{})
	go func() {
		for range next {
			if first {
				// The current value, which is not a notification; the
				// watch is set once it has been read.
				first = false
				close(ready)
				continue
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
		if first {
			close(ready)
		}
	}()
	<-ready
	return ch, nil
}

// Wake implements [Backend].
func (l *Library) Wake() error {
	l.woken.Do(func() { close(l.wake) })
	return nil
}

// Close implements [Backend]: it shuts the hierarchy down, ending every
// task. A second Close finds nothing left to end.
func (l *Library) Close() error {
	l.Wake()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.h.Shutdown(ctx); err != nil {
		return errors.Join(errors.New("library backend: shutdown"), err)
	}
	return nil
}
