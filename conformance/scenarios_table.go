package conformance

import (
	"strconv"
	"strings"
	"time"

	"github.com/cgfreezer/freezer"
)

// both is the versions of a scenario that means the same in v1 and v2.
var both = []freezer.Version{freezer.V1, freezer.V2}

// readFreezing reads what a cgroup says of whose freeze covers it: v1's
// freezer.self_freezing and freezer.parent_freezing, or v2's cgroup.freeze
// (an ancestor's shows only in cgroup.events).
func readFreezing(s *S, cgroup string) {
	if s.Version() == freezer.V2 {
		s.Read(cgroup + "/cgroup.freeze")
		return
	}
	s.Read(cgroup + "/freezer.self_freezing")
	s.Read(cgroup + "/freezer.parent_freezing")
}

// frozenUsec reads cgroup.stat.local's frozen_usec, or -1.
func frozenUsec(s *S, cgroup string) int64 {
	data, err := s.b.ReadFile(cgroup + "/cgroup.stat.local")
	if err != nil {
		return -1
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "frozen_usec ")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// tableScenarios are the rows of DESIGN.md's version table marked "seen":
// what Linux 6.18 was seen to do with real processes, now seen on every run.
var tableScenarios = []Scenario{
	{
		Name:     "new cgroup",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.ReadState("a")
			readFreezing(s, "a")
			if s.Version() == freezer.V2 {
				s.Read("a/cgroup.stat.local")
			}
		},
	},
	{
		// A freeze covers the subtree; a child's own thaw takes away only its
		// own wish, so it stays frozen while the parent's holds.
		Name:     "hierarchy",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("a/b")
			p := s.Start(Sleeper, "a/b")
			s.WaitState(p, "S")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.WaitFrozen("a/b")
			s.Stat(p)
			readFreezing(s, "a/b")
			s.Thaw("a/b")
			s.ReadState("a/b")
			readFreezing(s, "a/b")
			s.Stat(p)
			s.Freeze("a/b")
			s.Thaw("a")
			s.ReadState("a")
			s.ReadState("a/b")
			readFreezing(s, "a/b")
			s.Thaw("a/b")
			s.WaitThawed("a/b")
			s.WaitState(p, "S")
		},
	},
	{
		Name:     "frozen task in ps",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Stat(p)
			s.Thaw("a")
			s.WaitThawed("a")
			s.WaitState(p, "S")
		},
	},
	{
		// A task that never sleeps freezes too: the freezer reaches it on
		// its way back to user mode (a library task at its safe point).
		Name:     "a busy task freezes",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Busy, "a")
			s.WaitState(p, "R")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Stat(p)
			s.Thaw("a")
			s.WaitThawed("a")
			s.WaitState(p, "R")
		},
	},
	{
		// v1 delivers the kill after the thaw; v2 kills the frozen task at
		// once, and the cgroup, empty, stays frozen.
		Name:     "kill of a frozen task",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Signal(p, Kill)
			if s.Version() == freezer.V1 {
				s.Hold(100 * time.Millisecond)
				s.Stat(p)
				s.ReadState("a")
				s.Thaw("a")
			}
			s.WaitGone(p)
			s.WaitEmpty("a")
			s.ReadState("a")
		},
	},
	{
		// A stopped task is frozen enough: v1 moves it to the frozen state
		// ('D') and back to the stop after the thaw; v2 leaves it stopped
		// ('T') throughout.
		Name:     "a stopped task, then a freeze",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Signal(p, Stop)
			s.WaitState(p, "T")
			s.ReadState("a")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Stat(p)
			s.Thaw("a")
			s.WaitThawed("a")
			s.WaitState(p, "T")
			s.Signal(p, Cont)
			s.WaitState(p, "S")
		},
	},
	{
		// A stop sent to a frozen task waits for the thaw.
		Name:     "stop of a frozen task",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Signal(p, Stop)
			s.Hold(100 * time.Millisecond)
			s.Stat(p)
			s.ReadState("a")
			s.Thaw("a")
			s.WaitThawed("a")
			s.WaitState(p, "T")
			s.Signal(p, Cont)
			s.WaitState(p, "S")
		},
	},
	{
		// A task in an uninterruptible wait cannot freeze now: v1 stays
		// FREEZING and v2 "frozen 0", with no error, until it wakes; then
		// it freezes and the freeze completes.
		Name:     "a task that cannot freeze now",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			d := s.Start(Uninterruptible, "a")
			p := s.Start(Sleeper, "a")
			s.WaitState(d, "D")
			s.WaitState(p, "S")
			s.Freeze("a")
			s.WaitState(p, s.FrozenLetter())
			s.Hold(100 * time.Millisecond)
			s.ReadState("a")
			s.Stat(d)
			s.Wake()
			s.WaitFrozen("a")
			s.WaitState(d, s.FrozenLetter())
			s.Thaw("a")
			s.WaitThawed("a")
			s.WaitState(d, "S")
			s.WaitState(p, "S")
		},
	},
	{
		// A move is always allowed; the newcomer freezes.
		Name:     "move into a frozen cgroup",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("b")
			s.Freeze("a")
			s.WaitFrozen("a")
			p := s.Start(Sleeper, "b")
			s.WaitState(p, "S")
			s.Move(p, "a")
			s.WaitFrozen("a")
			s.WaitState(p, s.FrozenLetter())
			s.Procs("a")
			s.Thaw("a")
			s.WaitThawed("a")
			s.WaitState(p, "S")
		},
	},
	{
		// A frozen task moved out thaws, unless its new cgroup freezes too.
		Name:     "move a frozen task out",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("b")
			s.Mkdir("c")
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Freeze("a")
			s.Freeze("c")
			s.WaitFrozen("a")
			s.WaitFrozen("c")
			s.Move(p, "c")
			s.WaitFrozen("c")
			// v2 wakes a frozen task it moves, to trap it again in its
			// new cgroup: for a moment it runs ('R').
			s.WaitState(p, s.FrozenLetter())
			s.ReadState("a")
			s.Move(p, "b")
			s.WaitState(p, "S")
			s.ReadState("b")
			s.ReadState("c")
		},
	},
	{
		// A new child of a frozen parent is frozen, by the parent's wish.
		Name:     "mkdir under a frozen parent",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Mkdir("a/b")
			s.ReadState("a/b")
			readFreezing(s, "a/b")
			p := s.Start(Sleeper, "a/b")
			s.WaitFrozen("a/b")
			s.WaitState(p, s.FrozenLetter())
			s.Thaw("a")
			s.WaitThawed("a/b")
			s.WaitState(p, "S")
		},
	},
	{
		Name:     "rmdir of a frozen empty cgroup",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("a/b")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.WaitFrozen("a/b")
			s.Rmdir("a/b")
			s.ReadState("a")
			s.Rmdir("a")
		},
	},
	{
		// cgroup.events' populated counts the subtree's tasks.
		Name:     "populated",
		Versions: []freezer.Version{freezer.V2},
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("a/b")
			s.Read("a/cgroup.events")
			p := s.Start(Sleeper, "a/b")
			s.Read("a/cgroup.events")
			s.Read("a/b/cgroup.events")
			s.Signal(p, Kill)
			s.WaitGone(p)
			s.WaitLine("a/cgroup.events", "populated 0")
			s.Read("a/b/cgroup.events")
		},
	},
	{
		// cgroup.stat.local's frozen_usec runs while a freeze is in effect,
		// the cgroup's own or an ancestor's, and stops at the thaw. Its
		// values depend on time, so the transcript keeps their order.
		Name:     "time frozen",
		Versions: []freezer.Version{freezer.V2},
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("a/b")
			s.Read("a/b/cgroup.stat.local")
			s.Freeze("a")
			s.WaitFrozen("a/b")
			s.Hold(2 * time.Millisecond)
			t1 := frozenUsec(s, "a/b")
			s.Note("frozen_usec of a/b after 2ms frozen by a: >= 2000: %v", t1 >= 2000)
			s.Thaw("a")
			t2 := frozenUsec(s, "a/b")
			s.Note("after the thaw: not less: %v", t2 >= t1)
			s.Hold(2 * time.Millisecond)
			s.Note("2ms later: unchanged: %v", frozenUsec(s, "a/b") == t2)
			s.Note("the parent's: > 0: %v", frozenUsec(s, "a") > 0)
		},
	},
}
