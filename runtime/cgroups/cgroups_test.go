package cgroups

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil/proctest"
)

func TestV1Key(t *testing.T) {
	for _, tc := range []struct{ opts, want string }{
		{"rw,memory", "memory"},
		{"rw,cpu,cpuacct", "cpu,cpuacct"},
		{"rw,xattr,name=systemd", "name=systemd"},
		{"rw,release_agent=/x,clone_children,pids", "pids"},
	} {
		if got := v1Key(tc.opts); got != tc.want {
			t.Errorf("v1Key(%q) = %q, want %q", tc.opts, got, tc.want)
		}
	}
}

func TestNewRejectsDotDot(t *testing.T) {
	if _, err := New("/a/../../etc", "x"); err == nil {
		t.Fatal("cgroupsPath with .. accepted")
	}
}

// TestApplyDestroy puts a real process into a real cgroup on every
// hierarchy of this host and removes it again.
func TestApplyDestroy(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
	id := "berthtest-cg-" + strconv.Itoa(os.Getpid())
	m, err := New("/berthtest/"+id, id)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer proctest.KillWait(t, cmd)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	pids, err := m.Pids()
	if err != nil || len(pids) != 1 || pids[0] != cmd.Process.Pid {
		t.Fatalf("Pids() = %v, %v; want [%d]", pids, err, cmd.Process.Pid)
	}
	self, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cgroup")
	if !strings.Contains(string(self), id) {
		t.Errorf("process cgroups do not name %s:\n%s", id, self)
	}
	proctest.KillWait(t, cmd)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Paths() {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists", p)
		}
		os.Remove(filepath.Dir(p)) // the /berthtest parent this test made
	}
}

// BenchmarkCreateSetDestroy is a container's whole cgroup cost outside the
// process itself: the directories in every hierarchy, a typical set of
// limits (runc's device rules included) and the removal.
func BenchmarkCreateSetDestroy(b *testing.B) {
	if os.Getuid() != 0 {
		b.Skip("needs root to create cgroups")
	}
	limit, pids, shares := int64(64<<20), int64(100), uint64(512)
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: &limit},
		Pids:    &specs.LinuxPids{Limit: &pids},
		CPU:     &specs.LinuxCPU{Shares: &shares},
	}
	for i := 0; i < b.N; i++ {
		id := "berthbench-cg-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(i)
		m, err := New("/"+id, id)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Create(); err != nil {
			b.Fatal(err)
		}
		if err := m.Set(r); err != nil {
			if derr := m.Destroy(); derr != nil {
				b.Error(derr)
			}
			b.Fatal(err)
		}
		if err := m.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}
