package conformance

// edgeScenarios are the write-parsing edges of the control files.
var edgeScenarios = []Scenario{}
