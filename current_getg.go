//go:build (amd64 || arm64) && !freezer_nogetg

package freezer

import (
	"sync"
	"sync/atomic"
)

// This file finds the current goroutine's record of held locks on the
// architectures where the goroutine can be named in one instruction: the
// lock checker's "current". Elsewhere, current_stack.go does it the slow way.

// getg returns the address of the running goroutine's runtime descriptor (the
// runtime's g, the counterpart of the kernel's current task_struct), read from
// the register or thread-local slot where the runtime keeps it. It is unique
// among running goroutines; the runtime reuses a dead goroutine's g for a new
// one, which is harmless here because a goroutine that holds no lock leaves a
// record with nothing in it. The runtime never frees a g, so the address stays
// a valid key. Implemented in current_$GOARCH.s.
func getg() uintptr

// goroutineRecords maps each goroutine to its record of held locks. A lookup
// takes no lock: it reads an open-addressed table of g addresses that is only
// ever added to, and replaced by a larger copy when half full. Adding a
// goroutine, which happens the first time a g takes a checked lock, is
// serialised by mu; since g's are reused, the table stays the size of the
// largest number of goroutines that were alive at once.
type goroutineRecords struct {
	tab atomic.Pointer[recordTable]
	mu  sync.Mutex // serialises insertions; outside the checked order
}

// recordTable is one generation of the table. A slot's record is written
// before its key is stored, and read after its key is loaded, so the key
// publishes the record: a reader that finds the key finds the record.
type recordTable struct {
	keys  []atomic.Uintptr
	recs  []*heldLocks
	shift uint // 64 - log2(len(keys)): the hash keeps the top bits
	used  int  // under goroutineRecords.mu
}

func newRecordTable(log2 uint) *recordTable {
	return &recordTable{
		keys:  make([]atomic.Uintptr, 1<<log2),
		recs:  make([]*heldLocks, 1<<log2),
		shift: 64 - log2,
	}
}

// slot returns where g's probe sequence starts: a Fibonacci hash, which
// spreads g addresses that differ only in their low and middle bits.
func (t *recordTable) slot(g uintptr) uintptr {
	return uintptr(uint64(g) * 0x9e3779b97f4a7c15 >> t.shift)
}

func (t *recordTable) find(g uintptr) *heldLocks {
	mask := uintptr(len(t.keys) - 1)
	for i := t.slot(g); ; i = (i + 1) & mask {
		switch t.keys[i].Load() {
		case g:
			return t.recs[i]
		case 0:
			return nil
		}
	}
}

// put adds g's record; the caller holds mu and has checked that g is absent
// and that the table has room.
func (t *recordTable) put(g uintptr, r *heldLocks) {
	mask := uintptr(len(t.keys) - 1)
	i := t.slot(g)
	for t.keys[i].Load() != 0 {
		i = (i + 1) & mask
	}
	t.recs[i] = r
	t.keys[i].Store(g)
	t.used++
}

// find returns the current goroutine's record, or nil if it has never taken a
// checked lock.
func (gr *goroutineRecords) find() *heldLocks {
	if t := gr.tab.Load(); t != nil {
		return t.find(getg())
	}
	return nil
}

// current returns the current goroutine's record, adding one the first time.
func (gr *goroutineRecords) current() *heldLocks {
	g := getg()
	if t := gr.tab.Load(); t != nil {
		if r := t.find(g); r != nil {
			return r
		}
	}
	gr.mu.Lock()
	defer gr.mu.Unlock()
	t := gr.tab.Load()
	if t == nil {
		t = newRecordTable(6)
	} else if r := t.find(g); r != nil {
		return r
	}
	if 2*(t.used+1) > len(t.keys) {
		bigger := newRecordTable(64 - t.shift + 1)
		for i := range t.keys {
			if k := t.keys[i].Load(); k != 0 {
				bigger.put(k, t.recs[i])
			}
		}
		t = bigger
	}
	r := new(heldLocks)
	t.put(g, r)
	gr.tab.Store(t)
	return r
}

// idle is called when the current goroutine's record has become empty. A
// record here stays with its g, to be reused by the g's next goroutine.
func (gr *goroutineRecords) idle(*heldLocks) {}
