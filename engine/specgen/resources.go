package specgen

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
)

// resources are linux.resources: the device cgroup denies all but the
// runtime's defaults, then the record's limits.
func resources(hc record.HostConfig) *specs.LinuxResources {
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
	if hc.Memory > 0 {
		m := hc.Memory
		r.Memory = &specs.LinuxMemory{Limit: &m}
		if hc.MemorySwap != 0 {
			sw := hc.MemorySwap
			r.Memory.Swap = &sw
		}
	}
	if hc.NanoCPUs > 0 || hc.CPUShares > 0 || hc.CpusetCpus != "" {
		r.CPU = &specs.LinuxCPU{Cpus: hc.CpusetCpus}
		if hc.CPUShares > 0 {
			sh := uint64(hc.CPUShares)
			r.CPU.Shares = &sh
		}
		if hc.NanoCPUs > 0 {
			period := uint64(100000)
			quota := hc.NanoCPUs * int64(period) / 1e9
			r.CPU.Period, r.CPU.Quota = &period, &quota
		}
	}
	if hc.PidsLimit > 0 {
		lim := hc.PidsLimit
		r.Pids = &specs.LinuxPids{Limit: &lim}
	}
	moreResources(r, hc.MoreResources)
	return r
}

// moreResources adds what update set to the resources a start applies.
func moreResources(r *specs.LinuxResources, m record.MoreResources) {
	if m.MemoryReservation > 0 {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		v := m.MemoryReservation
		r.Memory.Reservation = &v
	}
	if m.CPUPeriod > 0 || m.CPUQuota > 0 || m.CpusetMems != "" {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		if m.CPUPeriod > 0 {
			p := uint64(m.CPUPeriod)
			r.CPU.Period = &p
		}
		if m.CPUQuota > 0 {
			q := m.CPUQuota
			r.CPU.Quota = &q
		}
		r.CPU.Mems = m.CpusetMems
	}
	if m.CPURealtimePeriod != 0 || m.CPURealtimeRuntime != 0 {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		if m.CPURealtimePeriod > 0 {
			p := uint64(m.CPURealtimePeriod)
			r.CPU.RealtimePeriod = &p
		}
		if m.CPURealtimeRuntime != 0 {
			rt := m.CPURealtimeRuntime
			r.CPU.RealtimeRuntime = &rt
		}
	}
	if m.BlkioWeight > 0 {
		w := m.BlkioWeight
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
}

// extraResourceSpec adds the memory settings only create sets (swappiness,
// the OOM killer) to r; moreResources adds those update can change too.
func extraResourceSpec(r *specs.LinuxResources, x record.ExtraHostConfig) {
	if x.MemorySwappiness == nil && !x.OomKillDisable {
		return
	}
	if r.Memory == nil {
		r.Memory = &specs.LinuxMemory{}
	}
	if x.MemorySwappiness != nil {
		v := uint64(*x.MemorySwappiness)
		r.Memory.Swappiness = &v
	}
	if x.OomKillDisable {
		t := true
		r.Memory.DisableOOMKiller = &t
	}
}

// deviceSpec adds the rules, throttles and annotations to the spec.
func deviceSpec(s *specs.Spec, d record.DeviceHostConfig) {
	for _, r := range d.DeviceCgroupRules {
		rule, _ := options.ParseDeviceCgroupRule(r) // checked at create
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, rule)
	}
	conv := func(list []record.ThrottleDevice) []specs.LinuxThrottleDevice {
		var out []specs.LinuxThrottleDevice
		for _, t := range list {
			td := specs.LinuxThrottleDevice{Rate: t.Rate}
			td.Major, td.Minor = t.Major, t.Minor
			out = append(out, td)
		}
		return out
	}
	if len(d.BlkioReadBps)+len(d.BlkioWriteBps)+len(d.BlkioReadIOps)+len(d.BlkioWriteIOps) > 0 {
		r := s.Linux.Resources
		if r.BlockIO == nil {
			r.BlockIO = &specs.LinuxBlockIO{}
		}
		r.BlockIO.ThrottleReadBpsDevice = conv(d.BlkioReadBps)
		r.BlockIO.ThrottleWriteBpsDevice = conv(d.BlkioWriteBps)
		r.BlockIO.ThrottleReadIOPSDevice = conv(d.BlkioReadIOps)
		r.BlockIO.ThrottleWriteIOPSDevice = conv(d.BlkioWriteIOps)
	}
	if len(d.Annotations) > 0 {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		for k, v := range d.Annotations {
			s.Annotations[k] = v
		}
	}
}
