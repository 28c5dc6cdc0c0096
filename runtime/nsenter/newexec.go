package nsenter

import (
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/caps"
	"github.com/berth-containers/berth/runtime/seccomp"
	"github.com/berth-containers/berth/runtime/spec"
	"github.com/berth-containers/berth/runtime/user"
)

// NewExec resolves p for the constructor to apply. initProc is the
// container init's /proc directory, whose root has the /etc/passwd that
// HOME comes from.
func NewExec(p *specs.Process, passFDs int, initProc string, setGroups bool, sc *seccomp.Program) (*Exec, error) {
	cs, err := caps.New(p.Capabilities)
	if err != nil {
		return nil, err
	}
	cs.WarnUnraisable()
	x := &Exec{
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
		x.Rlimits = append(x.Rlimits, Rlimit{Resource: uint32(res), Soft: l.Soft, Hard: l.Hard})
	}
	// HOME as initproc's, from the container's /etc/passwd resolved
	// inside its root (the path is the container's to point anywhere).
	x.Env = spec.ProcessEnv(p.Env, func() string { return user.HomeDir(initProc+"/root", p.User.UID) })
	if sc != nil {
		x.Seccomp, x.SeccompFlags = sc.BPF, sc.Flags
	}
	return x, nil
}

// SetgroupsAllowed says whether the processes of initProc (/proc/PID) may
// call setgroups(2): an unprivileged user namespace may deny it, and an
// exec'd process is in the init's.
func SetgroupsAllowed(initProc string) bool {
	b, err := os.ReadFile(initProc + "/setgroups")
	return err != nil || strings.TrimSpace(string(b)) != "deny"
}
