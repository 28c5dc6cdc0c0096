package initproc

import (
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/kfile"
	"github.com/berth-containers/berth/internal/ktrace"
)

// ExecConfig describes a process exec'd into a running container. nsenter
// has already put it into the container's namespaces and cgroups; it is
// the same init binary, so the container's process set-up code is shared.
//
//	parent (runtime/container/exec.go)          exec'd process (this file)
//	  Config{exec: ...} ---------------------->  rlimits, terminal, cwd, fds,
//	                                             user, capabilities, no_new_privs,
//	                                             LSM label, seccomp, execve
//	                 <------------------------  {"type":"error"} on failure, else
//	                                             EOF: the socket is close-on-exec
//
// No mount is made and no pivot_root done: the process entered the
// container's mount namespace at its root and only changes directory.
type ExecConfig struct {
	// Process is complete: the parent has merged flags and the container's
	// bounds into it.
	Process *specs.Process      `json:"process"`
	Seccomp *specs.LinuxSeccomp `json:"seccomp,omitempty"`
	// Personality is the container's linux.personality, which an exec'd
	// process gets too, as runc's.
	Personality *specs.LinuxPersonality `json:"personality,omitempty"`
	// Pid is the process as the host sees it (for the seccomp agent).
	Pid int `json:"pid"`
}

// execProcess turns this process into the exec'd program.
func execProcess(c *Config) error {
	proc := c.Exec.Process
	if proc == nil || len(proc.Args) == 0 {
		return fmt.Errorf("exec: process args must not be empty")
	}
	c.Spec = &specs.Spec{Process: proc, Linux: &specs.Linux{Seccomp: c.Exec.Seccomp, Personality: c.Exec.Personality}}
	if err := setExecAffinity(proc.ExecCPUAffinity); err != nil {
		return err
	}
	// LSM labels are set up for the next execve; they must be written while
	// the process still has the privileges to change them.
	if err := setExecLabels(proc); err != nil {
		return err
	}
	prog, err := prepareProcess(c)
	if err != nil {
		return err
	}
	if err := prog.loadSeccomp(c); err != nil {
		return err
	}
	ktrace.F("execve(%q, %s)", prog.path, ktrace.Argv(proc.Args))
	err = unix.Exec(prog.path, proc.Args, prog.env)
	return fmt.Errorf("exec %s: %w", proc.Args[0], err)
}

// setExecLabels applies process.apparmorProfile and process.selinuxLabel
// where the host runs that LSM; elsewhere they are accepted and ignored,
// as runc does.
func setExecLabels(proc *specs.Process) error {
	if proc.ApparmorProfile != "" && lsmEnabled("/sys/module/apparmor/parameters/enabled", "Y") {
		if err := kfile.WriteProc("self/attr/apparmor/exec", []byte("exec "+proc.ApparmorProfile)); err != nil {
			return fmt.Errorf("apparmor profile %q: %w", proc.ApparmorProfile, err)
		}
	}
	if proc.SelinuxLabel != "" && lsmEnabled("/sys/fs/selinux/enforce", "") {
		if err := kfile.WriteProc("self/attr/exec", []byte(proc.SelinuxLabel)); err != nil {
			return fmt.Errorf("selinux label %q: %w", proc.SelinuxLabel, err)
		}
	}
	return nil
}

func lsmEnabled(path, want string) bool {
	b, err := os.ReadFile(path)
	return err == nil && (want == "" || strings.TrimSpace(string(b)) == want)
}
