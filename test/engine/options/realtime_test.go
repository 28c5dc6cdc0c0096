package options_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCPURealtime covers --cpu-rt-period and --cpu-rt-runtime (cgroup v1's
// cpu controller). As with dockerd started without its own --cpu-rt-runtime,
// the default parent cgroup has no realtime budget, so a runtime is refused
// with the kernel's EINVAL on cpu.rt_runtime_us, the error Docker shows; a
// --cgroup-parent that has a budget takes it.
func TestCPURealtime(t *testing.T) {
	cpu := "/sys/fs/cgroup/cpu"
	if _, err := os.Stat(filepath.Join(cpu, "cpu.rt_runtime_us")); err != nil {
		t.Skip("no cgroup v1 cpu controller with realtime group scheduling")
	}
	e := newEnv(t)
	e.Refused("cpu-rt-runtime is greater than cpu-rt-period", "run", "--rm", "--cpu-rt-period", "1000", "--cpu-rt-runtime", "2000", "busybox", "true")

	parent := fmt.Sprintf("berth-test-rt-%d", os.Getpid())
	dir := filepath.Join(cpu, parent)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The runtime makes the parent in every hierarchy (and the
		// unified one) for the container's cgroup: remove each.
		dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", parent))
		for _, d := range dirs {
			if err := os.Remove(d); err != nil {
				t.Errorf("remove the test's parent cgroup: %v", err)
			}
		}
	})
	if err := os.WriteFile(filepath.Join(dir, "cpu.rt_runtime_us"), []byte("20000"), 0o644); err != nil {
		t.Skipf("no realtime budget to give a test cgroup: %v", err)
	}
	e.Must("run", "-d", "--name", "rt", "--network", "none", "--cgroup-parent", parent,
		"--cpu-rt-period", "500000", "--cpu-rt-runtime", "10000", "busybox", "sleep", "1000")
	id := strings.TrimSpace(e.Inspect("rt", "{{.Id}}"))
	for file, want := range map[string]string{"cpu.rt_period_us": "500000", "cpu.rt_runtime_us": "10000"} {
		b, err := os.ReadFile(filepath.Join(dir, id, file))
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s: %q %v, want %s", file, b, err, want)
		}
	}
	if got := e.Inspect("rt", "{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}"); got != "500000 10000" {
		t.Errorf("inspect CpuRealtimePeriod/Runtime: %q", got)
	}
	// update changes the runtime live, checked against the kept period.
	e.Must("update", "--cpu-rt-runtime", "5000", "rt")
	if b, err := os.ReadFile(filepath.Join(dir, id, "cpu.rt_runtime_us")); err != nil || strings.TrimSpace(string(b)) != "5000" {
		t.Errorf("after update: cpu.rt_runtime_us %q %v", b, err)
	}
	if r := e.Run("update", "--cpu-rt-runtime", "600000", "rt"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "cpu-rt-runtime is greater than cpu-rt-period") {
		t.Errorf("update past the period: exit %d, %q", r.ExitCode, r.Stderr)
	}
	e.Must("rm", "-f", "rt")

	if b, err := os.ReadFile(filepath.Join(cpu, "berth", "cpu.rt_runtime_us")); err == nil && strings.TrimSpace(string(b)) == "0" {
		e.Refused("cpu.rt_runtime_us: invalid argument", "run", "--rm", "--network", "none", "--cpu-rt-runtime", "1000", "busybox", "true")
	}
}
