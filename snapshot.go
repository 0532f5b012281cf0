package freezer

import (
	"slices"
	"strings"
)

// Snapshot is the observable state of a hierarchy: every cgroup with what its
// freezer files show (the state a read of freezer.state returns, or in V2
// what cgroup.freeze and cgroup.events make of it, see [Cgroup.State]; its
// SelfFreezing, ParentFreezing and Events) and its tasks file, and the Stat
// of every task. [Hierarchy.Snapshot] takes one of the real library,
// [Model.Snapshot] one of the pure model, in the same form, so that a
// property test can compare them with cmp.Diff. V2's frozen_usec is time and
// is not in it. The zero value is the empty hierarchy of nothing.
type Snapshot struct {
	Cgroups []CgroupSnapshot // every live cgroup, sorted by path, the root first
	Tasks   []TaskStat       // every live task, ascending by PID
}

// CgroupSnapshot is one cgroup of a [Snapshot]. The root has no freezer
// files: its State is Running and its freezer fields are zero.
type CgroupSnapshot struct {
	Path           string
	State          State  // what [Cgroup.State] returns
	SelfFreezing   bool   // what [Cgroup.SelfFreezing] returns
	ParentFreezing bool   // what [Cgroup.ParentFreezing] returns
	Events         Events // what [Cgroup.Events] returns
	PIDs           []int  // the tasks file, ascending
}

// Snapshot observes the hierarchy: it walks the tree, reads each cgroup's
// state (which, like a read, stores a FREEZING that has become FROZEN, and in
// V1 marks FROZEN the cgroups of the subtree that have become so), its
// SelfFreezing, ParentFreezing and Events, and its tasks, and takes each
// task's Stat. Each cgroup is read whole, but the tasks may move between
// cgroups while the walk goes on, so the result is consistent only when
// nothing runs meanwhile: in a test, after synctest.Wait, or with every task
// parked. It takes cgroup_mutex, and the
// locks of each read inside it, and does not block otherwise.
func (h *Hierarchy) Snapshot() Snapshot {
	var s Snapshot
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	h.eachCgroupLocked(func(c *Cgroup) {
		cs := CgroupSnapshot{Path: c.path}
		if c.parent != nil {
			cs.State = h.fz.state(c)
			cs.SelfFreezing = h.fz.selfFreezing(c)
			cs.ParentFreezing = h.fz.parentFreezing(c)
			cs.Events = c.events()
		}
		for t := range c.Tasks() {
			cs.PIDs = append(cs.PIDs, t.pid)
			s.Tasks = append(s.Tasks, t.Stat())
		}
		slices.Sort(cs.PIDs)
		s.Cgroups = append(s.Cgroups, cs)
	})
	slices.SortFunc(s.Cgroups, func(a, b CgroupSnapshot) int { return strings.Compare(a.Path, b.Path) })
	sortStats(s.Tasks)
	return s
}
