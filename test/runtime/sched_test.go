package runtime_test

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

// schedProbe prints the scheduling policy, the I/O priority and the CPU
// affinity of the shell itself, and the machine uname reports.
const schedProbe = `grep '^policy' /proc/self/sched | tr -s ' '; ionice -p $$; taskset -p $$ | sed 's/.*: //'; uname -m`

// TestProcessScheduling: process.scheduler and process.ioPriority reach the
// init and an exec'd process, an exec'd process gets the container's
// linux.personality and execCPUAffinity.final (runtime-spec 1.3, runc 1.2+).
func TestProcessScheduling(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 5}
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE}
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	})
	b.Shell(schedProbe)
	out := strings.Split(strings.TrimSpace(rt.RunBundle(t, b).Stdout), "\n")
	if len(out) != 4 || out[0] != "policy : 3" || out[1] != "idle" || out[3] != "i686" {
		t.Errorf("init with SCHED_BATCH, IOPRIO_CLASS_IDLE and LINUX32: got %q, want policy 3, idle, i686", out)
	}

	b.Update(func(s *specs.Spec) { s.Process.Scheduler, s.Process.IOPriority = nil, nil })
	id, _ := rt.RunningSleeper(t, b)
	proc := b.Spec().Process
	proc.Args = []string{"sh", "-c", schedProbe}
	proc.Scheduler = &specs.Scheduler{Policy: specs.SchedIdle}
	proc.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}
	proc.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0", Final: "0"}
	data, err := json.Marshal(proc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out = strings.Split(rt.ExecOut(t, "--process", file, id), "\n")
	if len(out) != 4 || out[0] != "policy : 5" || out[1] != "best-effort: prio 6" || out[2] != "1" || out[3] != "i686" {
		t.Errorf("exec with SCHED_IDLE, best-effort 6, execCPUAffinity 0 in a LINUX32 container: got %q, want policy 5, best-effort: prio 6, mask 1, i686", out)
	}
}

// TestDeadlineSchedulerWithCpuset: SCHED_DEADLINE needs every CPU in the
// process's affinity; with a cpuset the kernel's EPERM is explained in
// runc's words, which its users match.
func TestDeadlineSchedulerWithCpuset(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs for a cpuset smaller than the machine")
	}
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Resources.CPU = &specs.LinuxCPU{Cpus: "0"}
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 42000, Deadline: 1000000, Period: 1000000}
	})
	id := testutil.NewID(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", res.ExitCode)
	}
	testutil.OneErrorLine(t, res.Stderr, "process scheduler can't be used together with AllowedCPUs")
	rt.AssertNothingLeft(t, id, b)
}

// TestInitScheduling: process.scheduler and process.ioPriority reach an
// init that nothing else keeps off the quick set-up path (runtime/container
// setupInRuntime), where they were once dropped without a word.
func TestInitScheduling(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 5}
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 3}
	})
	b.Shell(schedProbe)
	out := strings.Split(strings.TrimSpace(rt.RunBundle(t, b).Stdout), "\n")
	if len(out) != 4 || out[0] != "policy : 3" || out[1] != "best-effort: prio 3" {
		t.Errorf("init with SCHED_BATCH and best-effort 3: got %q, want policy 3, best-effort: prio 3", out)
	}
}
