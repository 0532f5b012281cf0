package conformance

import "github.com/cgfreezer/freezer"

// both is the versions of a scenario that means the same in v1 and v2.
var both = []freezer.Version{freezer.V1, freezer.V2}

// tableScenarios are the rows of DESIGN.md's version table marked "seen":
// what Linux 6.18 did with real processes.
var tableScenarios = []Scenario{
	{
		Name:     "new cgroup",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.ReadState("a")
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
}
