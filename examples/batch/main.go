// Command batch time-shares the machine between two job groups by freezing
// one while the other runs, the first use the kernel's freezer documentation
// names: "batch job management system which start and stop sets of tasks in
// order to schedule the resources of a machine".
//
// Each group is a cgroup of worker tasks. The scheduler keeps every group
// frozen except the one whose turn it is, and gives the turns by weight:
// group A (weight 3) gets three quanta for each one of group B (weight 1).
// It prints who ran in each quantum, checks that the frozen group did no
// work meanwhile, and prints each group's share of the work.
//
//	go run ./examples/batch
//
// A real scheduler ends a quantum on a timer. This one ends it after a fixed
// number of work units, so that the shares it prints are the same on every
// run: a group's quantum is a budget of units, and when its workers have
// spent it they just pass their safe points until the scheduler freezes the
// group. (The freezer is what stops the group: a spent budget only keeps
// the count exact.)
package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/cgfreezer/freezer"
)

const (
	quantum   = 100 // work units per quantum
	rounds    = 3   // each round gives every group its weight in quanta
	perGroup  = 2   // workers per group
	unitBytes = 256 // the size of one work unit's input
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "batch:", err)
		os.Exit(1)
	}
}

// group is a job group: a cgroup of workers and the work they have done.
type group struct {
	name   string
	weight int
	cg     *freezer.Cgroup

	budget atomic.Int64 // units left in the current quantum
	done   atomic.Int64 // units done, in total
	end    atomic.Pointer[chan struct{}]
}

// take claims one unit of the quantum's budget.
func (g *group) take() bool {
	for {
		n := g.budget.Load()
		if n <= 0 {
			return false
		}
		if g.budget.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// work is a worker task: a safe point before every unit of work.
func (g *group) work(t *freezer.Task) {
	buf := make([]byte, unitBytes)
	sum := uint32(0)
	for {
		t.TryToFreeze()
		if !g.take() {
			// Budget spent: nothing to do until the scheduler freezes
			// this group, which it is about to.
			runtime.Gosched()
			continue
		}
		for i := range buf {
			buf[i] = byte(sum) + byte(i)
		}
		sum = crc32.ChecksumIEEE(buf) // one unit of work
		if g.done.Add(1)%quantum == 0 {
			// The quantum's last unit: tell the scheduler.
			close(*g.end.Load())
		}
	}
}

// run runs the scheduler and writes its report to out. Options (the test
// adds WithLockChecks) go to New.
func run(out io.Writer, opts ...freezer.Option) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	h := freezer.New(opts...)
	defer h.Shutdown(ctx)
	if err := h.Mkdir("/batch"); err != nil {
		return err
	}
	groups := []*group{{name: "A", weight: 3}, {name: "B", weight: 1}}
	for _, g := range groups {
		var err error
		if g.cg, err = mkdir(h, "/batch/"+g.name); err != nil {
			return err
		}
		for i := 0; i < perGroup; i++ {
			if _, err := g.cg.Spawn(fmt.Sprintf("%s%d", g.name, i), g.work); err != nil {
				return err
			}
		}
		// Every group starts frozen; the scheduler thaws one at a time.
		if err := g.cg.FreezeContext(ctx); err != nil {
			return err
		}
	}
	for _, g := range groups {
		fmt.Fprintf(out, "group %s: weight %d, %d workers in %s, frozen\n", g.name, g.weight, perGroup, g.cg.Path())
	}
	fmt.Fprintf(out, "a quantum is %d units of work; the scheduler thaws one group per quantum\n\n", quantum)

	// The schedule: each round, every group gets its weight in quanta.
	var schedule []*group
	for _, g := range groups {
		for i := 0; i < g.weight; i++ {
			schedule = append(schedule, g)
		}
	}

	q := 0
	idleWork := int64(0)
	for round := 1; round <= rounds; round++ {
		for _, g := range schedule {
			q++
			before := make(map[*group]int64)
			for _, o := range groups {
				before[o] = o.done.Load()
			}

			end := make(chan struct{})
			g.end.Store(&end)
			g.budget.Store(quantum)
			if err := g.cg.Thaw(); err != nil {
				return err
			}
			select {
			case <-end:
			case <-ctx.Done():
				return fmt.Errorf("quantum %d: group %s did not finish: %w", q, g.name, ctx.Err())
			}
			if err := g.cg.FreezeContext(ctx); err != nil {
				return err
			}

			line := fmt.Sprintf("quantum %2d: %s runs", q, g.name)
			for _, o := range groups {
				d := o.done.Load() - before[o]
				if o == g {
					line += fmt.Sprintf(", %s +%d", o.name, d)
				} else {
					line += fmt.Sprintf(", %s frozen +%d", o.name, d)
					idleWork += d
				}
			}
			fmt.Fprintln(out, line)
		}
	}

	fmt.Fprintln(out)
	all, weights := int64(0), 0
	for _, g := range groups {
		all += g.done.Load()
		weights += g.weight
	}
	for _, g := range groups {
		n := g.done.Load()
		fmt.Fprintf(out, "group %s: %d units, %d%% of the work (weight %d of %d)\n", g.name, n, n*100/all, g.weight, weights)
	}
	fmt.Fprintf(out, "work done by a group while it was frozen: %d units\n", idleWork)

	if err := h.Shutdown(ctx); err != nil {
		return err
	}
	return nil
}

func mkdir(h *freezer.Hierarchy, path string) (*freezer.Cgroup, error) {
	if err := h.Mkdir(path); err != nil {
		return nil, err
	}
	return h.Lookup(path)
}
