package rootless

import (
	"errors"
	"fmt"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/usercgroup"
)

// limit is one kind of limit a spec asks for, with the controller it needs
// and the flags that set it (for the error when it is not delegated).
type limit struct{ controller, flags string }

// limitsOf lists the limits r asks for, in the order of the flags' help.
func limitsOf(r *specs.LinuxResources) []limit {
	if r == nil {
		return nil
	}
	var out []limit
	if m := r.Memory; m != nil && (m.Limit != nil || m.Reservation != nil || m.Swap != nil || m.Swappiness != nil || m.DisableOOMKiller != nil) {
		out = append(out, limit{"memory", "-m/--memory, --memory-reservation, --memory-swap"})
	}
	if c := r.CPU; c != nil {
		if c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil || c.Idle != nil || c.RealtimePeriod != nil || c.RealtimeRuntime != nil {
			out = append(out, limit{"cpu", "--cpus, --cpu-shares, --cpu-quota, --cpu-period"})
		}
		if c.Cpus != "" || c.Mems != "" {
			out = append(out, limit{"cpuset", "--cpuset-cpus, --cpuset-mems"})
		}
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		out = append(out, limit{"pids", "--pids-limit"})
	}
	if b := r.BlockIO; b != nil && (b.Weight != nil || len(b.WeightDevice)+len(b.ThrottleReadBpsDevice)+len(b.ThrottleWriteBpsDevice)+
		len(b.ThrottleReadIOPSDevice)+len(b.ThrottleWriteIOPSDevice) > 0) {
		out = append(out, limit{"io", "--blkio-weight, --device-read-bps, ..."})
	}
	if len(r.HugepageLimits) > 0 {
		out = append(out, limit{"hugetlb", "hugepage limits"})
	}
	if len(r.Rdma) > 0 {
		out = append(out, limit{"rdma", "rdma limits"})
	}
	if r.Network != nil && (r.Network.ClassID != nil || len(r.Network.Priorities) > 0) {
		out = append(out, limit{"net_cls/net_prio", "network class and priorities"})
	}
	for k := range r.Unified {
		ctrl, _, _ := strings.Cut(k, ".")
		out = append(out, limit{ctrl, "--cgroup-conf " + k})
	}
	return out
}

// placeCgroup puts a rootless container's cgroup where it can have
// limits, right under the user's delegated cgroup v2 subtree
// (<delegation>/berth-<id>, the id being the last element of the
// engine's cgroupsPath), and checks that each limit asked for has its
// controller delegated. Without a delegation the container runs in the
// caller's cgroup, which the runtime cannot leave, and a limit is an error
// saying why; without limits it just runs.
func placeCgroup(s *specs.Spec) error {
	limits := limitsOf(s.Linux.Resources)
	d, err := usercgroup.Find()
	if err != nil {
		if len(limits) > 0 {
			why := err.Error()
			var nd *usercgroup.NotDelegated
			if errors.As(err, &nd) {
				why = nd.Why
			}
			return fmt.Errorf("%w: %s; on a cgroup v2 host, %s, or run without the limit flags", ErrNoCgroup, why, usercgroup.FixHint)
		}
		s.Linux.Resources = nil
		return nil
	}
	for _, l := range limits {
		if !d.Has(l.controller) {
			return fmt.Errorf("rootless berth: %s need the %s cgroup controller, which is not delegated to your user (%s/cgroup.controllers has %q): %s, or run without them",
				l.flags, l.controller, d.Dir, strings.Join(d.Controllers, " "), usercgroup.FixHint)
		}
	}
	p, ok := delegatedPath(d, s.Linux.CgroupsPath)
	if !ok {
		return fmt.Errorf("rootless berth: the container's cgroupsPath %q names no container", s.Linux.CgroupsPath)
	}
	s.Linux.CgroupsPath = p
	if r := s.Linux.Resources; r != nil {
		// Device rules are an eBPF program on cgroup v2, which a user
		// cannot attach; the store's namespace cannot make device nodes
		// anyway, and the runtime binds the default ones.
		r.Devices = nil
	}
	return nil
}

// delegatedPath is where a container whose engine cgroupsPath is p has its
// cgroup under d: the id, p's last element, as <delegation>/berth-<id>.
func delegatedPath(d *usercgroup.Delegation, p string) (string, bool) {
	id := path.Base(p)
	if id == "." || id == "/" {
		return "", false
	}
	return d.ContainerPath(id), true
}

// CgroupsPath is the cgroup a rootless container with the engine's
// cgroupsPath p was given by Spec, for finding it again when no runtime
// state says where it is (a stale container, a create killed half way).
// Outside the rootless store, or without a delegation, it is p itself.
func CgroupsPath(p string) string {
	if !Active() {
		return p
	}
	d, err := usercgroup.Find()
	if err != nil {
		return p
	}
	if dp, ok := delegatedPath(d, p); ok {
		return dp
	}
	return p
}
