package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCgroupParent: --cgroup-parent makes the container's cgroup under
// the one given, in every hierarchy, as dockerd's cgroupfs driver does;
// inspect shows the parent as given.
func TestCgroupParent(t *testing.T) {
	e := newEnv(t)
	parent := fmt.Sprintf("berth-test-cgp-%d", os.Getpid())
	t.Cleanup(func() {
		// The parent is the user's, as with Docker: rm leaves it.
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + parent)
		if st, err := os.Stat("/sys/fs/cgroup/" + parent); err == nil && st.IsDir() {
			dirs = append(dirs, "/sys/fs/cgroup/"+parent)
		}
		for _, d := range dirs {
			if err := os.Remove(d); err != nil {
				t.Errorf("remove the parent cgroup: %v", err)
			}
		}
	})
	e.Must("run", "-d", "--name", "cgp", "--network", "none", "--cgroup-parent", parent, "busybox", "sleep", "1000")
	id := e.Inspect("cgp", "{{.Id}}")
	if got := e.Inspect("cgp", "{{.HostConfig.CgroupParent}}"); got != parent {
		t.Errorf("HostConfig.CgroupParent %q, want %q", got, parent)
	}
	out := e.Must("exec", "cgp", "cat", "/proc/self/cgroup")
	want := "/" + parent + "/" + id
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[1] == "" || strings.HasPrefix(parts[1], "name=") {
			continue // cgroup2's line, systemd's named hierarchy
		}
		n++
		if parts[2] != want {
			t.Errorf("cgroup %s: %q, want %q", parts[1], parts[2], want)
		}
	}
	if n == 0 {
		t.Fatalf("no controller hierarchy in /proc/self/cgroup:\n%s", out)
	}
	if got := e.Must("top", "cgp"); !strings.Contains(got, "sleep") {
		t.Errorf("top finds no process under the parent: %s", got)
	}
	e.Must("rm", "-f", "cgp")
	if m, _ := filepath.Glob("/sys/fs/cgroup/*/" + parent + "/" + id); len(m) > 0 {
		t.Errorf("rm left the container's cgroups: %v", m)
	}
}
