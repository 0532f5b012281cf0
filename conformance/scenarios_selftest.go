package conformance

// selftestScenarios are the kernel's cgroup v2 freezer selftests.
var selftestScenarios = []Scenario{}
