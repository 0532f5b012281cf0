package freezer

import (
	"context"
	"fmt"
	"log/slog"
	"syscall"
	"time"
)

// This file is system suspend (patch 4/4 and kernel/power/process.c): the
// system freezer that freezes every task of the hierarchy, and the resume that
// must not undo a cgroup's freeze.

// FreezeProcesses freezes every freezable task of the hierarchy, as
// freeze_processes does before a system suspend: every task but the NoFreeze
// ones gets a freeze request, and FreezeProcesses blocks until each of them is
// frozen enough. Tasks forked meanwhile get a request at fork. Like the
// kernel's try_to_freeze_tasks it re-checks with a backoff (up to 10ms); a
// task in an uninterruptible wait holds it up until the wait ends.
//
// If ctx ends first, it thaws the tasks again ([Hierarchy.ThawProcesses]) and
// returns an error wrapping ctx.Err() whose *[BusyError] lists the tasks that
// refused. A second FreezeProcesses while one is in effect fails with EBUSY;
// one ended meanwhile by ThawProcesses fails with ECANCELED, and one after
// Shutdown with ENODEV.
func (h *Hierarchy) FreezeProcesses(ctx context.Context) error {
	if h.dying.Load() {
		return fmt.Errorf("freezer: freeze processes: %w", syscall.ENODEV)
	}
	epoch := h.suspend.Load()
	if epoch&1 == 1 || !h.suspend.CompareAndSwap(epoch, epoch+1) {
		return fmt.Errorf("freezer: freeze processes: %w", syscall.EBUSY)
	}
	epoch++
	h.debug("suspend freeze", slog.Uint64("epoch", epoch))
	backoff := 100 * time.Microsecond
	for {
		// One more pass after ctx ends: tasks that froze meanwhile count.
		done := ctx.Err() != nil
		busy, err := h.freezeAllTasks(epoch)
		switch {
		case err != nil:
			return fmt.Errorf("freezer: freeze processes: %w", err)
		case len(busy) == 0:
			return nil
		case done:
			berr := &BusyError{Err: ctx.Err(), Tasks: stats(busy)}
			h.ThawProcesses()
			return fmt.Errorf("freezer: freeze processes: %w", berr)
		}
		timer := time.NewTimer(backoff)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
		}
		backoff = min(2*backoff, 10*time.Millisecond)
	}
}

// freezeAllTasks is one pass of try_to_freeze_tasks: it sends a freeze
// request to every freezable task and returns those not yet frozen enough.
// It holds cgroup_mutex so that no attach drops a request meanwhile, and
// gives up (ECANCELED, ENODEV) if the suspend it serves has been ended by a
// resume or a shutdown, which take the same mutex after ending it.
func (h *Hierarchy) freezeAllTasks(epoch uint64) ([]*Task, error) {
	var busy []*Task
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	switch {
	case h.dying.Load():
		return nil, syscall.ENODEV
	case h.suspend.Load() != epoch:
		return nil, syscall.ECANCELED
	}
	h.eachCgroupLocked(func(c *Cgroup) {
		for t := range c.Tasks() {
			if t.noFreeze {
				continue
			}
			t.freezeTask()
			t.lock()
			if !t.frozenEnoughLocked() {
				busy = append(busy, t)
			}
			t.unlock()
		}
	})
	return busy, nil
}

// endSuspend ends the system suspend in effect, if any.
func (h *Hierarchy) endSuspend() {
	for {
		e := h.suspend.Load()
		if e&1 == 0 || h.suspend.CompareAndSwap(e, e+1) {
			return
		}
	}
}

// ThawProcesses ends a system suspend, as thaw_processes does: it thaws every
// task except those in a FREEZING or FROZEN cgroup (cgroup_freezing_or_frozen,
// the 2010 widening of the patch's cgroup_frozen), so resume never undoes a
// cgroup freeze. A FreezeProcesses still waiting gives up. It does not block
// beyond the library's locks.
func (h *Hierarchy) ThawProcesses() {
	h.endSuspend()
	h.cgroupMutex.Lock()
	defer h.cgroupMutex.Unlock()
	h.eachCgroupLocked(func(c *Cgroup) {
		if c.parent != nil && h.fz.freezing(c) {
			return
		}
		h.cssSetLock.RLock()
		c.thawTasksLocked()
		h.cssSetLock.RUnlock()
	})
	h.debug("suspend thaw", slog.Uint64("epoch", h.suspend.Load()))
}
