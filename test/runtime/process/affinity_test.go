package process_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// allowedProbe prints the CPUs the probe itself may run on.
var allowedProbe = []string{"grep", "-F", "Cpus_allowed_list:", "/proc/self/status"}

// TestAffinityResetWhenRuntimePinned: a runtime started pinned to CPU 0
// (taskset -c 0) does not pin the container. The init and an exec'd
// process (either way berth execs it) get every CPU, or their cgroup's
// cpuset, even one that excludes CPU 0, as with runc 1.2+.
func TestAffinityResetWhenRuntimePinned(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs")
	}
	all := allowedCPUs(t)
	for _, tc := range []struct {
		name, cpuset, want string
	}{
		{"no cpuset", "", all},
		{"cpuset 0-1", "0-1", "0-1"},
		{"cpuset 1, without the runtime's CPU", "1", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			b.Update(func(s *specs.Spec) {
				s.Process.Args = allowedProbe
				if tc.cpuset != "" {
					s.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: tc.cpuset, Mems: "0"}}
				}
			})
			want := "Cpus_allowed_list:\t" + tc.want
			res := rt.RunCmd(t, rt.PinnedCommand("0", "run", "--bundle", b.Dir, testutil.NewID(t)))
			if got := strings.TrimSpace(res.Stdout); res.ExitCode != 0 || got != want {
				t.Errorf("run under taskset -c 0: exit %d, %q; want %q", res.ExitCode, got, want)
			}

			b.SetArgs("sleep", "1000")
			id := testutil.NewID(t)
			rt.MustRun(t, "run", "-d", "--bundle", b.Dir, id)
			// A plain exec (berth's exec in C) and one whose process asks
			// for a scheduler (set up by the Go init).
			res = rt.RunCmd(t, rt.PinnedCommand("0", append([]string{"exec", id}, allowedProbe...)...))
			if got := strings.TrimSpace(res.Stdout); res.ExitCode != 0 || got != want {
				t.Errorf("exec under taskset -c 0: exit %d, %q; want %q", res.ExitCode, got, want)
			}
			proc := b.Spec().Process
			proc.Args, proc.Scheduler = allowedProbe, &specs.Scheduler{Policy: specs.SchedOther}
			res = rt.RunCmd(t, rt.PinnedCommand("0", "exec", "--process", processFile(t, proc), id))
			if got := strings.TrimSpace(res.Stdout); res.ExitCode != 0 || got != want {
				t.Errorf("exec of a process with a scheduler under taskset -c 0: exit %d, %q; want %q", res.ExitCode, got, want)
			}
		})
	}
}

// TestExecCPUAffinityInitialFinal: execCPUAffinity.initial is the
// affinity the exec'd process starts with, before it joins the container's
// cgroups (the constructor's trace shows it first thing); .final is the one
// it ends with; without .final it keeps .initial, not reset (runtime-spec
// 1.3, runc 1.2+).
func TestExecCPUAffinityInitialFinal(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs")
	}
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	for _, tc := range []struct {
		initial, final, wantMask, want string
	}{
		{"1", "", "0x2", "1"},
		{"0-1", "", "0x3", "0-1"},
		{"0", "1", "0x1", "1"},
		{"1", "0", "0x2", "0"},
	} {
		proc := b.Spec().Process
		proc.Args = allowedProbe
		proc.ExecCPUAffinity = &specs.CPUAffinity{Initial: tc.initial, Final: tc.final}
		res := rt.Run(t, "--trace", "exec", "--process", processFile(t, proc), id)
		got := strings.TrimSpace(res.Stdout)
		if res.ExitCode != 0 || got != "Cpus_allowed_list:\t"+tc.want {
			t.Errorf("exec with initial %q, final %q: exit %d, %q; want CPUs %s", tc.initial, tc.final, res.ExitCode, got, tc.want)
		}
		// The constructor's first trace line of its own, before any cgroup.
		first := "sched_getaffinity(0) = " + tc.wantMask + ": "
		i, j := strings.Index(res.Stderr, first), strings.Index(res.Stderr, "tasks <- 0)")
		if i < 0 || (j >= 0 && j < i) {
			t.Errorf("exec with initial %q: the trace has no %q before joining the cgroups:\n%s", tc.initial, first, res.Stderr)
		}
	}
}

// processFile writes proc as a process.json for exec --process.
func processFile(t *testing.T, proc *specs.Process) string {
	t.Helper()
	data, err := json.Marshal(proc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// allowedCPUs is the Cpus_allowed_list of the test itself: every CPU, as
// runc's bats take it.
func allowedCPUs(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("/proc/self/status has no Cpus_allowed_list")
	return ""
}
