// Package update is `berth update`'s checks: the flags given, against a
// container's host config, turned into the new host config and the
// resources to write into its live cgroup, with Docker's wording for what
// it refuses. It reads no cgroup and writes none: what the machine offers
// (CPUs, the I/O weight) comes in as Host, and applying the resources to
// a running container is the engine's.
package update

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/bytesize"
)

// Options are `berth update`'s flags: a nil field is left as it is.
type Options struct {
	Memory, MemorySwap, MemoryReservation *string // sizes: 64m, 1g; MemorySwap -1: unlimited
	CPUs                                  *string // 1.5
	CPUShares, CPUPeriod, CPUQuota        *int64
	CpusetCpus, CpusetMems                *string
	CPURtPeriod, CPURtRuntime             *int64 // µs, cgroup v1 only
	PidsLimit                             *int64 // 0 or -1: unlimited
	BlkioWeight                           *uint16
	Restart                               *string
}

// minMemory is Docker's smallest memory limit and reservation.
const minMemory = 6 << 20

// Host is what the checks need to know of the machine.
type Host struct {
	NumCPU int
	// BlkioWeight tells whether the kernel's I/O scheduler takes a cgroup
	// weight; without it a --blkio-weight is dropped with a warning.
	BlkioWeight bool
	// OnlineCPUs and OnlineMems are every online CPU and memory node: what
	// an empty cpuset is written as, which would leave the container
	// nowhere to run.
	OnlineCPUs, OnlineMems string
}

// Apply checks o against the container's host config and returns the new
// one, the resources to write into a live cgroup (nil: none changed) and
// the warnings to print.
func (o Options) Apply(hc record.HostConfig, h Host) (record.HostConfig, *specs.LinuxResources, []string, error) {
	var warnings []string
	r := &specs.LinuxResources{}
	if err := o.applyMemory(&hc, r); err != nil {
		return hc, nil, nil, err
	}
	if err := o.applyCPU(&hc, r, h); err != nil {
		return hc, nil, nil, err
	}
	if o.PidsLimit != nil {
		lim := *o.PidsLimit
		if lim <= 0 {
			lim = -1 // Docker: 0 and any negative value mean unlimited
			hc.PidsLimit = 0
		} else {
			hc.PidsLimit = lim
		}
		r.Pids = &specs.LinuxPids{Limit: &lim}
	}
	if o.BlkioWeight != nil {
		w := *o.BlkioWeight
		if w != 0 && (w < 10 || w > 1000) {
			return hc, nil, nil, errors.New("range of blkio weight is from 10 to 1000")
		}
		if h.BlkioWeight {
			hc.BlkioWeight = w
			r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		} else {
			warnings = append(warnings, "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
		}
	}
	if o.Restart != nil {
		if hc.AutoRemove {
			return hc, nil, nil, errors.New("restart policy cannot be updated because AutoRemove is enabled for the container")
		}
		p, err := options.ParseRestart(*o.Restart)
		if err != nil {
			return hc, nil, nil, err
		}
		hc.RestartPolicy = p
	}
	if r.Memory == nil && r.CPU == nil && r.Pids == nil && r.BlockIO == nil {
		r = nil
	}
	return hc, r, warnings, nil
}

func (o Options) applyMemory(hc *record.HostConfig, r *specs.LinuxResources) error {
	size := func(s *string, flag string) (int64, error) {
		if *s == "-1" && flag == "--memory-swap" {
			return -1, nil
		}
		n, err := bytesize.Parse(*s)
		if err != nil {
			return 0, fmt.Errorf("invalid argument %q for \"%s\" flag: %w", *s, flag, err)
		}
		return n, nil
	}
	m := &specs.LinuxMemory{}
	if o.Memory != nil {
		v, err := size(o.Memory, "-m, --memory")
		if err != nil {
			return err
		}
		if v != 0 && v < minMemory {
			return errors.New("minimum memory limit allowed is 6MB")
		}
		if o.MemorySwap == nil && hc.MemorySwap > 0 && v > hc.MemorySwap {
			return errors.New("memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
		}
		hc.Memory = v
		lim := v
		if v == 0 {
			lim = -1
			if o.MemorySwap == nil {
				hc.MemorySwap = 0 // no memory limit: no memory+swap limit either
			}
		}
		m.Limit = &lim
	}
	if o.MemorySwap != nil {
		v, err := size(o.MemorySwap, "--memory-swap")
		if err != nil {
			return err
		}
		if hc.Memory == 0 {
			return errors.New("you should always set the memory limit when using memoryswap limit, see usage")
		}
		if v > 0 && v < hc.Memory {
			return errors.New("minimum memoryswap limit should be larger than memory limit, see usage")
		}
		hc.MemorySwap = v
		sw := v
		m.Swap = &sw
		if m.Limit == nil {
			lim := hc.Memory // the runtime checks swap against the limit it is given
			m.Limit = &lim
		}
	}
	if o.MemoryReservation != nil {
		v, err := size(o.MemoryReservation, "--memory-reservation")
		if err != nil {
			return err
		}
		if v != 0 && v < minMemory {
			return errors.New("minimum memory reservation allowed is 6MB")
		}
		hc.MemoryReservation = v
		res := v
		if v == 0 {
			res = -1
		}
		m.Reservation = &res
	}
	if hc.Memory > 0 && hc.MemoryReservation > hc.Memory {
		return errors.New("minimum memory limit can not be less than memory reservation limit, see usage")
	}
	if *m != (specs.LinuxMemory{}) {
		r.Memory = m
	}
	return nil
}

func (o Options) applyCPU(hc *record.HostConfig, r *specs.LinuxResources, h Host) error {
	cpu := &specs.LinuxCPU{}
	if o.CPUs != nil && (o.CPUPeriod != nil || o.CPUQuota != nil) {
		return errors.New("conflicting options: Nano CPUs and CPU Period cannot both be set")
	}
	if o.CPUs != nil {
		n, err := options.ParseCPUs(*o.CPUs)
		if err != nil {
			return err
		}
		if hc.CPUPeriod > 0 || hc.CPUQuota > 0 {
			return errors.New("conflicting options: Nano CPUs cannot be updated as CPU Period or Quota has already been set")
		}
		if max := int64(h.NumCPU) * 1e9; n > max {
			return fmt.Errorf("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", h.NumCPU, h.NumCPU)
		}
		hc.NanoCPUs = n
		period, quota := uint64(100000), n*100000/1e9
		if n == 0 {
			quota = -1
		}
		cpu.Period, cpu.Quota = &period, &quota
	}
	if (o.CPUPeriod != nil || o.CPUQuota != nil) && hc.NanoCPUs > 0 {
		return errors.New("conflicting options: CPU Period or Quota cannot be updated as NanoCPUs has already been set")
	}
	if o.CPUPeriod != nil {
		p := *o.CPUPeriod
		if p != 0 && (p < 1000 || p > 1000000) {
			return errors.New("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
		}
		hc.CPUPeriod = p
		if p == 0 {
			p = 100000 // the kernel's default
		}
		up := uint64(p)
		cpu.Period = &up
	}
	if o.CPUQuota != nil {
		q := *o.CPUQuota
		if q > 0 && q < 1000 {
			return errors.New("CPU cfs quota can not be less than 1ms (i.e. 1000)")
		}
		hc.CPUQuota = q
		if q <= 0 {
			q = -1
		}
		cpu.Quota = &q
	}
	if o.CPUShares != nil {
		if *o.CPUShares < 0 {
			return fmt.Errorf("invalid --cpu-shares %d: must not be negative", *o.CPUShares)
		}
		hc.CPUShares = *o.CPUShares
		sh := uint64(*o.CPUShares)
		if sh == 0 {
			sh = 1024 // the kernel's default weight
		}
		cpu.Shares = &sh
	}
	if o.CpusetCpus != nil {
		if err := options.CheckCpuset(*o.CpusetCpus, "/sys/devices/system/cpu/online", "cpus"); err != nil {
			return err
		}
		hc.CpusetCpus = *o.CpusetCpus
		cpu.Cpus = orAll(*o.CpusetCpus, h.OnlineCPUs)
	}
	if o.CpusetMems != nil {
		if err := options.CheckCpuset(*o.CpusetMems, "/sys/devices/system/node/online", "mems"); err != nil {
			return err
		}
		hc.CpusetMems = *o.CpusetMems
		cpu.Mems = orAll(*o.CpusetMems, h.OnlineMems)
	}
	if err := o.applyRealtime(hc, cpu); err != nil {
		return err
	}
	if *cpu != (specs.LinuxCPU{}) {
		r.CPU = cpu
	}
	return nil
}

// applyRealtime sets --cpu-rt-period and --cpu-rt-runtime, checked
// together with the value of the other that is kept.
func (o Options) applyRealtime(hc *record.HostConfig, cpu *specs.LinuxCPU) error {
	if o.CPURtPeriod == nil && o.CPURtRuntime == nil {
		return nil
	}
	period, runtime := hc.CPURealtimePeriod, hc.CPURealtimeRuntime
	if o.CPURtPeriod != nil {
		period = *o.CPURtPeriod
	}
	if o.CPURtRuntime != nil {
		runtime = *o.CPURtRuntime
	}
	if err := options.CheckRealtime(period, runtime); err != nil {
		return err
	}
	hc.CPURealtimePeriod, hc.CPURealtimeRuntime = period, runtime
	if o.CPURtPeriod != nil && period > 0 {
		p := uint64(period)
		cpu.RealtimePeriod = &p
	}
	if o.CPURtRuntime != nil {
		cpu.RealtimeRuntime = &runtime
	}
	return nil
}

// orAll is s, or all when s is empty.
func orAll(s, all string) string {
	if s != "" {
		return s
	}
	return all
}
