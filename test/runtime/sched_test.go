package runtime_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
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
