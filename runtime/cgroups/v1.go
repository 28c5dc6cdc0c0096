package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/cgroups/devices"
)

// v1Driver writes cgroup v1 files: each controller in its own hierarchy's
// directory (cpu and cpuacct may share one, or not, as on this host).
type v1Driver struct {
	dirs map[string]string // controller -> the container's directory in its hierarchy
}

func (d *v1Driver) has(c string) bool {
	_, ok := d.dirs[c]
	return ok
}

func (d *v1Driver) set(c string, r *specs.LinuxResources) error {
	dir := d.dirs[c]
	switch c {
	case ctrlCpuset:
		return setCpuset(dir, r.CPU)
	case ctrlCPU:
		return v1SetCPU(dir, r.CPU)
	case ctrlMemory:
		return v1SetMemory(dir, r.Memory)
	case ctrlPids:
		return writeFile(dir, "pids.max", []byte(limitString(pidsLimit(r.Pids.Limit), "max")))
	case ctrlBlkio:
		return v1SetBlkio(dir, r.BlockIO)
	case ctrlHugetlb:
		for _, h := range r.HugepageLimits {
			if err := writeFile(dir, "hugetlb."+h.Pagesize+".limit_in_bytes", []byte(strconv.FormatUint(h.Limit, 10))); err != nil {
				return err
			}
		}
		return nil
	case ctrlNetCls:
		return writeFile(dir, "net_cls.classid", []byte(strconv.FormatUint(uint64(*r.Network.ClassID), 10)))
	case ctrlNetPrio:
		for _, p := range r.Network.Priorities {
			if err := writeFile(dir, "net_prio.ifpriomap", []byte(p.Name+" "+strconv.FormatUint(uint64(p.Priority), 10))); err != nil {
				return err
			}
		}
		return nil
	case ctrlDevices:
		return devices.SetV1(dir, r.Devices)
	case ctrlRdma:
		return writeLines(dir, "rdma.max", rdmaLines(r.Rdma))
	}
	return fmt.Errorf("cgroup v1: no writer for controller %s", c)
}

// pidsLimit: a negative limit means none; 0 means 1, as in runc 1.2 and
// later (systemd has no TasksMax=0, and runc's two drivers agree).
func pidsLimit(v *int64) int64 {
	switch {
	case *v < 0:
		return -1
	case *v == 0:
		return 1
	}
	return *v
}

func setCpuset(dir string, c *specs.LinuxCPU) error {
	if c.Cpus != "" {
		if err := writeFile(dir, "cpuset.cpus", []byte(c.Cpus)); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		return writeFile(dir, "cpuset.mems", []byte(c.Mems))
	}
	return nil
}

func v1SetCPU(dir string, c *specs.LinuxCPU) error {
	if c.Shares != nil && *c.Shares != 0 {
		if err := writeFile(dir, "cpu.shares", []byte(strconv.FormatUint(*c.Shares, 10))); err != nil {
			return err
		}
	}
	// The kernel checks quota against period as each is written: when the
	// period write is refused, write the quota first.
	period := func() error {
		if c.Period == nil || *c.Period == 0 {
			return nil
		}
		return writeFile(dir, "cpu.cfs_period_us", []byte(strconv.FormatUint(*c.Period, 10)))
	}
	quota := func() error {
		if c.Quota == nil || *c.Quota == 0 {
			return nil
		}
		return writeFile(dir, "cpu.cfs_quota_us", []byte(limitString(*c.Quota, "-1")))
	}
	if err := period(); err != nil {
		if !errors.Is(err, unix.EINVAL) {
			return err
		}
		if err := quota(); err != nil {
			return err
		}
		if err := period(); err != nil {
			return err
		}
	} else if err := quota(); err != nil {
		return err
	}
	if c.Burst != nil {
		if err := writeFile(dir, "cpu.cfs_burst_us", []byte(strconv.FormatUint(*c.Burst, 10))); err != nil {
			return err
		}
	}
	if err := v1SetRealtime(dir, c); err != nil {
		return err
	}
	if c.Idle != nil {
		return writeFile(dir, "cpu.idle", []byte(strconv.FormatInt(*c.Idle, 10)))
	}
	return nil
}

// v1SetRealtime writes the realtime period and runtime. The kernel checks
// runtime <= period as each is written, so a period below the current
// runtime is refused (EINVAL) until the runtime is lowered: then the
// runtime goes first and the period after it, as runc does.
func v1SetRealtime(dir string, c *specs.LinuxCPU) error {
	hasRuntime := c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0
	var period []byte
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		period = []byte(strconv.FormatUint(*c.RealtimePeriod, 10))
		if err := writeFile(dir, "cpu.rt_period_us", period); err == nil {
			period = nil
		} else if !errors.Is(err, unix.EINVAL) || !hasRuntime {
			return err
		}
	}
	if !hasRuntime {
		return nil
	}
	if err := writeFile(dir, "cpu.rt_runtime_us", []byte(strconv.FormatInt(*c.RealtimeRuntime, 10))); err != nil {
		return fmt.Errorf("%w (the parent cgroup's cpu.rt_runtime_us must leave room for it)", err)
	}
	if period != nil {
		return writeFile(dir, "cpu.rt_period_us", period)
	}
	return nil
}

func v1SetMemory(dir string, m *specs.LinuxMemory) error {
	//lint:ignore SA1019 read only to warn that it is ignored, as runc does
	if m.Kernel != nil {
		slog.Warn("linux.resources.memory.kernel is ignored: kernel memory limits are obsolete since Linux 5.4")
	}
	if m.KernelTCP != nil {
		if err := writeFile(dir, "memory.kmem.tcp.limit_in_bytes", []byte(strconv.FormatInt(*m.KernelTCP, 10))); err != nil {
			return err
		}
	}
	limit, swap := m.Limit, m.Swap
	if limit != nil && *limit == -1 && swap == nil {
		unlimited := int64(-1)
		swap = &unlimited // no memory limit means no memory+swap limit either
	}
	if limit != nil && *limit > 0 && m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate {
		if err := checkUsage(dir, "memory.usage_in_bytes", *limit); err != nil {
			return err
		}
	}
	if limit != nil && swap != nil {
		if err := checkSwap(*swap, *limit); err != nil {
			return err
		}
	}
	hasSwap := exists(dir, "memory.memsw.limit_in_bytes")
	if swap != nil && !hasSwap {
		if *swap != -1 {
			return fmt.Errorf("memory.swap %d: this kernel does not account swap (no %s): boot it with swapaccount=1 or leave memory.swap out", *swap, filepath.Join(dir, "memory.memsw.limit_in_bytes"))
		}
		swap = nil
	}
	setLimit := func() error {
		if limit == nil {
			return nil
		}
		err := writeFile(dir, "memory.limit_in_bytes", []byte(strconv.FormatInt(*limit, 10)))
		if errors.Is(err, unix.EBUSY) {
			usage, _ := readUint(dir, "memory.usage_in_bytes")
			return fmt.Errorf("set memory limit to %d bytes: the container uses %d bytes and the kernel could not reclaim enough: raise the limit", *limit, usage)
		}
		if errors.Is(err, unix.EINVAL) && hasSwap && swap == nil {
			sw, _ := readString(dir, "memory.memsw.limit_in_bytes")
			return fmt.Errorf("set memory limit to %d bytes: above the memory+swap limit of %s bytes: raise memory.swap (--memory-swap) with it", *limit, sw)
		}
		return err
	}
	setSwap := func() error {
		if swap == nil {
			return nil
		}
		err := writeFile(dir, "memory.memsw.limit_in_bytes", []byte(strconv.FormatInt(*swap, 10)))
		if errors.Is(err, unix.EINVAL) && limit == nil {
			cur, _ := readString(dir, "memory.limit_in_bytes")
			return fmt.Errorf("set memory+swap limit to %d bytes: below the memory limit of %s bytes: lower memory (--memory) with it", *swap, cur)
		}
		return err
	}
	// memsw may never be below the memory limit: when raising both, swap
	// goes first, when lowering, memory does.
	first, second := setLimit, setSwap
	if limit != nil && swap != nil {
		cur, err := readUint(dir, "memory.limit_in_bytes")
		if err != nil {
			return err
		}
		if *swap == -1 || cur < uint64(*swap) {
			first, second = setSwap, setLimit
		}
	}
	if err := first(); err != nil {
		return err
	}
	if err := second(); err != nil {
		return err
	}
	if m.Reservation != nil {
		if err := writeFile(dir, "memory.soft_limit_in_bytes", []byte(strconv.FormatInt(*m.Reservation, 10))); err != nil {
			return err
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return fmt.Errorf("memory.swappiness %d: must be between 0 and 100", *m.Swappiness)
		}
		if err := writeFile(dir, "memory.swappiness", []byte(strconv.FormatUint(*m.Swappiness, 10))); err != nil {
			return err
		}
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		return writeFile(dir, "memory.oom_control", []byte("1"))
	}
	return nil
}

// checkUsage refuses a limit below what the cgroup uses now
// (linux.resources.memory.checkBeforeUpdate).
func checkUsage(dir, file string, limit int64) error {
	usage, err := readUint(dir, file)
	if err != nil {
		return err
	}
	if usage > uint64(limit) {
		return fmt.Errorf("memory limit %d bytes is below the container's current usage of %d bytes (checkBeforeUpdate): raise the limit", limit, usage)
	}
	return nil
}

// wantsWeights: a weight of 0 is unset, as runc reads it (dockerd sends
// weight 0 always, and hosts without BFQ or io.weight must run those).
func wantsWeights(b *specs.LinuxBlockIO) bool {
	if b.Weight != nil && *b.Weight != 0 {
		return true
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight != nil && *wd.Weight != 0 {
			return true
		}
	}
	return false
}

func v1SetBlkio(dir string, b *specs.LinuxBlockIO) error {
	// Without CFQ (gone since Linux 5.0) only BFQ's files carry weights.
	weightFile, deviceFile := "blkio.weight", "blkio.weight_device"
	if !exists(dir, weightFile) {
		weightFile, deviceFile = "blkio.bfq.weight", "blkio.bfq.weight_device"
	}
	if wantsWeights(b) && !exists(dir, weightFile) {
		return fmt.Errorf("blockIO weights: %s has neither blkio.weight nor blkio.bfq.weight: use the BFQ I/O scheduler or leave the weights out", dir)
	}
	if b.Weight != nil && *b.Weight != 0 {
		if err := writeFile(dir, weightFile, []byte(strconv.FormatUint(uint64(*b.Weight), 10))); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		if err := writeFile(dir, "blkio.leaf_weight", []byte(strconv.FormatUint(uint64(*b.LeafWeight), 10))); err != nil {
			return fmt.Errorf("blockIO.leafWeight needs CFQ's blkio.leaf_weight: %w", err)
		}
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight != nil && *wd.Weight != 0 {
			if err := writeFile(dir, deviceFile, []byte(fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.Weight))); err != nil {
				return err
			}
		}
		if wd.LeafWeight != nil {
			if err := writeFile(dir, "blkio.leaf_weight_device", []byte(fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.LeafWeight))); err != nil {
				return err
			}
		}
	}
	for _, t := range []struct {
		file string
		devs []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	} {
		if err := writeLines(dir, t.file, deviceLines(t.devs)); err != nil {
			return err
		}
	}
	return nil
}

func (d *v1Driver) freeze(frozen bool) error {
	dir := d.dirs[ctrlFreezer]
	want := "THAWED"
	if frozen {
		want = "FROZEN"
	}
	// A freeze can stay in FREEZING while a task is in an uninterruptible
	// sleep; writing FROZEN again retries it, as runc does.
	for i := 0; i < 1000; i++ {
		if i%50 == 0 {
			if err := writeFile(dir, "freezer.state", []byte(want)); err != nil {
				return err
			}
		}
		st, err := readString(dir, "freezer.state")
		if err != nil {
			return err
		}
		if st == want {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	err := fmt.Errorf("%s: the cgroup did not reach %s in 1s: a task may be stuck in the kernel; try again", filepath.Join(dir, "freezer.state"), want)
	if frozen {
		// Leave the cgroup running, not half frozen; a thaw that fails too
		// is part of what the caller must know.
		if terr := d.freeze(false); terr != nil {
			err = errors.Join(err, fmt.Errorf("thaw after the failed freeze: %w", terr))
		}
	}
	return err
}

func (d *v1Driver) frozen() (bool, error) {
	st, err := readString(d.dirs[ctrlFreezer], "freezer.state")
	return st == "FROZEN", err
}
