// Package conformance measures the library's claim to behave as a kernel
// does: scenarios written once ([Scenario], [All]) run on two backends, the
// library ([Library], a simulated hierarchy) and the running kernel
// ([Kernel], the real cgroupfs with real processes), and the transcripts
// of what each step saw ([S]) must be equal.
//
// The scenarios are the rows of DESIGN.md's version table seen on Linux
// 6.18, the control files' write-parsing edges, the kernel selftest's
// cgroup v2 freezer tests and LTP's cgroup v1 freezer scripts. A transcript
// holds observations only: file contents, errnos, /proc state letters, who
// is alive; never a PID or a time, so that equal transcripts mean equal
// behaviour. Where the library differs from the kernel on purpose, a
// scenario says why ([Scenario].Differs).
//
// The package's test prints a report (go test ./conformance -run Report -v)
// and keeps it, with the kernel's transcripts, in testdata: where the kernel
// backend cannot run (it needs root, a writable v1 freezer and cgroup2
// hierarchy, and /dev/fuse), the library is compared with the recording.
// A program that uses the kernel backend calls [HelperMain] first: the
// backend's tasks are the program's own executable, run again.
package conformance
