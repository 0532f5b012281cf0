package conformance

// ltpScenarios are LTP's cgroup v1 freezer scripts.
var ltpScenarios = []Scenario{}
