package spec_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/berth-containers/berth/test/testutil"
)

func TestFeatures(t *testing.T) {
	rt := testutil.NewRuntime(t)
	res := rt.Run(t, "features")
	if res.ExitCode != 0 && rt.Name() == "crun" && strings.Contains(res.Stderr, "unknown command") {
		t.Skip("crun 1.8 has no features command (runc has it since 1.1)")
	}
	if res.ExitCode != 0 {
		t.Fatalf("features: exit %d", res.ExitCode)
	}
	var f features.Features
	if err := json.Unmarshal([]byte(res.Stdout), &f); err != nil {
		t.Fatalf("features is not JSON: %v\n%s", err, res.Stdout)
	}
	if !strings.HasPrefix(f.OCIVersionMin, "1.0") || !strings.HasPrefix(f.OCIVersionMax, "1.") {
		t.Errorf("ociVersionMin %q, ociVersionMax %q", f.OCIVersionMin, f.OCIVersionMax)
	}
	requireAll(t, "hooks", f.Hooks, "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")
	requireAll(t, "mountOptions", f.MountOptions, "bind", "rbind", "ro", "rro", "nosuid", "noexec", "nodev", "rprivate")
	if rt.Name() == "berth-runtime" {
		requireAll(t, "mountOptions", f.MountOptions, "idmap", "ridmap")
	}
	if f.Linux == nil {
		t.Fatal("features lacks linux")
	}
	requireAll(t, "linux.namespaces", f.Linux.Namespaces, "cgroup", "ipc", "mount", "network", "pid", "uts")
	requireAll(t, "linux.capabilities", f.Linux.Capabilities, "CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_RAW")
	if f.Linux.Cgroup == nil || f.Linux.Cgroup.V1 == nil || !*f.Linux.Cgroup.V1 {
		t.Errorf("linux.cgroup.v1 not true: %+v", f.Linux.Cgroup)
	}
	if rt.Name() == "berth-runtime" {
		berthFeatures(t, f.Linux)
	}
}

// berthFeatures: the runtime-spec 1.3 blocks say what berth does and does
// not do (Intel RDT: not implemented).
func berthFeatures(t *testing.T, l *features.Linux) {
	t.Helper()
	sc := l.Seccomp
	if sc == nil || sc.Enabled == nil || !*sc.Enabled {
		t.Fatalf("linux.seccomp not enabled: %+v", sc)
	}
	requireAll(t, "linux.seccomp.actions", sc.Actions, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_NOTIFY")
	requireAll(t, "linux.seccomp.operators", sc.Operators, "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ")
	requireAll(t, "linux.seccomp.archs", sc.Archs, "SCMP_ARCH_X86_64", "SCMP_ARCH_X86")
	requireAll(t, "linux.seccomp.supportedFlags", sc.SupportedFlags, "SECCOMP_FILTER_FLAG_LOG")
	if me := l.MountExtensions; me == nil || me.IDMap == nil || me.IDMap.Enabled == nil || !*me.IDMap.Enabled {
		t.Errorf("linux.mountExtensions.idmap: %+v, want enabled", me)
	}
	if mp := l.MemoryPolicy; mp == nil {
		t.Error("linux.memoryPolicy missing")
	} else {
		requireAll(t, "linux.memoryPolicy.modes", mp.Modes, "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED", "MPOL_LOCAL")
		requireAll(t, "linux.memoryPolicy.flags", mp.Flags, "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES")
	}
	if nd := l.NetDevices; nd == nil || nd.Enabled == nil || !*nd.Enabled {
		t.Errorf("linux.netDevices: %+v, want enabled", nd)
	}
	off := map[string]*bool{"intelRdt": nil}
	if l.IntelRdt != nil {
		off["intelRdt"] = l.IntelRdt.Enabled
	}
	for name, enabled := range off {
		if enabled == nil || *enabled {
			t.Errorf("linux.%s.enabled: %v, want false (not implemented)", name, enabled)
		}
	}
}

func requireAll(t *testing.T, field string, have []string, want ...string) {
	t.Helper()
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			t.Errorf("features %s lacks %q (has %v)", field, w, have)
		}
	}
}
