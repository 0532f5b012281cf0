// Package sh prints what the example programs show the way a Unix shell and
// ps would: errno values as strerror spells them, and a ps-style table of
// every task in a hierarchy.
package sh

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"syscall"
	"text/tabwriter"

	"github.com/cgfreezer/freezer"
)

// strerror is glibc's text for the errno values the library returns.
var strerror = map[syscall.Errno]string{
	syscall.E2BIG:        "Argument list too long",
	syscall.EBUSY:        "Device or resource busy",
	syscall.ECANCELED:    "Operation canceled",
	syscall.EEXIST:       "File exists",
	syscall.EINVAL:       "Invalid argument",
	syscall.EIO:          "Input/output error",
	syscall.EISDIR:       "Is a directory",
	syscall.ENAMETOOLONG: "File name too long",
	syscall.ENODEV:       "No such device",
	syscall.ENOENT:       "No such file or directory",
	syscall.ENOTDIR:      "Not a directory",
	syscall.ESRCH:        "No such process",
}

// Strerror returns the errno that err wraps as a shell prints it
// ("Device or resource busy"). An error without an errno is returned as it
// is.
func Strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	if s, ok := strerror[errno]; ok {
		return s
	}
	s := errno.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// Tasks returns every live task of h, ascending by PID.
func Tasks(h *freezer.Hierarchy) []*freezer.Task { return Subtree(h.Root()) }

// Subtree returns every live task of c and its descendants, ascending by
// PID: those a write of cgroup.kill reaches.
func Subtree(c *freezer.Cgroup) []*freezer.Task {
	var ts []*freezer.Task
	var walk func(c *freezer.Cgroup)
	walk = func(c *freezer.Cgroup) {
		for t := range c.Tasks() {
			ts = append(ts, t)
		}
		for _, k := range c.Children() {
			walk(k)
		}
	}
	walk(c)
	slices.SortFunc(ts, func(a, b *freezer.Task) int { return a.PID() - b.PID() })
	return ts
}

// PS prints every live task of h, one line each: its PID, name, cgroup, the
// state letter of /proc/PID/stat (a frozen task is 'D' in the patch and v1,
// 'S' in v2, as each kernel shows it), and FROZEN: "yes" for a task parked
// in the refrigerator (the kernel's frozen(p)), "pending" for one with a
// freeze request it has not honoured yet (freezing(p)), "no" otherwise.
func PS(w io.Writer, h *freezer.Hierarchy) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PID\tNAME\tCGROUP\tSTATE\tFROZEN")
	for _, t := range Tasks(h) {
		st := t.Stat()
		if st.State == 'Z' {
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%c\t%s\n", st.PID, st.Name, st.Cgroup, st.State, Frozen(st))
	}
	tw.Flush()
}

// Frozen is the FROZEN column of [PS].
func Frozen(st freezer.TaskStat) string {
	switch {
	case st.Frozen:
		return "yes"
	case st.Freezing:
		return "pending"
	}
	return "no"
}
