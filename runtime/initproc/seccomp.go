package initproc

import (
	"encoding/json"
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/seccomp"
)

// compileSeccomp checks and compiles linux.seccomp while an error can still
// reach the runtime. Without no_new_privs, loading a filter needs
// CAP_SYS_ADMIN, so then (the spec's order) it is loaded now, before the
// capabilities are dropped; with no_new_privs it waits until just before
// execve (loadSeccompLast), so the filter constrains the container's
// program and not the runtime's set-up.
func compileSeccomp(c *Config) (*seccomp.Filter, error) {
	if c.Spec.Linux == nil || c.Spec.Linux.Seccomp == nil {
		return nil, nil
	}
	f, err := seccomp.New(c.Spec.Linux.Seccomp)
	if err != nil {
		return nil, err
	}
	if c.Spec.Process.NoNewPrivileges {
		return f, nil
	}
	return nil, loadSeccomp(f, c)
}

// loadSeccomp loads f and, for SCMP_ACT_NOTIFY, hands the listener fd to
// the agent at listenerPath with the container's state, as runc does.
func loadSeccomp(f *seccomp.Filter, c *Config) error {
	fd, err := f.Load()
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

// loadSeccomp loads the filter compileSeccomp kept for last, if any: the
// very last step before execve.
func (p *program) loadSeccomp(c *Config) error {
	if p.seccomp == nil {
		return nil
	}
	return loadSeccomp(p.seccomp, c)
}
