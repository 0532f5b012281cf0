//go:build (amd64 || arm64) && !freezer_nogetg

package freezer

import (
	"sync"
	"testing"
	"unsafe"
)

// The goroutine id read from the g, at the offset found at start, is the one
// the stack trace shows, on every goroutine: a wrong offset would give
// goroutines on a reused g each other's records. An offset not found (-1)
// is still correct, but every lookup then parses a stack trace; the test
// fails so that a Go release that moves the id is noticed.
func TestGoidOffset(t *testing.T) {
	initCurrent()
	if goidOffset < 0 {
		t.Fatal("the goroutine id was not found in the g: every lookup parses a stack trace")
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 100 {
		wg.Go(func() {
			if got, want := goidOf(getg()), goid(); got != want {
				errs <- "goidOf(getg()) differs from the stack trace's id"
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	t.Logf("goid at offset %d of the g", goidOffset)
}

// A goroutine that ends holding a lock leaves its record behind with its g;
// the next goroutine on that g must start with a record of its own, not
// inherit the lock.
func TestLockRecordNotInherited(t *testing.T) {
	lc := newLockChecker()
	reused := 0
	for range 200 {
		dead := make(chan unsafe.Pointer)
		go func() {
			var m mutex
			m.init(classSigLock, lc)
			m.Lock() // and never unlocked
			dead <- getg()
		}()
		gDead := <-dead
		next := make(chan any)
		go func() {
			if getg() == gDead {
				reused++ // read after next is received
			}
			next <- lkPanic(func() {
				var m mutex
				m.init(classCgroupMutex, lc)
				m.Lock()
				//lint:ignore SA2001 only the acquisition's check is under test
				m.Unlock()
			})
		}()
		if v := <-next; v != nil {
			t.Fatalf("a new goroutine inherited a dead one's lock: %v", v)
		}
	}
	if reused == 0 {
		t.Fatal("no goroutine ran on a dead goroutine's g: the test did not test")
	}
	t.Logf("%d of 200 goroutines ran on the g of one that died holding a lock", reused)
}
