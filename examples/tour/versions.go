package main

import (
	"fmt"
	"slices"

	"github.com/cgfreezer/freezer"
)

// This file is the tour's second chapter, played with -versions: the same
// scenes on the three kernels the library can follow, so that the reader
// sees one set of writes answered three ways. Every scene runs once per
// kernel on a hierarchy of its own, made with freezer.WithVersion, and
// prints the reads and writes in that kernel's own files.

// A dialect is how one kernel's cgroupfs spells the freezer: the file a
// freeze and a thaw are written to and the words they take, the file that
// says whether the cgroup is frozen, the files that say whose freeze holds
// it, and the file a PID is written to to move a task.
type dialect struct {
	v            freezer.Version
	file         string // written to freeze and thaw
	freeze, thaw string // the words written to file
	state        string // read to see how far the freeze has got
	whose        []string
	procs        string
	// killsFrozen: a kill ends a frozen task at once, so the tour waits
	// for it to exit before it prints; elsewhere the task stays frozen.
	killsFrozen bool
}

var dialects = []dialect{
	{
		v: freezer.Patch2008, file: "freezer.state", freeze: "FROZEN", thaw: "RUNNING",
		state: "freezer.state", procs: "tasks",
	},
	{
		v: freezer.V1, file: "freezer.state", freeze: "FROZEN", thaw: "THAWED",
		state: "freezer.state", whose: []string{"freezer.self_freezing", "freezer.parent_freezing"}, procs: "tasks",
	},
	{
		v: freezer.V2, file: "cgroup.freeze", freeze: "1", thaw: "0",
		state: "cgroup.events", whose: []string{"cgroup.freeze"}, procs: "cgroup.procs",
		killsFrozen: true,
	},
}

// echo is the shell command that writes word to the freezer file of cgroup.
func (d dialect) echo(word, cgroup string) string {
	return fmt.Sprintf("echo %s > %s/%s", word, cgroup, d.file)
}

// cat is the shell command that reads the state of cgroup.
func (d dialect) cat(cgroup string) string { return fmt.Sprintf("cat %s/%s", cgroup, d.state) }

// A versionScene is one scene of the chapter: its title, what every
// kernel's hierarchy holds when it starts, the steps (played once per
// kernel), and a line per kernel on what it does there and why.
type versionScene struct {
	title  string
	setup  string
	play   func(tr *tour, d dialect)
	kernel map[freezer.Version]string
}

// playVersions plays every scene on each kernel in turn, each time on a
// fresh hierarchy, so that PIDs start at 1 for each and nothing carries over.
func (tr *tour) playVersions() {
	tr.note("The same writes on three kernels. Each scene runs three times, on a fresh hierarchy")
	tr.note("each: patch2008 (the 2008 patch), v1 (the mainline cgroup v1 freezer, Linux 6.16+)")
	tr.note("and v2 (the cgroup v2 freezer), each in its own files. PIDs start at 1 every time.")
	for i, sc := range versionScenes {
		tr.heading(fmt.Sprintf("%d. %s", i+1, sc.title))
		tr.note(sc.setup)
		for _, d := range dialects {
			tr.h = freezer.New(slices.Concat(tr.opts, []freezer.Option{freezer.WithVersion(d.v)})...)
			tr.step(d.v.String())
			sc.play(tr, d)
			tr.kernel(sc.kernel[d.v])
			tr.shutdown()
		}
	}
	tr.endRegion()
}

// mkdir makes a cgroup a scene starts with, without printing it: the
// scene's note says what is there.
func (tr *tour) mkdir(path string) *freezer.Cgroup {
	if err := tr.h.Mkdir(path); err != nil {
		tr.fail("mkdir %s: %v", path, err)
	}
	return tr.lookup(path)
}

// whose prints the files that say whose freeze covers cgroup, where the
// kernel has them.
func (tr *tour) whose(d dialect, cgroup string) {
	for _, f := range d.whose {
		tr.sh(fmt.Sprintf("cat %s/%s", cgroup, f))
	}
}

var versionScenes = []versionScene{
	{
		title: "Freeze, thaw, and what ps shows",
		setup: "/jobs holds a CPU-bound worker (PID 1) and a sleeper (PID 2)",
		play: func(tr *tour, d dialect) {
			jobs := tr.mkdir("/jobs")
			tr.spawn(jobs, "worker", busy)
			tr.spawn(jobs, "sleeper", sleep)
			tr.settle()
			tr.sh("ls /jobs")
			tr.sh(d.echo(d.freeze, "/jobs"))
			tr.settle()
			tr.sh(d.cat("/jobs"))
			tr.sh("ps")
			tr.sh(d.echo(d.thaw, "/jobs"))
			tr.settle()
			tr.sh(d.cat("/jobs"))
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "The refrigerator is an uninterruptible sleep, so ps shows both frozen tasks as D although neither waits for anything but the thaw; the thawed state is called RUNNING.",
			freezer.V1:        "Mainline v1 still parks tasks in the shared task freezer, which ps shows as D; it calls the thawed state THAWED and adds two read-only files saying whose freeze is in force.",
			freezer.V2:        "No state word: cgroup.freeze holds what was asked and cgroup.events what has been reached. A frozen task waits in an interruptible sleep inside signal handling, on its way back to user mode, so ps shows S.",
		},
	},
	{
		title: "A freeze meets a task in an uninterruptible wait",
		setup: "/jobs holds a sleeper (PID 1) and a task waiting uninterruptibly for a disk read (PID 2)",
		play: func(tr *tour, d dialect) {
			jobs := tr.mkdir("/jobs")
			io := make(chan struct{})
			tr.spawn(jobs, "sleeper", sleep)
			disk := tr.spawn(jobs, "disk", func(t *freezer.Task) {
				t.WaitUninterruptible(io)
				sleep(t)
			})
			tr.settle()
			tr.sh(d.echo(d.freeze, "/jobs"))
			tr.settle()
			tr.sh(d.cat("/jobs"))
			tr.sh("ps")
			tr.note("the disk read completes")
			close(io)
			tr.waitStat(disk, "frozen", func(st freezer.TaskStat) bool { return st.Frozen })
			tr.settle()
			tr.sh(d.cat("/jobs"))
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "The write sees a task it cannot freeze now and fails with EBUSY, leaving the cgroup FREEZING; the reader keeps its request, freezes as it leaves the wait, and the next read finds every task frozen.",
			freezer.V1:        "Since 3.8 the write never fails: it marks the cgroup freezing and returns. Reads say FREEZING until the reader's wait ends and it freezes; the read that then finds every task frozen records FROZEN.",
			freezer.V2:        "Writing 1 never fails either. The reader, in D, cannot reach the freezer trap, so cgroup.events says frozen 0; once its wait ends it takes the trap and frozen turns 1, with a notification for anyone polling the file.",
		},
	},
	{
		title: "Words the file does not take",
		setup: "/jobs is empty; FREEZING and 2 are written to its freezer file",
		play: func(tr *tour, d dialect) {
			tr.mkdir("/jobs")
			tr.sh(d.echo("FREEZING", "/jobs"))
			tr.sh(d.echo("2", "/jobs"))
			tr.sh(d.cat("/jobs"))
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "Only RUNNING and FROZEN are taken; anything else fails with EIO, FREEZING included: it is a state a read can show, not one anyone may ask for.",
			freezer.V1:        "Only THAWED and FROZEN are taken, once white space is stripped from both ends; anything else is EINVAL.",
			freezer.V2:        "cgroup.freeze takes a number, parsed like kstrtoint with base 0: FREEZING is not a number (EINVAL); 2 is one, but neither 0 nor 1 (ERANGE).",
		},
	},
	{
		title: "Freeze a parent, thaw its child",
		setup: "/jobs holds a sleeper (PID 1); its child cgroup /jobs/child holds another (PID 2)",
		play: func(tr *tour, d dialect) {
			jobs := tr.mkdir("/jobs")
			child := tr.mkdir("/jobs/child")
			tr.spawn(jobs, "parent", sleep)
			tr.spawn(child, "kid", sleep)
			tr.settle()
			tr.sh(d.echo(d.freeze, "/jobs"))
			tr.settle()
			tr.sh(d.echo(d.thaw, "/jobs/child"))
			tr.settle()
			tr.sh(d.cat("/jobs/child"))
			tr.whose(d, "/jobs/child")
			tr.sh("ps")
			tr.sh(d.echo(d.thaw, "/jobs"))
			tr.settle()
			tr.sh(d.cat("/jobs/child"))
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "The 2008 freezer is flat: a freeze covers the tasks of the cgroup written to and none below it, so the kid never froze and its cgroup's thaw had nothing to do.",
			freezer.V1:        "A freeze passes down the subtree as each descendant's parent_freezing; THAWED on the child clears only its own self_freezing, which was never set, so it stays FROZEN until /jobs thaws.",
			freezer.V2:        "The freeze in force is the cgroup's own or any ancestor's; the child's cgroup.freeze was 0 all along, so writing 0 changes nothing and it stays frozen 1 until /jobs writes 0.",
		},
	},
	{
		title: "A new cgroup under a frozen parent",
		setup: "/jobs holds a sleeper (PID 1)",
		play: func(tr *tour, d dialect) {
			jobs := tr.mkdir("/jobs")
			tr.spawn(jobs, "sleeper", sleep)
			tr.settle()
			tr.sh(d.echo(d.freeze, "/jobs"))
			tr.settle()
			tr.sh("mkdir /jobs/new")
			tr.settle()
			tr.sh(d.cat("/jobs/new"))
			tr.whose(d, "/jobs/new")
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "Flat again: a new cgroup starts RUNNING whatever its parent is doing.",
			freezer.V1:        "A cgroup made under a freezing parent starts with parent_freezing set, and FROZEN at once: it has no task to wait for.",
			freezer.V2:        "The new cgroup inherits the freeze in force and, being empty, is frozen 1 from the start, though its own cgroup.freeze is 0.",
		},
	},
	{
		title: "Moving tasks into and out of a frozen cgroup",
		setup: "/jobs holds a sleeper (PID 1); /other holds a visitor (PID 2)",
		play: func(tr *tour, d dialect) {
			jobs := tr.mkdir("/jobs")
			other := tr.mkdir("/other")
			sleeper := tr.spawn(jobs, "sleeper", sleep)
			visitor := tr.spawn(other, "visitor", sleep)
			tr.settle()
			tr.sh(d.echo(d.freeze, "/jobs"))
			tr.settle()
			tr.sh(fmt.Sprintf("echo %d > /jobs/%s", visitor.PID(), d.procs))
			tr.settle()
			tr.sh(fmt.Sprintf("echo %d > /other/%s", sleeper.PID(), d.procs))
			tr.settle()
			tr.sh(d.cat("/jobs"))
			tr.sh("ps")
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "can_attach refuses both moves with EBUSY: nothing may join a FROZEN cgroup, and (a check the merged kernel added) a frozen task may not leave one, where nobody would thaw it.",
			freezer.V1:        "Since 3.8 the freezer refuses no move: a task takes the state of the cgroup it lands in, freezing in /jobs (which reads FREEZING until it has) and running again in /other.",
			freezer.V2:        "No move is refused here either: a task arriving in a freezing cgroup is sent to the freezer trap, one leaving for a cgroup that does not freeze is let out, and both cgroups' frozen is brought up to date.",
		},
	},
	{
		title: "Killing a frozen task",
		setup: "/jobs holds a CPU-bound worker (PID 1) and a sleeper (PID 2)",
		play: func(tr *tour, d dialect) {
			jobs := tr.mkdir("/jobs")
			tr.spawn(jobs, "worker", busy)
			sleeper := tr.spawn(jobs, "sleeper", sleep)
			tr.settle()
			tr.sh(d.echo(d.freeze, "/jobs"))
			tr.settle()
			fmt.Fprintf(tr.w, "$ kill -KILL %d\n", sleeper.PID())
			sleeper.Kill()
			if d.killsFrozen {
				tr.wait(sleeper)
			}
			tr.settle()
			tr.sh("ps")
			tr.sh(d.cat("/jobs"))
			tr.sh(d.echo(d.thaw, "/jobs"))
			tr.wait(sleeper)
			tr.settle()
			tr.sh("ps")
		},
		kernel: map[freezer.Version]string{
			freezer.Patch2008: "The SIGKILL is queued, but the refrigerator does not look at signals: the task dies only when the thaw lets it reach its next safe point.",
			freezer.V1:        "The same in mainline v1: a task parked in the freezer cannot act on a fatal signal until it is thawed.",
			freezer.V2:        "A fatal signal breaks the v2 freezer trap, so the task dies at once; the worker is still frozen, so cgroup.events keeps frozen 1.",
		},
	},
}
