package spec_test

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// numaProbe prints the policy of the shell's first mapping, as numa_maps
// shows it ("interleave:0", "bind=static:0", "prefer=relative:0", ...).
const numaProbe = `head -n 1 /proc/self/numa_maps | cut -d " " -f 2`

// TestMemoryPolicy: linux.memoryPolicy reaches the init and an exec'd
// process, with its mode, nodes and flags.
func TestMemoryPolicy(t *testing.T) {
	cases := []struct {
		pol  specs.LinuxMemoryPolicy
		want string
	}{
		{specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0"}, "interleave:0"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}, "bind=static:0"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolDefault}, "default"},
	}
	for _, c := range cases {
		t.Run(string(c.pol.Mode), func(t *testing.T) {
			rt, b := setup(t)
			b.Update(func(s *specs.Spec) { s.Linux.MemoryPolicy = &c.pol })
			if got := rt.ShellOutput(t, b, numaProbe); got != c.want {
				t.Errorf("memory policy %+v: numa_maps says %q, want %q", c.pol, got, c.want)
			}
		})
	}
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFRelativeNodes}}
	})
	id, _ := rt.RunningSleeper(t, b)
	if got := rt.ExecOut(t, id, "sh", "-c", numaProbe); got != "prefer=relative:0" {
		t.Errorf("exec in a container with MPOL_PREFERRED, relative, node 0: %q", got)
	}
}

// TestMemoryPolicyRefused: a policy the kernel cannot take is refused
// before anything is made, in one line that says what is wrong.
func TestMemoryPolicyRefused(t *testing.T) {
	cases := []struct {
		name string
		pol  specs.LinuxMemoryPolicy
		want string
	}{
		{"no mode", specs.LinuxMemoryPolicy{Nodes: "0-7"}, "invalid memory policy mode"},
		{"unknown mode", specs.LinuxMemoryPolicy{Mode: "INTERLEAVE", Nodes: "0"}, "invalid memory policy mode"},
		{"unknown flag", specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{"badflag"}}, "invalid memory policy flag"},
		{"nodes for default", specs.LinuxMemoryPolicy{Mode: specs.MpolDefault, Nodes: "0-7"}, "memory policy mode requires 0 nodes but got 8"},
		{"no nodes for bind", specs.LinuxMemoryPolicy{Mode: specs.MpolBind}, "requires at least one node"},
		{"huge node", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-9876543210"}, "invalid memory policy node 9876543210"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, b := setup(t)
			b.Update(func(s *specs.Spec) { s.Linux.MemoryPolicy = &c.pol })
			id := testutil.NewID(t)
			res := rt.Run(t, "run", "--bundle", b.Dir, id)
			if res.ExitCode != 1 {
				t.Errorf("exit %d, want 1", res.ExitCode)
			}
			testutil.OneErrorLine(t, res.Stderr, c.want)
			rt.AssertNothingLeft(t, id, b)
		})
	}
}

// TestIntelRdtWithoutResctrl: linux.intelRdt on a host without resctrl
// (this one) is refused in one line that says so.
func TestIntelRdtWithoutResctrl(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "berth", L3CacheSchema: "L3:0=f"} })
	id := testutil.NewID(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", res.ExitCode)
	}
	testutil.OneErrorLine(t, res.Stderr, "linux.intelRdt: this host has no resctrl filesystem")
	if !strings.Contains(res.Stderr, "/sys/fs/resctrl") {
		t.Errorf("stderr %q does not say where resctrl was looked for", res.Stderr)
	}
	rt.AssertNothingLeft(t, id, b)
}
