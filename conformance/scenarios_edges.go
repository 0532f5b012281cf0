package conformance

import (
	"strings"

	"github.com/cgfreezer/freezer"
)

// pad pads s with spaces to n bytes.
func pad(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }

// noSuchPID is a PID no process has: PID_MAX_LIMIT, one past the largest PID
// a kernel hands out. Writes of PIDs use it and nothing else, so that no
// scenario can move a process it did not start.
const noSuchPID = "4194304"

// tryWrites writes each input to file, reads what the cgroup says after it,
// and puts the cgroup back with reset.
func tryWrites(s *S, cgroup, file string, inputs []string, reset string) {
	for _, in := range inputs {
		s.Write(cgroup+"/"+file, in)
		s.ReadState(cgroup)
		s.Write(cgroup+"/"+file, reset)
	}
}

// edgeScenarios are the write-parsing edges of the control files: every
// errno the version table and the errno table name, both sides of the
// 4096-byte limit, white space, and the integer forms kstrtoint takes.
var edgeScenarios = []Scenario{
	{
		// freezer.state takes FROZEN and THAWED with white space stripped at
		// both ends (the kernel's isspace, which has 0xA0 too); anything
		// else is EINVAL; "" does nothing; a write longer than a page is
		// E2BIG.
		Name:     "freezer.state writes",
		Versions: []freezer.Version{freezer.V1},
		Run: func(s *S) {
			s.Mkdir("a")
			tryWrites(s, "a", "freezer.state", []string{
				"FROZEN", "FROZEN\n", " FROZEN ", "\tFROZEN\n", "FROZEN\v\f\r", "\xa0FROZEN",
				"frozen", "FREEZING", "RUNNING", "FROZEN THAWED", "FROZENX", "FROZEN\x00", "FROZEN\x00X", "\x00FROZEN",
				"", "\n", " ", "THAWED", "THAWED\n",
				pad("FROZEN", 4096), pad("FROZEN", 4097), pad("", 4097),
			}, "THAWED")
		},
	},
	{
		// cgroup.freeze takes an int in kstrtoint's forms (base 0, a sign,
		// white space stripped at both ends) that is 0 or 1.
		Name:     "cgroup.freeze writes",
		Versions: []freezer.Version{freezer.V2},
		Run: func(s *S) {
			s.Mkdir("a")
			tryWrites(s, "a", "cgroup.freeze", []string{
				"1", "1\n", " 1 ", "0x1", "+1", "01", "0b1", "1 2", "true", "one", "1.0",
				"2", "-1", "-0", "2147483647", "2147483648", "-2147483649", "99999999999999999999",
				"0x", "1\x00", "1\x002", "\x001", "", "\n", " ", "0",
				pad("1", 4096), pad("1", 4097), pad("", 4097),
			}, "0")
		},
	},
	{
		// cgroup.procs takes a PID as kstrtoint reads it: garbage, a
		// negative PID and one beyond int are EINVAL, a PID no task has
		// is ESRCH.
		Name:     "cgroup.procs writes",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			for _, in := range []string{
				noSuchPID, noSuchPID + "\n", " " + noSuchPID + " ",
				"0x400000", "+" + noSuchPID, noSuchPID + "\x00junk",
				"abc", "-1", "2147483648", "", "\n", "\x00", pad(noSuchPID, 4097),
			} {
				s.Write("a/cgroup.procs", in)
			}
			s.Procs("a")
		},
	},
	{
		// The read-only files refuse a write, and change nothing; but a
		// write too long is E2BIG and an empty one does nothing, as on
		// every file.
		Name:     "read-only files",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			files := []string{"cgroup.events", "cgroup.stat.local"}
			if s.Version() == freezer.V1 {
				files = []string{"freezer.self_freezing", "freezer.parent_freezing"}
			}
			for _, f := range files {
				for _, in := range []string{"1", "0", "", pad("", 4097)} {
					s.Write("a/"+f, in)
				}
				s.ReadState("a")
			}
		},
	},
	{
		// cgroup.kill takes only 1, and cannot be read.
		Name:     "cgroup.kill",
		Versions: []freezer.Version{freezer.V2},
		Run: func(s *S) {
			s.Mkdir("a")
			s.Read("a/cgroup.kill")
			for _, in := range []string{"0", "2", "-1", "x", "", "0x1", " 1\n", "1"} {
				s.Write("a/cgroup.kill", in)
			}
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Write("a/cgroup.kill", "1")
			s.WaitGone(p)
			s.WaitEmpty("a")
		},
	},
	{
		// A task started in a cgroup that does not exist is not started,
		// and the scenario ends there.
		Name:     "start in a missing cgroup",
		Versions: both,
		Run: func(s *S) {
			s.Start(Sleeper, "a")
			s.Note("not reached")
		},
	},
	{
		// mkdir and rmdir errors, as the cgroupfs gives them.
		Name:     "mkdir and rmdir",
		Versions: both,
		Run: func(s *S) {
			s.Mkdir("a")
			s.Mkdir("a")
			s.Mkdir("x/y")
			s.Rmdir("x")
			s.Mkdir("a/b")
			s.Rmdir("a")
			s.Rmdir("a/b")
			p := s.Start(Sleeper, "a")
			s.WaitState(p, "S")
			s.Rmdir("a")
			s.Signal(p, Kill)
			s.WaitGone(p)
			s.WaitEmpty("a")
			s.Rmdir("a")
			s.Read("a/cgroup.procs")
		},
	},
}
