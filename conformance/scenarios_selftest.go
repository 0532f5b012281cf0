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
//   - cg_run_nowait's child attaches itself and then runs; here Start does
//     the same, and returns once the task is there. A task that must end up
//     in a frozen cgroup is started in a thawed one and moved (see A4),
//     because the kernel backend's helper reports that it is there only
//     after the attach, and a helper attached to a frozen cgroup freezes
//     before it can report.
//   - child_fn sleeps until it is reparented; a Sleeper sleeps until it is
//     killed, by the scenario or by the backend's Close, which stands for
//     the selftest's cleanup.
//   - cg_freeze_wait is selftestFreezeWait: it writes cgroup.freeze, waits
//     for the first notification of cgroup.events, and reads the file once,
//     as cg_check_frozen does. Its wait is bounded by Timeout, where the
//     selftest's poll is retried for ever.
//   - The tracer's waitpid and PTRACE_GETSIGINFO, which both need the
//     tracee in a traced stop, become a wait until the task shows 't'.

// selftestFreezeWait is cg_freeze_wait: write cgroup.freeze, wait for the
// first notification of cgroup.events that the write causes, then look at
// cgroup.events once. The selftest checks "frozen N" there without waiting
// any further, so a notification that came before the cgroup reached the
// state asked for would show here as the wrong value.
func selftestFreezeWait(s *S, cgroup string, freeze bool) {
	s.Notified(cgroup+"/cgroup.events", func() {
		if freeze {
			s.Freeze(cgroup)
		} else {
			s.Thaw(cgroup)
		}
	})
	s.Read(cgroup + "/cgroup.events")
}

// selftestDestroy is the selftest's cleanup, cg_killall and cg_destroy's
// wait, for every cgroup of the scenario at once: cgroup.kill on the
// scenario's own cgroup, then a wait until no task of its subtree is left
// ("populated 0"). cgroup.procs empties a little before that, while the
// threads of a killed process are still exiting, and an rmdir then fails
// with EBUSY (cg_destroy retries); waiting for "populated 0" makes the
// removals that follow, the backend's, sure to work.
func selftestDestroy(s *S) {
	s.Write("cgroup.kill", "1")
	s.WaitLine("cgroup.events", "populated 0")
}

// procsOf is what [S.Procs] shows for exactly the named tasks: their names,
// sorted as strings.
func procsOf(names ...string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	return strings.Join(names, " ")
}

// selftestSimpleTasks is A1's number of sleepers: the selftest starts 100; a
// helper process here is a whole Go program, so fewer keep the run short
// while still making the freeze wait for many tasks.
const selftestSimpleTasks = 20

// selftestScenarios are the kernel's cgroup v2 freezer selftests.
var selftestScenarios = []Scenario{
	// test_cgfreezer_simple (tools/testing/selftests/cgroup/test_freezer.c):
	// a cgroup full of sleepers starts "frozen 0", reaches "frozen 1" by
	// the first notification after the freeze, and "frozen 0" by the first
	// after the thaw. The port starts 20 sleepers instead of 100.
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
			selftestDestroy(s)
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
			selftestDestroy(s)
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
			s.WaitProcs("a", "none")
			s.WaitLine("a/cgroup.events", "populated 0")
			s.Rmdir("a")
		},
	},
	// test_cgfreezer_mkdir: a cgroup made under a frozen parent is frozen
	// at once, and a task that joins it freezes, so that parent and child
	// both read "frozen 1". The selftest's child attaches itself to the new
	// cgroup; here the task starts in a thawed sibling and is moved, since
	// the kernel backend's helper cannot report from a frozen cgroup (see
	// the differences above). Where the selftest checks once after its
	// proc count, the port waits for "frozen 1": the newcomer drops both to
	// "frozen 0" until it has frozen.
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
			selftestDestroy(s)
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
			selftestDestroy(s)
		},
	},
	// test_cgfreezer_ptrace: seizing and interrupting a frozen task brings
	// it to the traced stop (the tracer's waitpid returns), and the cgroup
	// reads "frozen 1" while it is traced and right after the detach. The
	// tracer's waitpid and PTRACE_GETSIGINFO become a wait for 't'; the
	// read after the detach is immediate, as the selftest's, which holds
	// because the kernel never lets the count drop while the cgroup stays
	// frozen.
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
			s.ReadState("a")
			s.WaitState(p, s.FrozenLetter())
			s.ReadState("a")
			s.Thaw("a")
			s.WaitThawed("a")
			selftestDestroy(s)
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
			selftestDestroy(s)
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
			selftestDestroy(s)
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
			selftestDestroy(s)
		},
	},
}
