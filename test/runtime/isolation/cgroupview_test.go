package isolation_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCgroupV1ViewIsTheContainers: without a cgroup namespace, each v1
// hierarchy in the container's /sys/fs/cgroup is a bind of the container's
// own cgroup, memory too. The init joins its memory cgroup only at exec,
// so that view was once the runtime's memory cgroup, where the container
// could make cgroups of its own on the host.
func TestCgroupV1ViewIsTheContainers(t *testing.T) {
	var sf syscall.Statfs_t
	if err := syscall.Statfs("/sys/fs/cgroup/memory", &sf); err != nil || sf.Type != 0x27e0eb { // CGROUP_SUPER_MAGIC
		t.Skip("needs a v1 memory hierarchy at /sys/fs/cgroup/memory")
	}
	for _, name := range []string{"general", "quick"} {
		t.Run(name, func(t *testing.T) {
			rt, b := setup(t)
			b.Update(func(s *specs.Spec) {
				var kept []specs.LinuxNamespace
				for _, ns := range s.Linux.Namespaces {
					if ns.Type != specs.CgroupNamespace {
						kept = append(kept, ns)
					}
				}
				s.Linux.Namespaces = kept
				if name == "general" { // a personality keeps the Go init
					s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux}
				}
			})
			id, st := rt.RunningSleeper(t, b)
			for _, ctrl := range []string{"memory", "pids"} {
				host := filepath.Join("/sys/fs/cgroup", ctrl, cgroupOf(t, st.Pid, ctrl))
				var hs syscall.Stat_t
				if err := syscall.Stat(host, &hs); err != nil {
					t.Fatal(err)
				}
				got := strings.TrimSpace(rt.ExecOut(t, id, "stat", "-c", "%i", "/sys/fs/cgroup/"+ctrl))
				if got != strconv.FormatUint(hs.Ino, 10) {
					t.Errorf("the container's /sys/fs/cgroup/%s is inode %s, its own cgroup %s is %d", ctrl, got, host, hs.Ino)
				}
			}
		})
	}
}

// cgroupOf is pid's cgroup in the v1 hierarchy with controller ctrl.
func cgroupOf(t *testing.T, pid int, ctrl string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), ctrl) {
			return parts[2]
		}
	}
	t.Fatalf("pid %d has no %s cgroup", pid, ctrl)
	return ""
}
