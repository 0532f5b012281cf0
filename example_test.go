package freezer_test

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/cgfreezer/freezer"
)

// The examples make their hierarchies with WithLockChecks, as every test of
// the package does; a program would call freezer.New().

// Example freezes and thaws a cgroup of worker tasks: New mounts a
// hierarchy, Mkdir makes a cgroup, Spawn starts tasks in it, Freeze asks them
// to freeze and returns at once, WaitFrozen waits until every task is parked,
// Thaw lets them run again, and Shutdown kills them all.
func Example() {
	ctx := context.Background()
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(ctx)
	jobs, _ := h.Root().Mkdir("jobs")

	for _, name := range []string{"cruncher", "poller"} {
		jobs.Spawn(name, func(t *freezer.Task) {
			for {
				t.Sleep(time.Millisecond) // a safe point at the end of each sleep
			}
		})
	}

	if err := jobs.Freeze(); err != nil {
		fmt.Println("freeze:", err)
	}
	jobs.WaitFrozen(ctx)
	s, _ := jobs.State()
	fmt.Println("after Freeze and WaitFrozen:", s)
	for t := range jobs.Tasks() {
		if !t.Frozen() {
			fmt.Println(t.Name(), "is not frozen")
		}
	}

	jobs.Thaw()
	s, _ = jobs.State()
	fmt.Println("after Thaw:", s)

	h.Shutdown(ctx)
	fmt.Println("tasks left:", len(jobs.PIDs()))
	// Output:
	// after Freeze and WaitFrozen: FROZEN
	// after Thaw: RUNNING
	// tasks left: 0
}

// A worker that waits for work in a select of its own stays freezable by
// adding Interrupt to the select, then taking what is pending with
// TryToFreeze, its safe point. A freeze finds it idle and parks it; work sent
// meanwhile waits until the thaw.
func ExampleTask_TryToFreeze() {
	ctx := context.Background()
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(ctx)
	jobs, _ := h.Root().Mkdir("jobs")

	queue := make(chan int)
	results := make(chan string, 1)
	jobs.Spawn("worker", func(t *freezer.Task) {
		for {
			select {
			case n := <-queue:
				results <- fmt.Sprintf("job %d done", n)
			case <-t.Interrupt(): // a freeze request or a signal is pending
			}
			t.TryToFreeze() // parks here while the cgroup is frozen
		}
	})

	queue <- 1
	fmt.Println(<-results)

	jobs.Freeze()
	jobs.WaitFrozen(ctx)
	select {
	case queue <- 2:
		fmt.Println("a frozen worker took job 2")
	default:
		fmt.Println("job 2 waits: the worker is frozen")
	}

	jobs.Thaw()
	queue <- 2
	fmt.Println(<-results)
	// Output:
	// job 1 done
	// job 2 waits: the worker is frozen
	// job 2 done
}

// WaitFrozen waits for a freeze that Freeze started: the cgroup reads
// FREEZING until the last task has reached a safe point.
func ExampleCgroup_WaitFrozen() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(ctx)
	jobs, _ := h.Root().Mkdir("jobs")

	started, release := make(chan struct{}), make(chan struct{})
	w, _ := jobs.Spawn("worker", func(t *freezer.Task) {
		close(started)
		<-release // running, between two safe points
		for {
			t.TryToFreeze()
		}
	})

	<-started
	jobs.Freeze()
	s, _ := jobs.State()
	fmt.Println("while the worker runs:", s, "- freeze requested:", w.Freezing())

	close(release) // the worker reaches its next safe point
	if err := jobs.WaitFrozen(ctx); err != nil {
		fmt.Println("WaitFrozen:", err)
	}
	s, _ = jobs.State()
	fmt.Println("after WaitFrozen:", s, "- worker frozen:", w.Frozen())
	// Output:
	// while the worker runs: FREEZING - freeze requested: true
	// after WaitFrozen: FROZEN - worker frozen: true
}

// FreezeContext freezes and waits; if the context ends first it thaws the
// cgroup back, so a failed pause leaves nothing half frozen, and its error
// names the tasks that did not freeze. Here a task in an uninterruptible
// wait holds the freeze up until its wait ends.
func ExampleCgroup_FreezeContext() {
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(context.Background())
	jobs, _ := h.Root().Mkdir("jobs")

	disk := make(chan struct{})
	reader, _ := jobs.Spawn("reader", func(t *freezer.Task) {
		for {
			t.WaitUninterruptible(disk) // D: cannot freeze until the read completes
		}
	})
	exampleWaitState(reader, 'D')

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	err := jobs.FreezeContext(ctx)
	cancel()
	var be *freezer.BusyError
	fmt.Println("deadline exceeded:", errors.Is(err, context.DeadlineExceeded))
	fmt.Println("busy:", errors.As(err, &be), be.PIDs())
	s, _ := jobs.State()
	fmt.Println("rolled back to:", s, "- request withdrawn:", !reader.Freezing())

	close(disk) // the read completes: from now on the task passes safe points
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = jobs.FreezeContext(ctx)
	s, _ = jobs.State()
	fmt.Println("second try:", err, s)
	// Output:
	// deadline exceeded: true
	// busy: true [1]
	// rolled back to: RUNNING - request withdrawn: true
	// second try: <nil> FROZEN
}

// A write of FROZEN returns EBUSY when a task cannot freeze now, and the
// cgroup stays FREEZING until one of the patch's three ways out: cancel
// (write RUNNING), the tasks that blocked it leave the cgroup, or retry
// (write FROZEN again) once nothing is busy.
func ExampleBusyError() {
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(context.Background())
	jobs, _ := h.Root().Mkdir("jobs")
	other, _ := h.Root().Mkdir("other")

	disk := make(chan struct{})
	reader, _ := jobs.Spawn("reader", func(t *freezer.Task) {
		t.WaitUninterruptible(disk)
		for {
			t.Sleep(time.Hour)
		}
	})
	exampleWaitState(reader, 'D')
	state := func() freezer.State { s, _ := jobs.State(); return s }

	err := jobs.Freeze()
	var be *freezer.BusyError
	fmt.Println(err)
	fmt.Println("EBUSY:", errors.Is(err, syscall.EBUSY), "- busy PIDs:", errors.As(err, &be), be.PIDs())
	fmt.Println("state:", state())

	// 1. Cancel.
	jobs.Thaw()
	fmt.Println("1. cancel:", state())

	// 2. The blocking task leaves: moved out (or it exits).
	jobs.Freeze()
	other.Attach(reader)
	fmt.Println("2. the task leaves:", state())

	// 3. Retry: busy while the task is in D, fine once its wait has ended.
	jobs.Thaw()
	jobs.Attach(reader)
	jobs.Freeze()
	fmt.Println("3. retry while busy:", errors.Is(jobs.Freeze(), syscall.EBUSY))
	close(disk) // the wait ends; the task, still asked to, freezes
	exampleWaitFrozen(reader)
	fmt.Println("   retry after the wait:", jobs.Freeze(), state())
	// Output:
	// write /jobs/freezer.state: device or resource busy: busy tasks: 1 (reader, D)
	// EBUSY: true - busy PIDs: true [1]
	// state: FREEZING
	// 1. cancel: RUNNING
	// 2. the task leaves: FROZEN
	// 3. retry while busy: true
	//    retry after the wait: <nil> FROZEN
}

// A task cannot be moved into a FROZEN cgroup, nor a frozen task out of one;
// a move into a FREEZING cgroup is allowed, and does not freeze the task.
// The tasks file says the same in errno.
func ExampleCgroup_Attach() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(ctx)
	jobs, _ := h.Root().Mkdir("jobs")
	other, _ := h.Root().Mkdir("other")
	sleep := func(t *freezer.Task) {
		for {
			t.Sleep(time.Hour)
		}
	}
	frozen, _ := jobs.Spawn("frozen", sleep)
	visitor, _ := other.Spawn("visitor", sleep)
	jobs.FreezeContext(ctx)

	fmt.Println("into FROZEN:", jobs.Attach(visitor))
	fmt.Println("frozen task out:", other.Attach(frozen))
	err := h.WriteFile("/jobs/tasks", fmt.Appendf(nil, "%d\n", visitor.PID()))
	fmt.Println("via the tasks file:", errors.Is(err, syscall.EBUSY))

	jobs.Thaw()
	disk := make(chan struct{})
	defer close(disk)
	reader, _ := jobs.Spawn("reader", func(t *freezer.Task) { t.WaitUninterruptible(disk) })
	exampleWaitState(reader, 'D')
	jobs.Freeze() // EBUSY: the reader is in D; jobs stays FREEZING
	fmt.Println("into FREEZING:", jobs.Attach(visitor), "- visitor asked to freeze:", visitor.Freezing())
	// Output:
	// into FROZEN: write /jobs/tasks: device or resource busy
	// frozen task out: write /other/tasks: device or resource busy
	// via the tasks file: true
	// into FREEZING: <nil> - visitor asked to freeze: false
}

// The cgroupfs view speaks paths and errno values, as os.ReadFile and
// os.WriteFile on a real cgroupfs would.
func ExampleHierarchy_WriteFile() {
	h := freezer.New(freezer.WithLockChecks())
	defer h.Shutdown(context.Background())
	h.Mkdir("/jobs")

	fmt.Println(h.WriteFile("/jobs/freezer.state", []byte("FROZEN\n")))
	b, _ := h.ReadFile("/jobs/freezer.state")
	fmt.Printf("%s", b)
	err := h.WriteFile("/jobs/freezer.state", []byte("FREEZING"))
	fmt.Println(err, errors.Is(err, syscall.EIO))
	_, err = h.ReadFile("/freezer.state")
	fmt.Println(err)
	// Output:
	// <nil>
	// FROZEN
	// write /jobs/freezer.state: input/output error true
	// read /freezer.state: no such file or directory
}

// exampleWaitState polls until t's state letter is s. The deadline only
// bounds a broken run.
func exampleWaitState(t *freezer.Task, s byte) {
	exampleAwait(func() bool { return t.Stat().State == s })
}

// exampleWaitFrozen polls until t is parked in the refrigerator.
func exampleWaitFrozen(t *freezer.Task) {
	exampleAwait(t.Frozen)
}

func exampleAwait(cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
}
