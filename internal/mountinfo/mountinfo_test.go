package mountinfo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	text := `37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
90 20 0:50 / /tmp/a\040b rw - fuse.cgroupfs freezer-42 rw,user_id=0
not a mountinfo line
`
	want := []Mount{
		{"/sys/fs/cgroup/freezer", "cgroup", "cgroup", []string{"rw", "freezer"}},
		{"/sys/fs/cgroup/unified", "cgroup2", "cgroup2", []string{"rw"}},
		{"/tmp/a b", "fuse.cgroupfs", "freezer-42", []string{"rw", "user_id=0"}},
	}
	if diff := cmp.Diff(want, Parse(text)); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}
