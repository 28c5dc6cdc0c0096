package cgroups

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestSplitUntilReady on a v1 layout (paths only, as Load builds it): the
// pids limit waits for the init's set-up; memory is joined late on v1
// instead, so it is written with the cgroup; a spec with neither is unchanged.
func TestSplitUntilReady(t *testing.T) {
	m := Load(map[string]string{"pids": "/sys/fs/cgroup/pids/x", "memory": "/sys/fs/cgroup/memory/x"})
	limit, mem := int64(5), int64(64<<20)
	cpu := &specs.LinuxCPU{Cpus: "0"}

	r := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}, Memory: &specs.LinuxMemory{Limit: &mem}, CPU: cpu}
	now, later := m.SplitUntilReady(r)
	if later == nil || later.Pids == nil || *later.Pids.Limit != 5 {
		t.Fatalf("later = %+v, want the pids limit", later)
	}
	if now.Pids != nil || now.Memory == nil || *now.Memory.Limit != mem || now.CPU != cpu {
		t.Errorf("now = %+v, want everything but pids", now)
	}
	if r.Pids == nil {
		t.Error("the caller's resources were changed")
	}

	plain := &specs.LinuxResources{CPU: cpu}
	if now, later := m.SplitUntilReady(plain); now != plain || later != nil {
		t.Errorf("without pids: now %p later %v, want the same resources and nothing later", now, later)
	}
	if now, later := m.SplitUntilReady(nil); now != nil || later != nil {
		t.Error("nil resources split into something")
	}
}
