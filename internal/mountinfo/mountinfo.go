// Package mountinfo reads /proc/self/mountinfo, where the conformance
// suite finds the cgroup hierarchies and the FUSE mounts it left, and
// cgroupfs the mounts whose server died.
package mountinfo

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Mount is a line of /proc/self/mountinfo: ID PARENT MAJ:MIN ROOT
// MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS.
type Mount struct {
	Point, FSType, Source string
	SuperOptions          []string
}

// Read reads /proc/self/mountinfo.
func Read() ([]Mount, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return Parse(string(data)), nil
}

// Parse parses the text of a mountinfo file; lines it cannot read are
// left out.
func Parse(text string) []Mount {
	var out []Mount
	for _, line := range strings.Split(text, "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 {
			continue
		}
		out = append(out, Mount{unescape(fields[4]), tail[0], tail[1], strings.Split(tail[2], ",")})
	}
	return out
}

// Cgroup finds the mount point of a cgroup hierarchy: the cgroup2 one if
// controller is "", else the v1 one that holds that controller ("freezer").
func Cgroup(controller string) (string, error) {
	mounts, err := Read()
	if err != nil {
		return "", err
	}
	for _, m := range mounts {
		switch {
		case controller == "" && m.FSType == "cgroup2",
			controller != "" && m.FSType == "cgroup" && slices.Contains(m.SuperOptions, controller):
			return m.Point, nil
		}
	}
	if controller == "" {
		return "", errors.New("no cgroup2 hierarchy is mounted")
	}
	return "", fmt.Errorf("no cgroup v1 %s hierarchy is mounted", controller)
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
