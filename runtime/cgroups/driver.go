package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// driver is one cgroup layout's way of writing a container's cgroup: v1
// (a directory per hierarchy, one or a few controllers each) or v2 (one
// directory, controllers enabled from the parent). A Manager holds the
// drivers the host's layout calls for: [v1] on a v1 host, [v2] on a v2
// host, and [v1, v2] on a hybrid one, where each controller goes to the
// first driver that has it (memory in v1, hugetlb in the unified mount when
// only it is enabled there, as on this host).
type driver interface {
	// has tells whether the controller (named as in v1: "blkio", not "io")
	// is usable in the container's cgroup through this driver.
	has(controller string) bool
	// set writes the controller's part of r.
	set(controller string, r *specs.LinuxResources) error
	// stats adds the controller's figures to s.
	stats(controller string, s *Stats) error
	// freeze freezes (true) or thaws the cgroup and waits until done.
	freeze(frozen bool) error
	// frozen reads whether the cgroup is frozen.
	frozen() (bool, error)
}

// Controller names, in v1 spelling: the keys of resource groups.
const (
	ctrlCpuset  = "cpuset"
	ctrlCPU     = "cpu"
	ctrlCpuacct = "cpuacct"
	ctrlMemory  = "memory"
	ctrlPids    = "pids"
	ctrlBlkio   = "blkio"
	ctrlHugetlb = "hugetlb"
	ctrlNetCls  = "net_cls"
	ctrlNetPrio = "net_prio"
	ctrlDevices = "devices"
	ctrlRdma    = "rdma"
	ctrlFreezer = "freezer"
	ctrlUnified = "unified" // linux.resources.unified: raw cgroup2 files
)

// wanted lists, in the order they are written, the controllers whose part
// of r is set. cpuset comes first: a cpu quota may depend on the CPUs.
func wanted(r *specs.LinuxResources) []string {
	if r == nil {
		return nil
	}
	var out []string
	add := func(ok bool, c string) {
		if ok {
			out = append(out, c)
		}
	}
	if c := r.CPU; c != nil {
		add(c.Cpus != "" || c.Mems != "", ctrlCpuset)
		add(c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
			c.RealtimeRuntime != nil || c.RealtimePeriod != nil || c.Idle != nil, ctrlCPU)
	}
	if m := r.Memory; m != nil {
		//lint:ignore SA1019 a kernel limit is read to warn that it is ignored
		kernel := m.Kernel != nil
		add(m.Limit != nil || m.Reservation != nil || m.Swap != nil || m.Swappiness != nil ||
			m.DisableOOMKiller != nil || kernel || m.KernelTCP != nil, ctrlMemory)
	}
	add(r.Pids != nil && r.Pids.Limit != nil, ctrlPids)
	if b := r.BlockIO; b != nil {
		add(b.Weight != nil || b.LeafWeight != nil || len(b.WeightDevice) > 0 ||
			len(b.ThrottleReadBpsDevice)+len(b.ThrottleWriteBpsDevice)+
				len(b.ThrottleReadIOPSDevice)+len(b.ThrottleWriteIOPSDevice) > 0, ctrlBlkio)
	}
	add(len(r.HugepageLimits) > 0, ctrlHugetlb)
	if n := r.Network; n != nil {
		add(n.ClassID != nil, ctrlNetCls)
		add(len(n.Priorities) > 0, ctrlNetPrio)
	}
	add(len(r.Devices) > 0, ctrlDevices)
	add(len(r.Rdma) > 0, ctrlRdma)
	add(len(r.Unified) > 0, ctrlUnified)
	return out
}

// driverFor is the first driver that has the controller, or nil.
func (m *Manager) driverFor(controller string) driver {
	for _, d := range m.drivers() {
		if d.has(controller) {
			return d
		}
	}
	return nil
}

// drivers builds the drivers from the recorded paths: v1 hierarchies first,
// so on a hybrid host a controller bound to v1 is written there.
func (m *Manager) drivers() []driver {
	if m.drv != nil {
		return m.drv
	}
	v1 := v1Driver{dirs: map[string]string{}}
	for key, dir := range m.paths {
		if key == Unified {
			continue
		}
		for _, c := range strings.Split(key, ",") {
			v1.dirs[c] = dir
		}
	}
	if len(v1.dirs) > 0 {
		m.drv = append(m.drv, &v1)
	}
	if dir, ok := m.paths[Unified]; ok {
		m.drv = append(m.drv, newV2Driver(dir, len(v1.dirs) == 0))
	}
	return m.drv
}

// Set writes linux.resources into the cgroup: at create, before the
// container's program runs, and on update. A resource whose controller the
// host lacks is an error naming it, never a silent no-op.
func (m *Manager) Set(r *specs.LinuxResources) error {
	for _, c := range wanted(r) {
		d := m.driverFor(c)
		if d == nil {
			return m.missing(c)
		}
		if err := d.set(c, r); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) layoutName() string {
	_, v2 := m.paths[Unified]
	switch {
	case v2 && len(m.paths) == 1:
		return "cgroup v2"
	case v2:
		return "hybrid cgroup v1 and v2"
	}
	return "cgroup v1"
}

// Freeze freezes every process of the container (pause) or thaws them
// (resume), and returns once the kernel reports it done.
func (m *Manager) Freeze(frozen bool) error {
	d := m.driverFor(ctrlFreezer)
	if d == nil {
		return fmt.Errorf("pause needs the freezer cgroup controller, which this host (%s) lacks", m.layoutName())
	}
	return d.freeze(frozen)
}

// Frozen tells whether the container's cgroup is frozen (state "paused").
// A missing freezer or cgroup reads as not frozen.
func (m *Manager) Frozen() bool {
	d := m.driverFor(ctrlFreezer)
	if d == nil {
		return false
	}
	f, err := d.frozen()
	return err == nil && f
}

// Stats reads the figures of every controller the container's cgroup has.
func (m *Manager) Stats() (*Stats, error) {
	s := &Stats{Hugetlb: map[string]Hugetlb{}}
	for _, c := range []string{ctrlCPU, ctrlCpuacct, ctrlCpuset, ctrlMemory, ctrlPids, ctrlBlkio, ctrlHugetlb} {
		if d := m.driverFor(c); d != nil {
			if err := d.stats(c, s); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// readString reads a cgroup file, trimmed.
func readString(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", fmt.Errorf("read cgroup file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}
