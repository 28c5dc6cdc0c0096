package initproc

import (
	"encoding/json"
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/seccomp"
)

// prepareSeccomp takes the program the runtime compiled from linux.seccomp
// (Config.Seccomp). Without no_new_privs, loading a filter needs
// CAP_SYS_ADMIN, so then (the spec's order) it is loaded now, before the
// capabilities are dropped; with no_new_privs it waits until just before
// the startContainer hooks and execve (program.loadSeccomp), so the filter
// constrains the container's program and hooks, not the runtime's set-up.
func prepareSeccomp(c *Config) (*seccomp.Program, error) {
	if c.Spec.Linux == nil || c.Spec.Linux.Seccomp == nil {
		return nil, nil
	}
	if c.Seccomp == nil {
		return nil, errors.New("linux.seccomp is set but the runtime sent no compiled filter")
	}
	if c.Spec.Process.NoNewPrivileges {
		return c.Seccomp, nil
	}
	return nil, loadSeccomp(c.Seccomp, c)
}

// loadSeccomp loads p and, for SCMP_ACT_NOTIFY, hands the listener fd to
// the agent at listenerPath with the container's state, as runc does.
func loadSeccomp(p *seccomp.Program, c *Config) error {
	fd, err := p.Load()
	if err != nil || fd < 0 {
		return err
	}
	defer unix.Close(fd)
	if c.SeccompListenerFD <= 0 {
		return errors.New("seccomp: SCMP_ACT_NOTIFY is used but no listener socket was opened")
	}
	st := specs.ContainerProcessState{
		Version: specs.Version, Fds: []string{specs.SeccompFdName}, Pid: c.State.Pid, State: c.State,
		Metadata: c.Spec.Linux.Seccomp.ListenerMetadata,
	}
	if c.Exec != nil {
		st.Pid = c.Exec.Pid
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("seccomp: encode process state: %w", err)
	}
	if err := unix.Sendmsg(c.SeccompListenerFD, payload, unix.UnixRights(fd), nil, 0); err != nil {
		return fmt.Errorf("seccomp: send listener fd to %s: %w", c.Spec.Linux.Seccomp.ListenerPath, err)
	}
	unix.Close(c.SeccompListenerFD)
	return nil
}

// loadSeccomp loads the filter prepareSeccomp kept for last, if any: the
// last step before the startContainer hooks and execve.
func (p *program) loadSeccomp(c *Config) error {
	if p.seccomp == nil {
		return nil
	}
	return loadSeccomp(p.seccomp, c)
}
