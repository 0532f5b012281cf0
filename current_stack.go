//go:build !(amd64 || arm64) || freezer_nogetg

package freezer

import "sync"

// This file finds the current goroutine's record of held locks on the
// architectures without a getg in current_$GOARCH.s. It parses the
// goroutine's id from the first line of its stack trace and looks it up under
// one mutex: correct, but a microsecond or more per acquisition and a global
// lock on the path that current_getg.go keeps free of one. Build with
// -tags freezer_nogetg to use it on any architecture, as CI does to test it.

// goroutineRecords maps goroutine ids to records of held locks. Ids are never
// reused, so a record is dropped as soon as it is empty.
type goroutineRecords struct {
	mu   sync.Mutex // outside the checked order
	recs map[uint64]*heldLocks
}

// find returns the current goroutine's record, or nil if it holds no lock.
func (gr *goroutineRecords) find() *heldLocks {
	id := goid()
	gr.mu.Lock()
	defer gr.mu.Unlock()
	return gr.recs[id]
}

// current returns the current goroutine's record, adding one if need be.
func (gr *goroutineRecords) current() *heldLocks {
	id := goid()
	gr.mu.Lock()
	defer gr.mu.Unlock()
	r := gr.recs[id]
	if r == nil {
		if gr.recs == nil {
			gr.recs = make(map[uint64]*heldLocks)
		}
		r = new(heldLocks)
		gr.recs[id] = r
	}
	return r
}

// idle drops the current goroutine's record once it holds nothing.
func (gr *goroutineRecords) idle(r *heldLocks) {
	id := goid()
	gr.mu.Lock()
	defer gr.mu.Unlock()
	if gr.recs[id] == r && r.mask == 0 {
		delete(gr.recs, id)
	}
}

// initCurrent has nothing to prepare.
func initCurrent() {}

// adopt gives a task's goroutine no record to keep: records here last only
// while their goroutine holds a lock.
func (gr *goroutineRecords) adopt() *heldLocks { return nil }

// owns is never asked: adopt keeps nothing.
func (gr *goroutineRecords) owns(*heldLocks) bool { return false }
