// Command checkpoint takes consistent snapshots of a running computation,
// the use the kernel's freezer documentation gives first: "obtain a
// consistent image of the tasks by attempting to force the tasks in a cgroup
// into a quiescent state".
//
// Four worker tasks move money between the accounts of a shared ledger. A
// transfer is two steps, a debit and then a credit, and in between the money
// is "in flight": the accounts alone do not add up to the total. A worker
// passes a safe point (TryToFreeze) only between transfers, never in the
// middle of one, so whenever every worker is frozen the books balance.
//
// The program first shows that a snapshot taken without the freezer, under
// the ledger's own lock, can catch money in flight. Then it checkpoints:
// freeze the workers' cgroup (FreezeContext), copy the ledger, verify the
// invariant, thaw, and let the workers run on before the next round. Last it
// restores the first checkpoint into the frozen ledger (the restart half of
// checkpoint/restart) and checks that the workers carry on from it.
//
//	go run ./examples/checkpoint
//
// The output is the same on every run: it reports checks, not balances.
package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cgfreezer/freezer"
)

const (
	numAccounts = 8
	numWorkers  = 4
	startEach   = 125 // so the total is 1000
	rounds      = 5
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "checkpoint:", err)
		os.Exit(1)
	}
}

// ledger is the workers' shared state. Its lock keeps two workers from
// updating one account at once; it does not make a transfer atomic, since a
// transfer takes the lock twice.
type ledger struct {
	mu       sync.Mutex
	accounts [numAccounts]int
}

func (l *ledger) total() int {
	n := 0
	for _, a := range l.accounts {
		n += a
	}
	return n
}

// worker is one task's state. inFlight is written only by the worker's own
// task; the checkpoint reads it while the task is frozen.
type worker struct {
	inFlight  int
	transfers atomic.Int64
}

// run is the worker task: for ever, a safe point, then one whole transfer.
func (w *worker) run(t *freezer.Task, l *ledger, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	for {
		// The only safe point: nothing is in flight here. A worker must
		// not call TryToFreeze, Sleep or any other blocking call of the
		// library between the debit and the credit, and must not hold a
		// lock of its own across a safe point: a frozen task holding
		// l.mu would keep every other worker from reaching theirs.
		t.TryToFreeze()

		from, to := rng.IntN(numAccounts), rng.IntN(numAccounts)
		amount := 1 + rng.IntN(20)
		l.mu.Lock()
		if l.accounts[from] < amount || from == to {
			l.mu.Unlock()
			continue
		}
		l.accounts[from] -= amount
		l.mu.Unlock()

		w.inFlight = amount
		runtime.Gosched() // the money is in flight, for a moment

		l.mu.Lock()
		l.accounts[to] += amount
		l.mu.Unlock()
		w.inFlight = 0
		w.transfers.Add(1)
	}
}

// run runs the program and writes its report to out. Options (the test adds
// WithLockChecks) go to New.
func run(out io.Writer, opts ...freezer.Option) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	h := freezer.New(opts...)
	defer h.Shutdown(ctx)
	jobs, err := h.Root().Mkdir("jobs")
	if err != nil {
		return err
	}

	l := &ledger{}
	for i := range l.accounts {
		l.accounts[i] = startEach
	}
	const total = numAccounts * startEach
	workers := make([]*worker, numWorkers)
	for i := range workers {
		w := &worker{}
		workers[i] = w
		if _, err := jobs.Spawn(fmt.Sprintf("worker%d", i), func(t *freezer.Task) { w.run(t, l, uint64(i)) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%d workers move money between %d accounts; the total is %d.\n\n", numWorkers, numAccounts, total)

	// Without the freezer: lock the ledger and add it up, until a snapshot
	// catches a transfer half done.
	fmt.Fprintln(out, "Snapshots under the ledger's lock, the workers running:")
	if err := await(ctx, "an unfrozen snapshot to catch money in flight", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.total() != total
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "  one of them added up to less than %d: it caught money in flight.\n\n", total)

	// With the freezer.
	fmt.Fprintln(out, "Checkpoints with the cgroup frozen:")
	var first [numAccounts]int
	last := make([]int64, numWorkers)
	for round := 1; round <= rounds; round++ {
		// Let every worker make progress since the last checkpoint, so
		// that each round checks a new state.
		if err := awaitProgress(ctx, workers, last); err != nil {
			return err
		}
		// FreezeContext returns once every worker is parked at its safe
		// point; if it could not, it would thaw the cgroup and fail.
		if err := jobs.FreezeContext(ctx); err != nil {
			return err
		}
		// Every worker is parked, so the ledger and the workers' state
		// can be read without the lock: a worker's last write happened
		// before it parked, and the library's synchronisation makes it
		// visible to whoever saw the cgroup FROZEN.
		snap := l.accounts
		inFlight := 0
		for _, w := range workers {
			inFlight += w.inFlight
		}
		parked := 0
		for t := range jobs.Tasks() {
			if t.Frozen() {
				parked++
			}
		}
		if round == 1 {
			first = snap
		}
		sum := 0
		for _, a := range snap {
			sum += a
		}
		fmt.Fprintf(out, "  checkpoint %d: %d of %d workers parked, %d in flight, accounts add up to %d: %s\n",
			round, parked, numWorkers, inFlight, sum, verdict(sum == total && inFlight == 0))
		if err := jobs.Thaw(); err != nil {
			return err
		}
	}

	// Restart from the first checkpoint: freeze, write the saved state
	// back, thaw, and check that the workers carry on from it.
	fmt.Fprintln(out, "\nRestore checkpoint 1 and carry on:")
	if err := jobs.FreezeContext(ctx); err != nil {
		return err
	}
	l.accounts = first
	if err := jobs.Thaw(); err != nil {
		return err
	}
	fmt.Fprintln(out, "  restored with the cgroup frozen; thawed.")
	if err := awaitProgress(ctx, workers, last); err != nil {
		return err
	}
	if err := jobs.FreezeContext(ctx); err != nil {
		return err
	}
	sum := l.total()
	fmt.Fprintf(out, "  after more transfers the accounts add up to %d: %s\n", sum, verdict(sum == total))
	if err := jobs.Thaw(); err != nil {
		return err
	}

	if err := h.Shutdown(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nShut down: every worker killed at its safe point.")
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "consistent"
	}
	return "INCONSISTENT"
}

// awaitProgress waits until every worker has completed a transfer since the
// counts in last, and updates last.
func awaitProgress(ctx context.Context, workers []*worker, last []int64) error {
	for i, w := range workers {
		if err := await(ctx, fmt.Sprintf("worker%d to make progress", i), func() bool {
			return w.transfers.Load() > last[i]
		}); err != nil {
			return err
		}
	}
	for i, w := range workers {
		last[i] = w.transfers.Load()
	}
	return nil
}

// await polls cond until it holds, or fails when ctx ends.
func await(ctx context.Context, what string, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(50 * time.Microsecond):
		}
	}
	return nil
}
