package conformance

import (
	"slices"
	"strings"

	"github.com/cgfreezer/freezer"
)

// onlyV2 is the version of the selftest's scenarios: the selftest drives the
// cgroup v2 freezer alone.
var onlyV2 = []freezer.Version{freezer.V2}

// Differences common to every selftest port:
//   - cg_run_nowait's child writes its own PID to cgroup.procs and then
//     runs; Start's task is attached by the backend, with a write of its
//     PID to cgroup.procs while it waits, and then runs: the same attach,
//     made from outside, and into a frozen cgroup too (A4).
//   - child_fn sleeps until it is reparented; a Sleeper sleeps until it is
//     killed, by the scenario or by the backend's Close, which stands for
//     the selftest's cleanup (cg_destroy) unless the test makes it a step.
//   - cg_freeze_wait is selftestFreezeWait: it writes cgroup.freeze, waits
//     for a notification of cgroup.events, and then for "frozen N" (see
//     there why). Its waits are bounded by Timeout, where the selftest's
//     poll is retried for ever.
//   - The tracer's waitpid and PTRACE_GETSIGINFO, which both need the
//     tracee in a traced stop, become a wait until the task shows 't'.

// selftestFreezeWait is cg_freeze_wait: write cgroup.freeze and wait for a
// notification of cgroup.events, then check "frozen N". The selftest checks
// once, right after the first notification; the port waits for the value,
// because on the kernel that first notification can be an earlier change's,
// such as the cgroup becoming populated when the scenario's task joined it a
// moment before: the cgroupfs sends notifications from a work queue, and
// holds one back up to 10 ms after the last, so one can arrive after the
// watch for the next is set. (Seen in A7, A8 and A10 about one run in four:
// the read after the first notification said "frozen 0".)
func selftestFreezeWait(s *S, cgroup string, freeze bool) {
	s.Notified(cgroup+"/cgroup.events", func() {
		if freeze {
			s.Freeze(cgroup)
		} else {
			s.Thaw(cgroup)
		}
	})
	if freeze {
		s.WaitFrozen(cgroup)
	} else {
		s.WaitThawed(cgroup)
	}
}

// procsOf is what [S.Procs] shows for exactly the named tasks: their names,
// sorted as strings.
func procsOf(names ...string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	return strings.Join(names, " ")
}

// selftestSimpleTasks is A1's number of sleepers, as many as the selftest
// starts.
const selftestSimpleTasks = 100

// selftestScenarios are the kernel's cgroup v2 freezer selftests.
var selftestScenarios = []Scenario{
	// test_cgfreezer_simple (tools/testing/selftests/cgroup/test_freezer.c):
	// a cgroup full of sleepers starts "frozen 0", reaches "frozen 1" by
	// the first notification after the freeze, and "frozen 0" by the first
	// after the thaw.
	{
		Name:     "A1 test_cgfreezer_simple",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("a")
			var ps []string
			for range selftestSimpleTasks {
				ps = append(ps, s.Start(Sleeper, "a"))
			}
			s.WaitProcs("a", procsOf(ps...))
			s.ReadState("a")
			selftestFreezeWait(s, "a", true)
			selftestFreezeWait(s, "a", false)
		},
	},
	// test_cgfreezer_tree: a freeze covers the subtree, a child's own "0"
	// does not thaw what an ancestor freezes, a write that changes nothing
	// effective still notifies, and a cgroup with no tasks and a frozen
	// child is not frozen unless asked. The tree and its five tasks are the
	// selftest's: A{B{C,D}, E{F{G{H}}}, I, K}, one task in C, one in H,
	// three in K.
	{
		Name:     "A2 test_cgfreezer_tree",
		Versions: onlyV2,
		Run: func(s *S) {
			for _, cg := range []string{"A", "A/B", "A/B/C", "A/B/D", "A/E", "A/E/F", "A/E/F/G", "A/E/F/G/H", "A/I", "A/K"} {
				s.Mkdir(cg)
			}
			c := s.Start(Sleeper, "A/B/C")
			h := s.Start(Sleeper, "A/E/F/G/H")
			k1 := s.Start(Sleeper, "A/K")
			k2 := s.Start(Sleeper, "A/K")
			k3 := s.Start(Sleeper, "A/K")
			s.WaitProcs("A/B/C", c)
			s.WaitProcs("A/E/F/G/H", h)
			s.WaitProcs("A/K", procsOf(k1, k2, k3))

			selftestFreezeWait(s, "A/B", true)
			selftestFreezeWait(s, "A/E/F", true)
			// G is frozen through F already: the write changes no
			// effective state, and must notify all the same.
			selftestFreezeWait(s, "A/E/F/G", true)
			s.Read("A/cgroup.events")
			s.Read("A/E/cgroup.events")

			selftestFreezeWait(s, "A", true)
			s.Read("A/B/cgroup.events")
			s.Read("A/E/cgroup.events")

			// A holds them all frozen, whatever B, F and G say.
			s.Thaw("A/B")
			s.Thaw("A/E/F")
			s.Thaw("A/E/F/G")
			s.Read("A/B/C/cgroup.events")
			s.Read("A/E/F/G/H/cgroup.events")

			selftestFreezeWait(s, "A", false)
			s.Read("A/B/C/cgroup.events")
			s.Read("A/K/cgroup.events")
		},
	},
	// test_cgfreezer_forkbomb: a cgroup whose tasks are forking reaches
	// "frozen 1", and cgroup.kill ends its frozen tasks without a thaw, so
	// that the cgroup can be removed (the selftest's cg_destroy would spin
	// for ever otherwise). The port freezes at once where the selftest
	// waits 100 ms after the start, which makes the freeze meet the forks
	// more often; how many tasks were caught varies and is not recorded.
	{
		Name:     "A3 test_cgfreezer_forkbomb",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(ForkBomb, "a")
			s.Freeze("a")
			s.WaitFrozen("a")
			s.Write("a/cgroup.kill", "1")
			s.WaitGone(p)
			s.WaitEmpty("a")
			s.Rmdir("a")
		},
	},
	// test_cgfreezer_mkdir: a cgroup made under a frozen parent is frozen
	// at once, and a task that joins it freezes, so that parent and child
	// both read "frozen 1"; the port also reads the task's letter (a
	// frozen task sleeps, 'S', in v2). Where the selftest checks once after
	// its proc count, the port waits for "frozen 1": the newcomer drops
	// both to "frozen 0" until it has frozen.
	{
		Name:     "A4 test_cgfreezer_mkdir",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("P")
			selftestFreezeWait(s, "P", true)
			s.Mkdir("P/C")
			s.ReadState("P/C")
			p := s.Start(Sleeper, "P/C")
			s.WaitProcs("P/C", p)
			s.WaitFrozen("P/C")
			s.WaitFrozen("P")
			s.ReadState("P/C")
			s.ReadState("P")
			s.Stat(p)
			s.Thaw("P")
			s.WaitThawed("P/C")
		},
	},
	// test_cgfreezer_rmdir: removing the empty child of a frozen parent
	// leaves the parent "frozen 1", and a child made again in its place is
	// "frozen 1" at once. As the selftest, with no tasks.
	{
		Name:     "A5 test_cgfreezer_rmdir",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("P")
			s.Mkdir("P/C")
			selftestFreezeWait(s, "P", true)
			s.ReadState("P/C")
			s.Rmdir("P/C")
			s.ReadState("P")
			s.Mkdir("P/C")
			s.ReadState("P/C")
			s.Thaw("P")
			s.WaitThawed("P")
		},
	},
	// test_cgfreezer_migrate: a task moved into a frozen cgroup freezes
	// there, moved back into a thawed one it runs, and an emptied frozen
	// cgroup stays frozen. The selftest's transient (B reads "frozen 0"
	// while the newcomer is on its way to freezing) is waited past, not
	// read.
	{
		Name:     "A6 test_cgfreezer_migrate",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("A")
			s.Mkdir("B")
			p := s.Start(Sleeper, "A")
			s.WaitProcs("A", p)

			selftestFreezeWait(s, "B", true)
			s.Move(p, "B")
			s.WaitFrozen("B")
			s.ReadState("B")
			s.ReadState("A")

			s.Move(p, "A")
			s.ReadState("A")
			s.ReadState("B")

			selftestFreezeWait(s, "A", true)
			s.Move(p, "B")
			s.WaitFrozen("B")
			s.ReadState("B")
			s.ReadState("A")
			s.Procs("A")
			s.Procs("B")

			s.Thaw("A")
			s.Thaw("B")
			s.WaitThawed("B")
		},
	},
	// test_cgfreezer_ptrace: seizing and interrupting a frozen task brings
	// it to the traced stop (the tracer's waitpid returns), and the cgroup
	// reads "frozen 1" while it is traced and after the detach. The
	// tracer's waitpid and PTRACE_GETSIGINFO become a wait for 't'. The
	// selftest checks at once after the detach; the port waits for the
	// task to sleep again and for "frozen 1", since on the kernel a task
	// leaving the traced stop leaves the frozen count too (ptrace_stop's
	// cgroup_leave_frozen(true)) until it is back in the freezer trap: a
	// read at once could catch "frozen 0".
	{
		Name:     "A7 test_cgfreezer_ptrace",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitProcs("a", p)
			selftestFreezeWait(s, "a", true)
			s.Signal(p, Trace)
			s.WaitState(p, "t")
			s.ReadState("a")
			s.Signal(p, Untrace)
			s.WaitState(p, s.FrozenLetter())
			s.WaitFrozen("a")
			s.ReadState("a")
			s.Thaw("a")
			s.WaitThawed("a")
		},
	},
	// test_cgfreezer_stopped: a stopped task does not make its cgroup
	// "frozen 1" before a freeze, counts as frozen during one, and is still
	// stopped ('T') after the thaw. As the selftest.
	{
		Name:     "A8 test_cgfreezer_stopped",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitProcs("a", p)
			s.Signal(p, Stop)
			s.WaitState(p, "T")
			s.ReadState("a")
			selftestFreezeWait(s, "a", true)
			selftestFreezeWait(s, "a", false)
			s.Stat(p)
			s.Signal(p, Cont)
			s.WaitState(p, "S")
		},
	},
	// test_cgfreezer_ptraced: a task already in a traced stop counts as
	// frozen during a freeze, the thaw leaves it traced, and the tracer
	// can still detach. The tracer's waitpid and PTRACE_GETSIGINFO become
	// waits for and reads of 't'.
	{
		Name:     "A9 test_cgfreezer_ptraced",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Sleeper, "a")
			s.WaitProcs("a", p)
			s.Signal(p, Trace)
			s.WaitState(p, "t")
			s.ReadState("a")
			selftestFreezeWait(s, "a", true)
			selftestFreezeWait(s, "a", false)
			s.Stat(p)
			s.Signal(p, Untrace)
			s.WaitState(p, "S")
		},
	},
	// test_cgfreezer_vfork: a vfork parent waiting for its child does not
	// keep the cgroup from "frozen 1". As the selftest, which waits for its
	// two processes first; the port also reads the parent's state letter
	// (it waits in vfork: 'D') and thaws at the end.
	{
		Name:     "A10 test_cgfreezer_vfork",
		Versions: onlyV2,
		Run: func(s *S) {
			s.Mkdir("a")
			p := s.Start(Vfork, "a")
			s.WaitProcs("a", p+" +1")
			selftestFreezeWait(s, "a", true)
			s.Stat(p)
			selftestFreezeWait(s, "a", false)
		},
	},
}
