package freezer_test

import (
	"context"
	"iter"
	"log/slog"
	"time"

	"github.com/cgfreezer/freezer"
)

// The pinned API of DESIGN.md, checked at compile time: renaming or changing
// the signature of any of these breaks the build of the tests.
var (
	_ func(...freezer.Option) *freezer.Hierarchy = freezer.New
	_ func() freezer.Option                      = freezer.WithLockChecks
	_ func(*slog.Logger) freezer.Option          = freezer.WithLogger

	_ func(*freezer.Hierarchy) *freezer.Cgroup                                                         = (*freezer.Hierarchy).Root
	_ func(*freezer.Hierarchy, string) (*freezer.Cgroup, error)                                        = (*freezer.Hierarchy).Lookup
	_ func(*freezer.Hierarchy, string) error                                                           = (*freezer.Hierarchy).Mkdir
	_ func(*freezer.Hierarchy, string) error                                                           = (*freezer.Hierarchy).Rmdir
	_ func(*freezer.Hierarchy, string) ([]byte, error)                                                 = (*freezer.Hierarchy).ReadFile
	_ func(*freezer.Hierarchy, string, []byte) error                                                   = (*freezer.Hierarchy).WriteFile
	_ func(*freezer.Hierarchy, int) (*freezer.Task, bool)                                              = (*freezer.Hierarchy).Task
	_ func(*freezer.Hierarchy, context.Context) error                                                  = (*freezer.Hierarchy).FreezeProcesses
	_ func(*freezer.Hierarchy)                                                                         = (*freezer.Hierarchy).ThawProcesses
	_ func(*freezer.Hierarchy, context.Context) error                                                  = (*freezer.Hierarchy).Shutdown
	_ func(*freezer.Cgroup) string                                                                     = (*freezer.Cgroup).Path
	_ func(*freezer.Cgroup) *freezer.Cgroup                                                            = (*freezer.Cgroup).Parent
	_ func(*freezer.Cgroup, string) (*freezer.Cgroup, error)                                           = (*freezer.Cgroup).Mkdir
	_ func(*freezer.Cgroup) error                                                                      = (*freezer.Cgroup).Remove
	_ func(*freezer.Cgroup) iter.Seq[*freezer.Task]                                                    = (*freezer.Cgroup).Tasks
	_ func(*freezer.Cgroup, *freezer.Task) error                                                       = (*freezer.Cgroup).Attach
	_ func(*freezer.Cgroup) (freezer.State, error)                                                     = (*freezer.Cgroup).State
	_ func(*freezer.Cgroup) error                                                                      = (*freezer.Cgroup).Freeze
	_ func(*freezer.Cgroup) error                                                                      = (*freezer.Cgroup).Thaw
	_ func(*freezer.Cgroup, context.Context) error                                                     = (*freezer.Cgroup).WaitFrozen
	_ func(*freezer.Cgroup, context.Context) error                                                     = (*freezer.Cgroup).FreezeContext
	_ func() freezer.TaskOption                                                                        = freezer.NoFreeze
	_ func(*freezer.Task) bool                                                                         = (*freezer.Task).TryToFreeze
	_ func(*freezer.Task, time.Duration)                                                               = (*freezer.Task).Sleep
	_ func(*freezer.Task, time.Duration)                                                               = (*freezer.Task).SleepUninterruptible
	_ func(*freezer.Task, <-chan struct{})                                                             = (*freezer.Task).Wait
	_ func(*freezer.Task, <-chan struct{})                                                             = (*freezer.Task).WaitUninterruptible
	_ func(*freezer.Task) <-chan struct{}                                                              = (*freezer.Task).Interrupt
	_ func(*freezer.Task, string, func(*freezer.Task)) error                                           = (*freezer.Task).Vfork
	_ func(*freezer.Task) int                                                                          = (*freezer.Task).PID
	_ func(*freezer.Task) string                                                                       = (*freezer.Task).Name
	_ func(*freezer.Task) *freezer.Cgroup                                                              = (*freezer.Task).Cgroup
	_ func(*freezer.Task)                                                                              = (*freezer.Task).Kill
	_ func(*freezer.Task)                                                                              = (*freezer.Task).Stop
	_ func(*freezer.Task)                                                                              = (*freezer.Task).Continue
	_ func(*freezer.Task)                                                                              = (*freezer.Task).Trace
	_ func(*freezer.Task)                                                                              = (*freezer.Task).Untrace
	_ func(*freezer.Task) bool                                                                         = (*freezer.Task).Frozen
	_ func(*freezer.Task) bool                                                                         = (*freezer.Task).Freezing
	_ func(*freezer.Task) freezer.TaskStat                                                             = (*freezer.Task).Stat
	_ func(*freezer.Task) <-chan struct{}                                                              = (*freezer.Task).Done
	_ func(*freezer.Cgroup, string, func(*freezer.Task), ...freezer.TaskOption) (*freezer.Task, error) = (*freezer.Cgroup).Spawn
	_ func(*freezer.Task, string, func(*freezer.Task)) (*freezer.Task, error)                          = (*freezer.Task).Fork

	_ = [3]freezer.State{freezer.Running, freezer.Freezing, freezer.Frozen}
	_ = freezer.TaskStat{PID: 0, Name: "", Cgroup: "", State: 'R', Frozen: false, Freezing: false}
)
