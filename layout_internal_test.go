package freezer

import (
	"context"
	"slices"
	"testing"
	"unsafe"
)

// TestTaskLayout guards the layout that the freeze benchmarks depend on (see
// the comment at the top of Task): the fields a safe point, a freeze request
// and a thaw touch share the first 64-byte cache line, and a Task fits the
// 128-byte size class, whose objects start on a cache line.
func TestTaskLayout(t *testing.T) {
	var x Task
	if size := unsafe.Sizeof(x); size > 128 {
		t.Errorf("Task is %d bytes, more than the 128-byte size class", size)
	}
	hot := map[string]uintptr{
		"pending":  unsafe.Offsetof(x.pending) + unsafe.Sizeof(x.pending),
		"frozen":   unsafe.Offsetof(x.frozen) + unsafe.Sizeof(x.frozen),
		"skip":     unsafe.Offsetof(x.skip) + unsafe.Sizeof(x.skip),
		"stopped":  unsafe.Offsetof(x.stopped) + unsafe.Sizeof(x.stopped),
		"trapped":  unsafe.Offsetof(x.trapped) + unsafe.Sizeof(x.trapped),
		"killed":   unsafe.Offsetof(x.killed) + unsafe.Sizeof(x.killed),
		"exiting":  unsafe.Offsetof(x.exiting) + unsafe.Sizeof(x.exiting),
		"counted":  unsafe.Offsetof(x.counted) + unsafe.Sizeof(x.counted),
		"run":      unsafe.Offsetof(x.run) + unsafe.Sizeof(x.run),
		"noFreeze": unsafe.Offsetof(x.noFreeze) + unsafe.Sizeof(x.noFreeze),
		"taskMu":   unsafe.Offsetof(x.taskMu) + unsafe.Sizeof(x.taskMu),
		"sigMu":    unsafe.Offsetof(x.sigMu) + unsafe.Sizeof(x.sigMu),
		"h":        unsafe.Offsetof(x.h) + unsafe.Sizeof(x.h),
		"cgroup":   unsafe.Offsetof(x.cgroup) + unsafe.Sizeof(x.cgroup),
		"next":     unsafe.Offsetof(x.next) + unsafe.Sizeof(x.next),
	}
	for name, end := range hot {
		if end > 64 {
			t.Errorf("Task.%s ends at byte %d, past the first cache line", name, end)
		}
	}
}

// TestTaskListOldestFirst guards the order of a cgroup's task list that the
// freeze benchmarks depend on (see Cgroup.first): oldest first, a newcomer
// at the tail whether forked or attached, and the links whole after a task
// in the middle leaves.
func TestTaskListOldestFirst(t *testing.T) {
	h := New(WithLockChecks())
	defer func() {
		if err := h.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	a, err := h.Root().Mkdir("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Root().Mkdir("b")
	if err != nil {
		t.Fatal(err)
	}
	never := make(chan struct{})
	spawn := func(c *Cgroup) *Task {
		task, err := c.Spawn("w", func(t *Task) { t.Wait(never) })
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	t1, t2, t3 := spawn(a), spawn(a), spawn(a)
	moved := spawn(b)
	if err := a.Attach(moved); err != nil {
		t.Fatal(err)
	}
	check := func(want ...*Task) {
		t.Helper()
		var got []*Task
		for task := range a.Tasks() {
			got = append(got, task)
		}
		h.cssSetLock.RLock()
		last := a.last
		var back []*Task
		for task := a.last; task != nil; task = task.prev {
			back = append([]*Task{task}, back...)
		}
		h.cssSetLock.RUnlock()
		if !slices.Equal(got, want) || !slices.Equal(back, want) || (len(want) > 0 && last != want[len(want)-1]) {
			t.Errorf("task list %v, backwards %v, want %v", pids(got), pids(back), pids(want))
		}
	}
	check(t1, t2, t3, moved)
	t2.Kill()
	<-t2.Done()
	check(t1, t3, moved)
	moved.Kill()
	<-moved.Done()
	check(t1, t3)
}

func pids(ts []*Task) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = t.pid
	}
	return out
}
