//go:build (amd64 || arm64) && !freezer_nogetg

package freezer

import (
	"sync"
	"testing"
)

// The goroutine id read from the g, at the offset found at start, is the one
// the stack trace shows, on every goroutine: a wrong offset would give
// goroutines on a reused g each other's records.
func TestGoidOffset(t *testing.T) {
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
