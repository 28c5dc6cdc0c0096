package container

import (
	"strconv"

	"github.com/berth-containers/berth/runtime/nsenter"
	"github.com/berth-containers/berth/runtime/seccomp"
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
	sc, err := program()
	if err != nil {
		return nil, err
	}
	return nsenter.NewExec(e.proc, e.opts.PassFDs, initProc, nsenter.SetgroupsAllowed(initProc), sc)
}
