package runtime_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
	"github.com/opencontainers/runtime-spec/specs-go/features"
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
	if f.Linux == nil {
		t.Fatal("features lacks linux")
	}
	requireAll(t, "linux.namespaces", f.Linux.Namespaces, "cgroup", "ipc", "mount", "network", "pid", "uts")
	requireAll(t, "linux.capabilities", f.Linux.Capabilities, "CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_RAW")
	if f.Linux.Cgroup == nil || f.Linux.Cgroup.V1 == nil || !*f.Linux.Cgroup.V1 {
		t.Errorf("linux.cgroup.v1 not true: %+v", f.Linux.Cgroup)
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
