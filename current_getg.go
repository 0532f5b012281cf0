//go:build (amd64 || arm64) && !freezer_nogetg

package freezer

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// This file finds the current goroutine's record of held locks on the
// architectures where the goroutine can be named in one instruction: the
// lock checker's "current". Elsewhere, current_stack.go does it the slow way.

// getg returns the running goroutine's runtime descriptor (the runtime's g,
// the counterpart of the kernel's current task_struct), read from the
// register or thread-local slot where the runtime keeps it. It is unique among
// running goroutines, and the runtime never frees a g, so its address is a
// valid key; but the runtime hands a dead goroutine's g to a new goroutine,
// so a record found by g is checked against the goroutine's id (goidOf).
// Implemented in current_$GOARCH.s.
func getg() unsafe.Pointer

// goidOffset is where the runtime keeps a goroutine's id within its g, or -1
// if it could not be found. The runtime does not export it, and its place
// changes between Go releases, so it is found when the first checker is made
// (initCurrent): the one offset in the first bytes of a g that holds the
// goroutine's id, as its stack trace shows it, for several goroutines. It is
// written once, before any checker exists, and only read after.
var (
	goidOffset  int
	goidFindOne sync.Once
)

func initCurrent() { goidFindOne.Do(func() { goidOffset = findGoidOffset() }) }

// goidScan is how many bytes of a g findGoidOffset looks at: the id has
// always been well within them, and a g is larger.
const goidScan = 256

func findGoidOffset() int {
	const samples = 4
	hits := make([]int, goidScan/8)
	for range samples {
		ch := make(chan []int)
		go func() {
			gp, id := getg(), goid()
			var at []int
			for off := 0; off < goidScan; off += 8 {
				if *(*uint64)(unsafe.Add(gp, off)) == id {
					at = append(at, off)
				}
			}
			ch <- at
		}()
		for _, off := range <-ch {
			hits[off/8]++
		}
	}
	found := -1
	for i, n := range hits {
		if n == samples {
			if found >= 0 {
				return -1 // ambiguous: use the stack trace
			}
			found = 8 * i
		}
	}
	return found
}

// goidOf returns the id of the goroutine whose g is gp, which must be the
// current one. It is exempt from the pointer checks of -race (checkptr),
// which would check on every lock that the offset stays inside the g, as
// findGoidOffset already did once: under the race detector they made the
// checks on a task's own locks cost more than the rest of its wake-up.
//
//go:nocheckptr
func goidOf(gp unsafe.Pointer) uint64 {
	if goidOffset < 0 {
		return goid()
	}
	return *(*uint64)(unsafe.Add(gp, goidOffset))
}

// goroutineRecords maps each g to its gRecord. A lookup takes no lock: it
// reads an open-addressed table of g addresses that is only ever added to,
// and replaced by a larger copy when half full. Adding a g, which happens the
// first time a goroutine on it takes a checked lock, is serialised by mu;
// since g's are reused, the table stays the size of the largest number of
// goroutines that were alive at once.
type goroutineRecords struct {
	tab atomic.Pointer[recordTable]
	mu  sync.Mutex // serialises insertions; outside the checked order
}

// gRecord is the checker's state for one g: the record of the goroutine
// that last took a lock on it. A goroutine reads and writes its record
// without atomics, as only it touches it; a new goroutine on the g makes a
// record of its own and stores it in cur, and that store, with the load of
// cur that every lookup makes, orders the two goroutines' uses of the g for
// the race detector. Apart from adding keys to the table, that store is the
// checker's only atomic write, made once per goroutine: a checked lock and
// unlock adds atomic loads, not writes, to what the race detector tracks,
// which keeps it fast with thousands of goroutines. A gRecord is an object of
// its own, not a slot of the table, so that a cur stored through one
// generation of the table is seen through the next.
type gRecord struct {
	cur atomic.Pointer[heldLocks]
}

// recordTable is one generation of the table. A slot's gRecord is written
// before its key is stored, and read after its key is loaded, so the key
// publishes it: a reader that finds the key finds the gRecord.
type recordTable struct {
	keys  []atomic.Pointer[byte]
	recs  []*gRecord
	shift uint // 64 - log2(len(keys)): the hash keeps the top bits
	used  int  // under goroutineRecords.mu
}

func newRecordTable(log2 uint) *recordTable {
	return &recordTable{
		keys:  make([]atomic.Pointer[byte], 1<<log2),
		recs:  make([]*gRecord, 1<<log2),
		shift: 64 - log2,
	}
}

// slot returns where g's probe sequence starts: a Fibonacci hash, which
// spreads g addresses that differ only in their low and middle bits.
func (t *recordTable) slot(g *byte) uintptr {
	return uintptr(uint64(uintptr(unsafe.Pointer(g))) * 0x9e3779b97f4a7c15 >> t.shift)
}

func (t *recordTable) find(g *byte) *gRecord {
	mask := uintptr(len(t.keys) - 1)
	for i := t.slot(g); ; i = (i + 1) & mask {
		switch t.keys[i].Load() {
		case g:
			return t.recs[i]
		case nil:
			return nil
		}
	}
}

// put adds g's record; the caller holds mu and has checked that g is absent
// and that the table has room.
func (t *recordTable) put(g *byte, r *gRecord) {
	mask := uintptr(len(t.keys) - 1)
	i := t.slot(g)
	for t.keys[i].Load() != nil {
		i = (i + 1) & mask
	}
	t.recs[i] = r
	t.keys[i].Store(g)
	t.used++
}

// find returns the current goroutine's record, or nil if it has none.
func (gr *goroutineRecords) find() *heldLocks {
	gp := getg()
	if t := gr.tab.Load(); t != nil {
		if r := t.find((*byte)(gp)); r != nil {
			if h := r.cur.Load(); h.goid == goidOf(gp) {
				return h
			}
		}
	}
	return nil
}

// current returns the current goroutine's record, making one the first time
// it takes a lock.
func (gr *goroutineRecords) current() *heldLocks {
	gp := getg()
	t := gr.tab.Load()
	if t != nil {
		if r := t.find((*byte)(gp)); r != nil {
			h := r.cur.Load()
			if id := goidOf(gp); h.goid != id {
				h = newHeldLocks(gp) // a new goroutine on a used g
				r.cur.Store(h)
			}
			return h
		}
	}
	gr.mu.Lock()
	defer gr.mu.Unlock()
	if t = gr.tab.Load(); t == nil {
		t = newRecordTable(6)
	} else if t.find((*byte)(gp)) != nil {
		// Only the goroutine running on a g adds it, so this cannot
		// happen; the look costs nothing beside the insertion.
		panic("freezer: lock checker: goroutine added twice")
	}
	if 2*(t.used+1) > len(t.keys) {
		bigger := newRecordTable(64 - t.shift + 1)
		for i := range t.keys {
			if k := t.keys[i].Load(); k != nil {
				bigger.put(k, t.recs[i])
			}
		}
		t = bigger
	}
	h := newHeldLocks(gp)
	r := new(gRecord)
	r.cur.Store(h)
	t.put((*byte)(gp), r)
	gr.tab.Store(t)
	return h
}

// newHeldLocks makes the record of the goroutine running on gp. It checks the
// goroutine id read from the g against the stack trace's, once per goroutine:
// a wrong goidOffset, on a Go release that moved or resized the id, would
// hand goroutines each other's records, and the checker would then raise
// false panics or miss inversions without a word. Failing loudly is better.
func newHeldLocks(gp unsafe.Pointer) *heldLocks {
	id := goidOf(gp)
	if goidOffset >= 0 {
		if want := goid(); id != want {
			panic(fmt.Sprintf("freezer: lock checker: the goroutine id at offset %d of the runtime's g is %d, not %d; build with -tags freezer_nogetg", goidOffset, id, want))
		}
	}
	return &heldLocks{goid: id}
}

// idle is called when the current goroutine holds no lock any more. Its
// record stays with its g until another goroutine takes the g.
func (gr *goroutineRecords) idle(*heldLocks) {}

// adopt returns the current goroutine's record, for a task's goroutine to keep
// (Task.held).
func (gr *goroutineRecords) adopt() *heldLocks { return gr.current() }

// owns reports whether r is the current goroutine's record: whether the
// goroutine that adopted it is the one running. It costs a few instructions.
func (gr *goroutineRecords) owns(r *heldLocks) bool { return r.goid == goidOf(getg()) }
