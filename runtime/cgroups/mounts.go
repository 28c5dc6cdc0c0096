package cgroups

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// hierarchies maps each mounted cgroup hierarchy under Root to its mount
// point: v1 ones by their controller list as the kernel prints it in
// /proc/self/cgroup ("cpu,cpuacct", "name=systemd"), cgroup2 by Unified.
func hierarchies() (map[string]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("find cgroup mounts: %w", err)
	}
	defer f.Close()
	out := make(map[string]string)
	s := bufio.NewScanner(f)
	for s.Scan() {
		// id parent maj:min root mountpoint opts [optional...] - fstype source superopts
		line := s.Text()
		sep := strings.Index(line, " - ")
		if sep < 0 {
			continue
		}
		pre, post := strings.Fields(line[:sep]), strings.Fields(line[sep+3:])
		if len(pre) < 5 || len(post) < 3 || !strings.HasPrefix(pre[4], Root) {
			continue
		}
		switch post[0] {
		case "cgroup2":
			out[Unified] = pre[4]
		case "cgroup":
			if key := v1Key(post[2]); key != "" {
				out[key] = pre[4]
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/self/mountinfo: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cgroup filesystem is mounted under %s", Root)
	}
	return out, nil
}

// v1Key turns a v1 mount's super options into the controller list
// /proc/self/cgroup uses for the same hierarchy.
func v1Key(superOpts string) string {
	var ctrls []string
	for _, o := range strings.Split(superOpts, ",") {
		switch {
		case o == "rw" || o == "ro" || o == "xattr" || o == "noprefix" || o == "clone_children" ||
			strings.HasPrefix(o, "release_agent="):
		default:
			ctrls = append(ctrls, o)
		}
	}
	return strings.Join(ctrls, ",")
}

// ownCgroups reads the caller's cgroup in each hierarchy, keyed as
// hierarchies() keys them.
func ownCgroups() (map[string]string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read own cgroups: %w", err)
	}
	out := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 {
			out[parts[1]] = parts[2]
		}
	}
	return out, nil
}
