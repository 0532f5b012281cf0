package freezer_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cgfreezer/freezer"
)

// This file shows that the library works inside testing/synctest bubbles:
// frozen tasks park on channels, so synctest.Wait sees them as durably
// blocked, and Sleep runs on the bubble's fake clock, so timings are exact.
// Every private name here starts with "sy".

// syNew mounts a checked hierarchy inside the current bubble and makes a
// cgroup for each name. The caller must call syShutdown before the bubble
// function returns.
func syNew(t *testing.T, names ...string) (*freezer.Hierarchy, []*freezer.Cgroup) {
	t.Helper()
	h := freezer.New(freezer.WithLockChecks())
	var cs []*freezer.Cgroup
	for _, n := range names {
		c, err := h.Root().Mkdir(n)
		if err != nil {
			t.Fatalf("Mkdir(%q): %v", n, err)
		}
		cs = append(cs, c)
	}
	return h, cs
}

// TestSynctestFrozenTasksDurablyBlocked: a cgroup with a sleeper, a channel
// waiter, a task in its own select on Interrupt, and a busy loop that only
// calls TryToFreeze. While the busy task runs, the bubble is not idle; after
// Freeze, synctest.Wait returns, which it does only once every task is
// durably blocked, and every task reports Frozen. A day of fake time then
// passes without any task running.
func TestSynctestFrozenTasksDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, cs := syNew(t, "jobs")
		defer shutdown(t, h)
		c := cs[0]
		start := time.Now()

		never := make(chan struct{}) // nobody sends: the waiters' channel; Kill wakes them
		var spins atomic.Int64
		tasks := []*freezer.Task{
			spawn(t, c, "sleeper", sleeper),
			spawn(t, c, "waiter", func(tk *freezer.Task) {
				for {
					tk.Wait(never)
				}
			}),
			spawn(t, c, "selector", func(tk *freezer.Task) {
				for {
					select {
					case <-never:
					case <-tk.Interrupt():
						tk.TryToFreeze()
					}
				}
			}),
		}
		synctest.Wait() // the three are blocked: S, S, and R in its own select
		for _, tk := range tasks[:2] {
			if st := tk.Stat(); st.State != 'S' || st.Frozen {
				t.Fatalf("before the freeze: %+v, want S and not frozen", st)
			}
		}

		started := make(chan struct{})
		var once sync.Once
		tasks = append(tasks, spawn(t, c, "busy", func(tk *freezer.Task) {
			for {
				once.Do(func() { close(started) })
				spins.Add(1)
				tk.TryToFreeze()
			}
		}))
		<-started // the busy task runs; synctest.Wait would not return now

		if err := c.Freeze(); err != nil {
			t.Fatalf("Freeze: %v", err)
		}
		synctest.Wait() // returns: every task is durably blocked in the refrigerator
		if got := state(t, c); got != freezer.Frozen {
			t.Fatalf("state after Freeze and synctest.Wait: %v, want FROZEN", got)
		}
		for _, tk := range tasks {
			if st := tk.Stat(); !st.Frozen || st.Freezing || st.State != 'D' {
				t.Errorf("after synctest.Wait: %+v, want Frozen, not Freezing, D", st)
			}
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("fake time moved by %v while freezing", d)
		}

		// Durably blocked: a day passes, nobody runs.
		before := spins.Load()
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if after := spins.Load(); after != before {
			t.Errorf("the busy task spun %d times while frozen", after-before)
		}
		for _, tk := range tasks {
			if !tk.Frozen() {
				t.Errorf("task %d thawed by itself after a day", tk.PID())
			}
		}

		if err := c.Thaw(); err != nil {
			t.Fatalf("Thaw: %v", err)
		}
		for spins.Load() == before {
			runtime.Gosched() // the busy task runs again; fake time cannot pass while it does
		}
		for _, tk := range tasks {
			if st := tk.Stat(); st.Frozen || st.Freezing {
				t.Errorf("after Thaw: %+v", st)
			}
		}
	})
}

// TestSynctestDWaitHoldsFreezing: a task in an uninterruptible wait on a
// bubble channel makes Freeze return EBUSY and keeps the cgroup FREEZING;
// the bubble is idle meanwhile (WaitFrozen blocks durably). When the channel
// closes, the task freezes at the end of its wait and WaitFrozen returns, at
// the same fake instant.
func TestSynctestDWaitHoldsFreezing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, cs := syNew(t, "jobs")
		defer shutdown(t, h)
		c := cs[0]
		start := time.Now()

		disk := make(chan struct{})
		d := spawn(t, c, "dwait", func(tk *freezer.Task) {
			tk.WaitUninterruptible(disk)
			sleeper(tk)
		})
		s := spawn(t, c, "sleeper", sleeper)
		synctest.Wait()

		err := c.Freeze()
		var busy *freezer.BusyError
		if !errors.Is(err, syscall.EBUSY) || !errors.As(err, &busy) {
			t.Fatalf("Freeze with a task in D: %v, want EBUSY with a *BusyError", err)
		}
		if got, want := busy.PIDs(), []int{d.PID()}; len(got) != 1 || got[0] != want[0] {
			t.Errorf("busy PIDs %v, want %v", got, want)
		}

		frozenAt := make(chan time.Duration, 1)
		go func() {
			if err := c.WaitFrozen(context.Background()); err != nil {
				t.Errorf("WaitFrozen: %v", err)
			}
			frozenAt <- time.Since(start)
		}()
		time.Sleep(time.Hour) // fake: everyone is durably blocked meanwhile
		synctest.Wait()
		if got := state(t, c); got != freezer.Freezing {
			t.Fatalf("state with the task in D: %v, want FREEZING", got)
		}
		if st := d.Stat(); st.State != 'D' || !st.Freezing || st.Frozen {
			t.Errorf("D task: %+v, want D with a freeze request", st)
		}
		if !s.Frozen() {
			t.Errorf("sleeper not frozen: %+v", s.Stat())
		}
		select {
		case at := <-frozenAt:
			t.Fatalf("WaitFrozen returned at %v while the task was in D", at)
		default:
		}

		close(disk) // at t=1h
		synctest.Wait()
		if !d.Frozen() {
			t.Errorf("after its wait ended the task is %+v, want frozen", d.Stat())
		}
		select {
		case at := <-frozenAt:
			if at != time.Hour {
				t.Errorf("WaitFrozen returned at %v, want exactly 1h", at)
			}
		default:
			t.Fatalf("WaitFrozen still blocked once every task froze")
		}
		if got := state(t, c); got != freezer.Frozen {
			t.Errorf("state: %v, want FROZEN", got)
		}
	})
}

// TestLTPFreezeSleepThawFakeTime ports LTP freeze_sleep_thaw (B4) with exact
// timings on the fake clock: two tasks start Sleep(5s) at t=0 and are frozen
// at t=1s. One is thawed at t=3s and returns at exactly t=5s: its sleep
// resumes for the time left. The other stays frozen past its deadline, is
// thawed at t=10s, and returns at exactly t=10s: the expired deadline is seen
// at once, and nothing ran while it was frozen.
func TestLTPFreezeSleepThawFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, cs := syNew(t, "late", "early")
		defer shutdown(t, h)
		late, early := cs[0], cs[1]
		start := time.Now()

		sample := func(c *freezer.Cgroup, returned *atomic.Int64) *freezer.Task {
			returned.Store(-1)
			return spawn(t, c, "sample", func(tk *freezer.Task) {
				tk.Sleep(5 * time.Second)
				returned.Store(int64(time.Since(start)))
			})
		}
		var lateAt, earlyAt atomic.Int64
		lt := sample(late, &lateAt)
		et := sample(early, &earlyAt)

		at := func(d time.Duration) { // advance the fake clock to start+d
			t.Helper()
			time.Sleep(d - time.Since(start))
			synctest.Wait()
			if now := time.Since(start); now != d {
				t.Fatalf("clock at %v, want %v", now, d)
			}
		}
		returnedAt := func(v *atomic.Int64) time.Duration { return time.Duration(v.Load()) }

		at(time.Second)
		for _, tk := range []*freezer.Task{lt, et} {
			if st := tk.Stat(); st.State != 'S' {
				t.Fatalf("at 1s: %+v, want S", st)
			}
		}
		for _, c := range []*freezer.Cgroup{late, early} {
			if err := c.Freeze(); err != nil {
				t.Fatalf("Freeze(%s): %v", c.Path(), err)
			}
		}
		synctest.Wait()
		for _, c := range []*freezer.Cgroup{late, early} {
			if got := state(t, c); got != freezer.Frozen {
				t.Fatalf("%s at 1s: %v, want FROZEN", c.Path(), got)
			}
		}

		at(3 * time.Second)
		if err := early.Thaw(); err != nil {
			t.Fatalf("Thaw(early): %v", err)
		}
		synctest.Wait()
		if st := et.Stat(); st.State != 'S' || st.Frozen {
			t.Errorf("early at 3s after thaw: %+v, want S (sleeping the 2s left)", st)
		}

		at(5 * time.Second)
		<-et.Done()
		if got := returnedAt(&earlyAt); got != 5*time.Second {
			t.Errorf("the task thawed at 3s returned at %v, want exactly 5s", got)
		}

		at(10 * time.Second)
		if got := returnedAt(&lateAt); got != -1 {
			t.Fatalf("the frozen task returned at %v, while frozen", got)
		}
		if !lt.Frozen() {
			t.Fatalf("late task at 10s: %+v, want frozen", lt.Stat())
		}
		if err := late.Thaw(); err != nil {
			t.Fatalf("Thaw(late): %v", err)
		}
		<-lt.Done()
		if got := returnedAt(&lateAt); got != 10*time.Second {
			t.Errorf("the task thawed at 10s returned at %v, want exactly 10s", got)
		}
	})
}
