package freezer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lkHierarchy mounts a checked hierarchy with one cgroup "/lk" and shuts it
// down when the test ends. The internal tests cannot use helpers_test.go,
// which belongs to the external test package.
func lkHierarchy(t *testing.T) (*Hierarchy, *Cgroup) {
	t.Helper()
	h := New(WithLockChecks())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	c, err := h.Root().Mkdir("lk")
	if err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	return h, c
}

// lkPanic runs f and returns the value it panicked with, or nil.
func lkPanic(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// lkWantOrderPanic checks that f panicked with a *LockOrderError naming want.
func lkWantOrderPanic(t *testing.T, what string, f func(), want LockOrderError) {
	t.Helper()
	v := lkPanic(f)
	e, ok := v.(*LockOrderError)
	if !ok {
		t.Fatalf("%s: panic value %#v, want *LockOrderError", what, v)
	}
	if diff := cmp.Diff(want, *e); diff != "" {
		t.Errorf("%s: LockOrderError (-want +got):\n%s", what, diff)
	}
	msg := e.Error()
	if !strings.Contains(msg, want.Acquiring) || !strings.Contains(msg, want.Holding) {
		t.Errorf("%s: message %q does not name both %q and %q", what, msg, want.Acquiring, want.Holding)
	}
}

// lkAssertNothingHeld checks that the checker has no lock recorded for the
// calling goroutine: a recovered inversion leaves no stale entry behind.
func lkAssertNothingHeld(t *testing.T, h *Hierarchy) {
	t.Helper()
	if c, ok := h.chk.holding(); ok {
		t.Errorf("checker still records %s as held", c)
	}
}

// The patch's "Locking and lock ordering" comment, checked as lockdep would:
// an acquisition against the declared order panics naming both locks.
func TestLockOrderInversionPanics(t *testing.T) {
	h, c := lkHierarchy(t)
	fz := css(c)
	tk := newTask(h, "lk-task", nil) // never started: its locks are enough

	t.Run("cgroup_mutex under freezer->lock", func(t *testing.T) {
		fz.lock.Lock()
		lkWantOrderPanic(t, "cgroup_mutex after freezer->lock", func() { h.cgroupMutex.Lock() },
			LockOrderError{Acquiring: "cgroup_mutex", Holding: "freezer->lock"})
		fz.lock.Unlock()
		lkAssertNothingHeld(t, h)
	})

	t.Run("css_set_lock under task_lock", func(t *testing.T) {
		tk.lockTask()
		lkWantOrderPanic(t, "css_set_lock (write) after task_lock", func() { h.cssSetLock.Lock() },
			LockOrderError{Acquiring: "css_set_lock", Holding: "task_lock"})
		lkWantOrderPanic(t, "css_set_lock (read) after task_lock", func() { h.cssSetLock.RLock() },
			LockOrderError{Acquiring: "css_set_lock", Holding: "task_lock"})
		tk.unlockTask()
		lkAssertNothingHeld(t, h)
	})

	t.Run("task_lock under siglock", func(t *testing.T) {
		tk.lockSig()
		lkWantOrderPanic(t, "task_lock after siglock", func() { tk.lockTask() },
			LockOrderError{Acquiring: "task_lock", Holding: "siglock"})
		tk.unlockSig()
		lkAssertNothingHeld(t, h)
	})

	t.Run("same class twice", func(t *testing.T) {
		// Two locks of one class nest only if the order allows it, and the
		// declared order does not: all task_locks are one class.
		other := newTask(h, "lk-other", nil)
		tk.lockTask()
		lkWantOrderPanic(t, "second task_lock", func() { other.lockTask() },
			LockOrderError{Acquiring: "task_lock", Holding: "task_lock"})
		tk.unlockTask()
		lkAssertNothingHeld(t, h)
	})

	t.Run("declared order", func(t *testing.T) {
		if v := lkPanic(func() {
			h.cgroupMutex.Lock()
			fz.lock.Lock()
			h.cssSetLock.RLock()
			tk.lockTask()
			tk.lockSig()
			tk.unlockSig()
			tk.unlockTask()
			h.cssSetLock.RUnlock()
			fz.lock.Unlock()
			h.cgroupMutex.Unlock()
		}); v != nil {
			t.Fatalf("acquiring in the declared order panicked: %v", v)
		}
		// Skipping classes is fine too, as is taking a lock again after
		// releasing it.
		if v := lkPanic(func() {
			h.cgroupMutex.Lock()
			tk.lockSig()
			tk.unlockSig()
			tk.lockTask()
			tk.unlockTask()
			h.cgroupMutex.Unlock()
		}); v != nil {
			t.Fatalf("acquiring a subsequence of the order panicked: %v", v)
		}
		lkAssertNothingHeld(t, h)
	})

	t.Run("per goroutine", func(t *testing.T) {
		// Locks held by one goroutine do not constrain another.
		tk.lockSig()
		done := make(chan any)
		go func() {
			done <- lkPanic(func() {
				h.cgroupMutex.Lock()
				//lint:ignore SA2001 only the acquisition order is under test
				h.cgroupMutex.Unlock()
			})
		}()
		v := <-done
		tk.unlockSig()
		if v != nil {
			t.Fatalf("cgroup_mutex in another goroutine panicked: %v", v)
		}
	})

	t.Run("hierarchy still works", func(t *testing.T) {
		if err := c.Freeze(); err != nil {
			t.Fatalf("Freeze after recovered inversions: %v", err)
		}
		if err := c.Thaw(); err != nil {
			t.Fatalf("Thaw after recovered inversions: %v", err)
		}
	})
}

// The order is declared once, in the patch's order, outermost first.
func TestLockOrderDeclared(t *testing.T) {
	want := []string{"cgroup_mutex", "freezer_mutex", "freezer->lock", "css_set_lock", "task_lock", "siglock"}
	if diff := cmp.Diff(want, lockClassNames[:]); diff != "" {
		t.Errorf("lockClassNames (-want +got):\n%s", diff)
	}
	classes := []lockClass{classCgroupMutex, classFreezerMutex, classFreezerLock, classCSSSetLock, classTaskLock, classSigLock}
	var got []string
	for i, c := range classes {
		if int(c) != i {
			t.Errorf("class %s has rank %d, want %d", c, c, i)
		}
		got = append(got, c.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("class names (-want +got):\n%s", diff)
	}
	if numLockClasses != lockClass(len(want)) {
		t.Errorf("numLockClasses = %d, want %d", numLockClasses, len(want))
	}

	// Each version's order, with the kernel's names.
	wantOrders := map[Version][]string{
		Patch2008: {"cgroup_mutex", "freezer->lock", "css_set_lock", "task_lock", "siglock"},
		V1:        {"cgroup_mutex", "freezer_mutex", "css_set_lock", "task_lock", "siglock"},
		V2:        {"cgroup_mutex", "css_set_lock", "task_lock", "siglock"},
	}
	for v, order := range lockOrders {
		var names []string
		for _, c := range order {
			names = append(names, c.String())
		}
		if diff := cmp.Diff(wantOrders[Version(v)], names); diff != "" {
			t.Errorf("%v lock order (-want +got):\n%s", Version(v), diff)
		}
	}

	// Each lock of the library is of the class its kernel counterpart is.
	h := New(WithLockChecks())
	defer h.Shutdown(context.Background())
	c, err := h.Root().Mkdir("lk")
	if err != nil {
		t.Fatal(err)
	}
	tk := newTask(h, "lk", nil)
	// A task's locks have no class field: read the class the checker
	// records while each is held.
	tk.lockTask()
	taskClass, _ := h.chk.holding()
	tk.lockSig()
	sigClass, _ := h.chk.holding()
	tk.unlock()
	gotLocks := map[string]lockClass{
		"cgroup_mutex":  h.cgroupMutex.class,
		"freezer->lock": css(c).lock.class,
		"css_set_lock":  h.cssSetLock.class,
		"task_lock":     taskClass,
		"siglock":       sigClass,
	}
	for name, cl := range gotLocks {
		if cl.String() != name {
			t.Errorf("lock %s has class %s", name, cl)
		}
	}
}

// No task parks holding a library lock: with checks on, every park and wait
// asserts that the goroutine holds none.
func TestNoParkWhileLocked(t *testing.T) {
	h, _ := lkHierarchy(t)
	tk := newTask(h, "lk-park", nil)

	if v := lkPanic(func() { h.chk.assertUnlocked("park") }); v != nil {
		t.Fatalf("assertUnlocked with nothing held panicked: %v", v)
	}

	lkWantParkPanic := func(what, where string, f func()) {
		t.Helper()
		h.cgroupMutex.Lock()
		v := lkPanic(f)
		h.cgroupMutex.Unlock()
		s, ok := v.(string)
		if !ok {
			t.Fatalf("%s: panic value %#v, want a string", what, v)
		}
		if !strings.Contains(s, where) || !strings.Contains(s, "cgroup_mutex") {
			t.Errorf("%s: panic %q does not name %q and cgroup_mutex", what, s, where)
		}
	}
	lkWantParkPanic("assertUnlocked", "park", func() { h.chk.assertUnlocked("park") })
	// The checks are wired into the park and wait paths themselves; both
	// panic before they block.
	lkWantParkPanic("parkWhileLocked", "park", func() {
		tk.lock() // parkWhileLocked drops the task's locks before it parks
		tk.parkWhileLocked(func() bool { return true })
	})
	lkWantParkPanic("enterWait", "wait", func() { tk.enterWait(runSleep) })
	lkAssertNothingHeld(t, h)

	// The innermost lock held is the one named.
	tk.lockTask()
	tk.lockSig()
	v := lkPanic(func() { h.chk.assertUnlocked("park") })
	tk.unlockSig()
	tk.unlockTask()
	if s, _ := v.(string); !strings.Contains(s, "siglock") {
		t.Errorf("panic %#v does not name siglock", v)
	}
}

// The checker keeps one record per goroutine, found without a lock: with a
// thousand goroutines holding locks at once, each sees only its own; and an
// inversion, while 500 sleeping tasks and 8 goroutines take their locks in
// order, still panics naming both locks.
func TestLockOrderInversionUnderLoad(t *testing.T) {
	h, c := lkHierarchy(t)
	for range 500 {
		if _, err := c.Spawn("lk-sleeper", func(tk *Task) {
			for {
				tk.Sleep(time.Millisecond)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}

	// Every goroutine holds a lock of its own class while all the others
	// hold theirs; then each checks what the checker says it holds.
	const holders = 1000
	classes := []lockClass{classCgroupMutex, classFreezerLock, classCSSSetLock, classTaskLock, classSigLock}
	all := make(chan struct{})
	var ready, checked sync.WaitGroup
	errs := make(chan string, holders)
	ready.Add(holders)
	checked.Add(holders)
	for i := range holders {
		go func() {
			defer checked.Done()
			cl := classes[i%len(classes)]
			var m mutex // a lock of its own, so the holders do not wait on each other
			m.init(cl, h.chk)
			m.Lock()
			ready.Done()
			<-all
			if got, ok := h.chk.holding(); !ok || got != cl {
				errs <- fmt.Sprintf("goroutine %d holds %s, but the checker says %v (%v)", i, cl, got, ok)
			}
			m.Unlock()
			if got, ok := h.chk.holding(); ok {
				errs <- fmt.Sprintf("goroutine %d released %s, but the checker says it holds %s", i, cl, got)
			}
		}()
	}
	ready.Wait()
	close(all)
	checked.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	// Now invert under load: goroutines take the whole order again and
	// again while one takes css_set_lock under a task's siglock.
	stop := make(chan struct{})
	var inOrder sync.WaitGroup
	panics := make(chan any, 8)
	for range 8 {
		inOrder.Add(1)
		go func() {
			defer inOrder.Done()
			tk := newTask(h, "lk-order", nil)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if v := lkPanic(func() {
					h.cgroupMutex.Lock()
					css(c).lock.Lock()
					h.cssSetLock.RLock()
					tk.lock()
					tk.unlock()
					h.cssSetLock.RUnlock()
					css(c).lock.Unlock()
					h.cgroupMutex.Unlock()
				}); v != nil {
					panics <- v
					return
				}
				if cl, ok := h.chk.holding(); ok {
					panics <- "after releasing every lock, the checker says " + cl.String() + " is held"
					return
				}
			}
		}()
	}
	tk := newTask(h, "lk-inverter", nil)
	for i := range 100 {
		done := make(chan any)
		go func() {
			tk.lockSig()
			defer tk.unlockSig()
			done <- lkPanic(func() { h.cssSetLock.Lock() })
		}()
		v := <-done
		e, ok := v.(*LockOrderError)
		if !ok || *e != (LockOrderError{Acquiring: "css_set_lock", Holding: "siglock"}) {
			t.Fatalf("inversion %d: panic %#v, want css_set_lock while holding siglock", i, v)
		}
	}
	close(stop)
	inOrder.Wait()
	close(panics)
	for v := range panics {
		t.Errorf("a goroutine taking the locks in order: %v", v)
	}
}

// BenchmarkLockCheck is one uncontended acquisition and release of a checked
// lock; "parallel" runs it on every core at once, each goroutine with a lock
// of its own, and reports the time per operation of all of them together.
// The baseline is the same lock unchecked.
func BenchmarkLockCheck(b *testing.B) { benchLock(b, newLockChecker()) }

// BenchmarkLockCheckBaseline is BenchmarkLockCheck without a checker.
func BenchmarkLockCheckBaseline(b *testing.B) { benchLock(b, nil) }

func benchLock(b *testing.B, lc *lockChecker) {
	b.Run("serial", func(b *testing.B) {
		var m mutex
		m.init(classTaskLock, lc)
		for b.Loop() {
			m.Lock()
			//lint:ignore SA2001 the acquisition and release are what is measured
			m.Unlock()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			var m mutex
			m.init(classTaskLock, lc)
			for pb.Next() {
				m.Lock()
				//lint:ignore SA2001 the acquisition and release are what is measured
				m.Unlock()
			}
		})
	})
}

// Each hierarchy is checked against its own version's order: a lock that
// belongs to another kernel's freezer panics by name, and the version's own
// locks, in its order, do not. The library's paths keep to their version's
// order too: freezing, reading and thawing a cgroup of each version under
// checks takes only its own locks.
func TestLockOrderPerVersion(t *testing.T) {
	for v := range lockOrders {
		t.Run(Version(v).String(), func(t *testing.T) {
			h := New(WithLockChecks(), WithVersion(Version(v)))
			defer h.Shutdown(context.Background())
			declared := map[lockClass]bool{}
			for _, c := range lockOrders[v] {
				declared[c] = true
			}
			var mu sync.Mutex
			for c := lockClass(0); c < numLockClasses; c++ {
				if declared[c] {
					if p := lkPanic(func() { lockAs(h.chk, &mu, c); unlockAs(h.chk, &mu, c) }); p != nil {
						t.Errorf("%s in its own order panicked: %v", c, p)
					}
					continue
				}
				p := lkPanic(func() { lockAs(h.chk, &mu, c) })
				e, ok := p.(*LockOrderError)
				if !ok {
					t.Errorf("%s, not in the %v order: panic %#v, want *LockOrderError", c, Version(v), p)
					continue
				}
				want := LockOrderError{Acquiring: c.String(), Version: Version(v).String()}
				if diff := cmp.Diff(want, *e); diff != "" {
					t.Errorf("LockOrderError (-want +got):\n%s", diff)
				}
				if msg := e.Error(); !strings.Contains(msg, c.String()) || !strings.Contains(msg, Version(v).String()) {
					t.Errorf("message %q names neither the lock nor the version", msg)
				}
			}
			lkAssertNothingHeld(t, h)

			c, err := h.Root().Mkdir("lk")
			if err != nil {
				t.Fatal(err)
			}
			tk, err := c.Spawn("s", func(t *Task) { t.Sleep(time.Hour) })
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Freeze(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.WaitFrozen(ctx); err != nil {
				t.Fatal(err)
			}
			_ = h.Snapshot()
			if err := c.Thaw(); err != nil {
				t.Fatal(err)
			}
			tk.Kill()
			<-tk.Done()
		})
	}
}
