package freezer_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cgfreezer/freezer"
)

// The cost of WithLockChecks, which every test runs under and users are told
// to turn on in theirs: each benchmark here runs with checks, beside its
// Baseline, the same work without them. The microbenchmark of one checked
// acquisition is BenchmarkLockCheck in locking_internal_test.go.

// BenchmarkCheckedFreezeBusy is BenchmarkFreezeBusy with lock checks on.
func BenchmarkCheckedFreezeBusy(b *testing.B) {
	benchChecked(b, 10000, busyLoop, freezer.WithLockChecks())
}

// BenchmarkCheckedFreezeBusyBaseline is the same without checks.
func BenchmarkCheckedFreezeBusyBaseline(b *testing.B) {
	benchChecked(b, 10000, busyLoop)
}

// BenchmarkCheckedSleepLoop: tasks that sleep 1 ms in a loop, so that each
// takes its locks a thousand times a second besides the freeze and the thaw;
// with lock checks on.
func BenchmarkCheckedSleepLoop(b *testing.B) {
	benchChecked(b, 3000, sleepLoop, freezer.WithLockChecks())
}

// BenchmarkCheckedSleepLoopBaseline is the same without checks.
func BenchmarkCheckedSleepLoopBaseline(b *testing.B) {
	benchChecked(b, 3000, sleepLoop)
}

func benchChecked(b *testing.B, n int, fn func(*freezer.Task, func()), opts ...freezer.Option) {
	b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) { benchLibrary(b, n, warmup, fn, opts...) })
}

// sleepLoop sleeps 1 ms at a time. A sleep that a freeze interrupts returns
// at once after the thaw (its deadline has passed), so the task reports then.
func sleepLoop(t *freezer.Task, resumed func()) {
	for {
		t.Sleep(time.Millisecond)
		resumed()
	}
}
