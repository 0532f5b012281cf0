package freezer

import (
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
