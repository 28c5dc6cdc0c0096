package container

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/caps"
	"github.com/berth-containers/berth/runtime/nsenter"
	"github.com/berth-containers/berth/runtime/seccomp"
	"github.com/berth-containers/berth/runtime/spec"
	"github.com/berth-containers/berth/runtime/user"
)

// execInC says whether the constructor can set the process up and exec it
// without starting Go in the child (runtime/nsenter/execve.c): anything but
// a terminal (a pty made inside the container and sent away), a seccomp
// agent (its fd must be sent to the agent) and LSM labels, which keep
// runtime/initproc's Go path.
func (e *execer) execInC() bool {
	p := e.proc
	// Scheduling, CPU affinity and personality are set in Go (initproc).
	return !p.Terminal && !seccomp.Notifies(seccompConfig(e.spec)) && p.ApparmorProfile == "" && p.SelinuxLabel == "" &&
		p.Scheduler == nil && p.IOPriority == nil && p.ExecCPUAffinity == nil && (e.spec.Linux == nil || e.spec.Linux.Personality == nil)
}

// cExec resolves the process for execve.c: what initproc would work out
// inside the container (capability sets, rlimit numbers, HOME, the
// compiled seccomp filter) is worked out here, while the child starts.
func (e *execer) cExec(program func() (*seccomp.Program, error)) (*nsenter.Exec, error) {
	initProc := "/proc/" + strconv.Itoa(e.c.state.InitPid)
	// An unprivileged user namespace may deny setgroups(2); the exec'd
	// process is in the init's.
	b, err := os.ReadFile(initProc + "/setgroups")
	setGroups := err != nil || strings.TrimSpace(string(b)) != "deny"
	sc, err := program()
	if err != nil {
		return nil, err
	}
	return newCExec(e.proc, e.opts.PassFDs, initProc, setGroups, sc)
}

// newCExec resolves p for the constructor to apply. initProc is the
// container init's /proc directory, whose root has the /etc/passwd that
// HOME comes from.
func newCExec(p *specs.Process, passFDs int, initProc string, setGroups bool, sc *seccomp.Program) (*nsenter.Exec, error) {
	cs, err := caps.New(p.Capabilities)
	if err != nil {
		return nil, err
	}
	x := &nsenter.Exec{
		Args: p.Args, Env: p.Env, Cwd: p.Cwd,
		UID: p.User.UID, GID: p.User.GID, Groups: p.User.AdditionalGids, SetGroups: setGroups,
		Bounding: uint64(cs.Bounding), Effective: uint64(cs.Effective), Permitted: uint64(cs.Permitted),
		Inheritable: uint64(cs.Inheritable), Ambient: uint64(cs.Ambient), LastCap: uint32(caps.Last()),
		OOMScoreAdj: p.OOMScoreAdj, Umask: p.User.Umask, NoNewPrivs: p.NoNewPrivileges, PassFDs: passFDs,
	}
	for _, l := range p.Rlimits {
		res, ok := spec.Rlimit(l.Type)
		if !ok {
			return nil, fmt.Errorf("process.rlimits: unknown type %q", l.Type)
		}
		x.Rlimits = append(x.Rlimits, nsenter.Rlimit{Resource: uint32(res), Soft: l.Soft, Hard: l.Hard})
	}
	if !hasEnv(p.Env, "HOME") {
		// As initproc's withHome, from the container's /etc/passwd,
		// resolved inside its root (the path is the container's to point
		// anywhere).
		x.Env = append(x.Env[:len(x.Env):len(x.Env)], "HOME="+user.HomeDir(initProc+"/root", p.User.UID))
	}
	if sc != nil {
		x.Seccomp, x.SeccompFlags = sc.BPF, sc.Flags
	}
	return x, nil
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}
