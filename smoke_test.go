package freezer_test

import (
	"testing"

	"github.com/cgfreezer/freezer"
)

func TestSmokeFreezeThaw(t *testing.T) {
	h := newHierarchy(t)
	c := mkdir(t, h, "jobs")
	var tasks []*freezer.Task
	for i := 0; i < 5; i++ {
		fn := busy
		if i%2 == 1 {
			fn = sleeper
		}
		tk, err := c.Spawn("w", fn)
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, tk)
	}
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	waitFrozen(t, c)
	for _, tk := range tasks {
		if st := tk.Stat(); !st.Frozen || st.State != 'D' {
			t.Errorf("task %d: %+v, want frozen D", tk.PID(), st)
		}
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	if s := state(t, c); s != freezer.Running {
		t.Fatalf("state %v", s)
	}
	for _, tk := range tasks {
		waitFor(t, "task thawed", func() bool { st := tk.Stat(); return !st.Frozen && st.State != 'D' })
	}
}
