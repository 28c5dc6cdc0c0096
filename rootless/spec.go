package rootless

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrNoCgroup is why a rootless container cannot have limits here.
var ErrNoCgroup = errors.New("rootless berth cannot set resource limits (-m, --cpus, --pids-limit, ...): they need a cgroup v2 subtree delegated to your user (systemd's user@.service with Delegate=yes), and this host has none; run without the limit flags")

// Spec makes an engine spec runnable in the store's namespace, as podman
// does without a delegated cgroup: the cgroup tree belongs to the host's
// root, so the container runs in the caller's cgroup with no limits. The
// device allow-list goes (the namespace cannot mknod a device anyway, and
// the runtime bind-mounts the default nodes); any limit is an error rather
// than silently unenforced.
func Spec(s *specs.Spec) error {
	if !Active() || s.Linux == nil || s.Linux.Resources == nil {
		return nil
	}
	r := *s.Linux.Resources
	r.Devices = nil
	if r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil ||
		len(r.HugepageLimits) > 0 || r.Network != nil || len(r.Rdma) > 0 || len(r.Unified) > 0 {
		return ErrNoCgroup
	}
	s.Linux.Resources = nil
	return nil
}
