package cgroups

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats is a container's resource usage in runc's `events` JSON shape
// (types.Stats), which containerd and podman parse.
type Stats struct {
	CPU     CPU                `json:"cpu"`
	CPUSet  CPUSet             `json:"cpuset"`
	Memory  Memory             `json:"memory"`
	Pids    Pids               `json:"pids"`
	Blkio   Blkio              `json:"blkio"`
	Hugetlb map[string]Hugetlb `json:"hugetlb"`
}

type CPU struct {
	Usage      CPUUsage   `json:"usage,omitempty"`
	Throttling Throttling `json:"throttling,omitempty"`
}

// CPUUsage is in nanoseconds.
type CPUUsage struct {
	Total  uint64   `json:"total,omitempty"`
	Percpu []uint64 `json:"percpu,omitempty"`
	Kernel uint64   `json:"kernel"`
	User   uint64   `json:"user"`
}

type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"`
	ThrottledTime    uint64 `json:"throttledTime,omitempty"`
}

type CPUSet struct {
	CPUs string `json:"cpus,omitempty"`
	Mems string `json:"mems,omitempty"`
}

type MemoryEntry struct {
	Limit   uint64 `json:"limit"`
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

type Memory struct {
	Cache     uint64            `json:"cache,omitempty"`
	Usage     MemoryEntry       `json:"usage,omitempty"`
	Swap      MemoryEntry       `json:"swap,omitempty"`
	Kernel    MemoryEntry       `json:"kernel,omitempty"`
	KernelTCP MemoryEntry       `json:"kernelTCP,omitempty"`
	Raw       map[string]uint64 `json:"raw,omitempty"`
}

type Pids struct {
	Current uint64 `json:"current,omitempty"`
	Limit   uint64 `json:"limit,omitempty"`
}

type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"`
	Minor uint64 `json:"minor,omitempty"`
	Op    string `json:"op,omitempty"`
	Value uint64 `json:"value,omitempty"`
}

type Blkio struct {
	IoServiceBytesRecursive []BlkioEntry `json:"ioServiceBytesRecursive,omitempty"`
	IoServicedRecursive     []BlkioEntry `json:"ioServicedRecursive,omitempty"`
}

type Hugetlb struct {
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

// unlimited is how a v1 file spells "no limit" (and how runc reports max).
const unlimited = ^uint64(0)

// readUint reads a file holding one number; "max" reads as unlimited.
func readUint(dir, name string) (uint64, error) {
	s, err := readString(dir, name)
	if err != nil {
		return 0, err
	}
	if s == "max" {
		return unlimited, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// v1 prints -1 for an unset rt runtime and the like.
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return unlimited, nil
		}
		return 0, fmt.Errorf("parse %s: %w", filepath.Join(dir, name), err)
	}
	return v, nil
}

// ReadKeyValues reads a flat keyed file ("key value" lines: cpu.stat,
// memory.stat, memory.events).
func ReadKeyValues(dir, name string) (map[string]uint64, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("read cgroup file: %w", err)
	}
	defer f.Close()
	out := map[string]uint64{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, s.Err()
}

// writeLines writes one entry per write(2): the kernel takes one device or
// rule per write in these files.
func writeLines(dir, name string, lines []string) error {
	for _, l := range lines {
		if err := writeFile(dir, name, []byte(l)); err != nil {
			return err
		}
	}
	return nil
}

// opt reads an optional file: a controller's file that this kernel or
// configuration lacks reads as 0 instead of failing the whole stats.
func opt(dir, name string) uint64 {
	v, _ := readUint(dir, name)
	return v
}

func (d *v1Driver) stats(c string, s *Stats) error {
	dir := d.dirs[c]
	switch c {
	case ctrlCPU:
		st, err := ReadKeyValues(dir, "cpu.stat")
		if err != nil {
			return err
		}
		s.CPU.Throttling = Throttling{Periods: st["nr_periods"], ThrottledPeriods: st["nr_throttled"], ThrottledTime: st["throttled_time"]}
	case ctrlCpuacct:
		s.CPU.Usage.Total = opt(dir, "cpuacct.usage")
		if pc, err := readString(dir, "cpuacct.usage_percpu"); err == nil {
			for _, f := range strings.Fields(pc) {
				v, _ := strconv.ParseUint(f, 10, 64)
				s.CPU.Usage.Percpu = append(s.CPU.Usage.Percpu, v)
			}
		}
		// cpuacct.stat is in USER_HZ ticks (100 per second).
		if st, err := ReadKeyValues(dir, "cpuacct.stat"); err == nil {
			s.CPU.Usage.User = st["user"] * 10_000_000
			s.CPU.Usage.Kernel = st["system"] * 10_000_000
		}
	case ctrlCpuset:
		s.CPUSet.CPUs, _ = readString(dir, "cpuset.cpus")
		s.CPUSet.Mems, _ = readString(dir, "cpuset.mems")
	case ctrlMemory:
		raw, err := ReadKeyValues(dir, "memory.stat")
		if err != nil {
			return err
		}
		s.Memory.Raw = raw
		s.Memory.Cache = raw["total_cache"]
		entry := func(prefix string) MemoryEntry {
			return MemoryEntry{Limit: opt(dir, prefix+".limit_in_bytes"), Usage: opt(dir, prefix+".usage_in_bytes"),
				Max: opt(dir, prefix+".max_usage_in_bytes"), Failcnt: opt(dir, prefix+".failcnt")}
		}
		s.Memory.Usage = entry("memory")
		s.Memory.Swap = entry("memory.memsw")
		s.Memory.Kernel = entry("memory.kmem")
		s.Memory.KernelTCP = entry("memory.kmem.tcp")
	case ctrlPids:
		s.Pids = pidsStats(dir)
	case ctrlBlkio:
		s.Blkio.IoServiceBytesRecursive = v1BlkioEntries(dir, "blkio.throttle.io_service_bytes_recursive")
		s.Blkio.IoServicedRecursive = v1BlkioEntries(dir, "blkio.throttle.io_serviced_recursive")
	case ctrlHugetlb:
		return hugetlbStats(dir, s, ".usage_in_bytes", ".limit_in_bytes", ".max_usage_in_bytes", ".failcnt")
	}
	return nil
}

// pidsStats reports no limit as 0, as runc always has.
func pidsStats(dir string) Pids {
	p := Pids{Current: opt(dir, "pids.current"), Limit: opt(dir, "pids.max")}
	if p.Limit == unlimited {
		p.Limit = 0
	}
	return p
}

// v1BlkioEntries reads "8:0 Read 4096" lines.
func v1BlkioEntries(dir, name string) []BlkioEntry {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil
	}
	var out []BlkioEntry
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		var e BlkioEntry
		if _, err := fmt.Sscanf(f[0], "%d:%d", &e.Major, &e.Minor); err != nil {
			continue
		}
		e.Op = f[1]
		e.Value, _ = strconv.ParseUint(f[2], 10, 64)
		out = append(out, e)
	}
	return out
}

// hugetlbStats reads hugetlb.<size><suffix> files for every page size.
func hugetlbStats(dir string, s *Stats, usage, limit, peak, fail string) error {
	names, err := filepath.Glob(filepath.Join(dir, "hugetlb.*"+limit))
	if err != nil {
		return err
	}
	for _, n := range names {
		base := strings.TrimSuffix(filepath.Base(n), limit)
		size := strings.TrimPrefix(base, "hugetlb.")
		if strings.Contains(size, ".") { // hugetlb.2MB.rsvd.max
			continue
		}
		h := Hugetlb{Usage: opt(dir, base+usage), Max: opt(dir, base+peak)}
		if fail == "events" {
			if ev, err := ReadKeyValues(dir, base+".events"); err == nil {
				h.Failcnt = ev["max"]
			}
		} else {
			h.Failcnt = opt(dir, base+fail)
		}
		s.Hugetlb[size] = h
	}
	return nil
}

func (d *v2Driver) stats(c string, s *Stats) error {
	dir := d.dir
	switch c {
	case ctrlCPU, ctrlCpuacct:
		st, err := ReadKeyValues(dir, "cpu.stat")
		if err != nil {
			return err
		}
		s.CPU.Usage.Total = st["usage_usec"] * 1000
		s.CPU.Usage.User = st["user_usec"] * 1000
		s.CPU.Usage.Kernel = st["system_usec"] * 1000
		s.CPU.Throttling = Throttling{Periods: st["nr_periods"], ThrottledPeriods: st["nr_throttled"], ThrottledTime: st["throttled_usec"] * 1000}
	case ctrlCpuset:
		s.CPUSet.CPUs, _ = readString(dir, "cpuset.cpus.effective")
		s.CPUSet.Mems, _ = readString(dir, "cpuset.mems.effective")
	case ctrlMemory:
		raw, err := ReadKeyValues(dir, "memory.stat")
		if err != nil {
			return err
		}
		s.Memory.Raw = raw
		s.Memory.Cache = raw["file"]
		events, _ := ReadKeyValues(dir, "memory.events")
		s.Memory.Usage = MemoryEntry{Limit: opt(dir, "memory.max"), Usage: opt(dir, "memory.current"), Max: opt(dir, "memory.peak"), Failcnt: events["max"]}
		if exists(dir, "memory.swap.current") {
			swapEvents, _ := ReadKeyValues(dir, "memory.swap.events")
			// runc reports swap as memory+swap, v1's memsw.
			s.Memory.Swap = MemoryEntry{Limit: opt(dir, "memory.swap.max"), Usage: opt(dir, "memory.swap.current") + s.Memory.Usage.Usage, Failcnt: swapEvents["max"]}
		}
	case ctrlPids:
		s.Pids = pidsStats(dir)
	case ctrlBlkio:
		s.Blkio = v2IOStats(dir)
	case ctrlHugetlb:
		return hugetlbStats(dir, s, ".current", ".max", ".max", "events")
	}
	return nil
}

// v2IOStats reads io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...".
func v2IOStats(dir string) Blkio {
	var b Blkio
	data, err := os.ReadFile(filepath.Join(dir, "io.stat"))
	if err != nil {
		return b
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		var major, minor uint64
		if _, err := fmt.Sscanf(f[0], "%d:%d", &major, &minor); err != nil {
			continue
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseUint(v, 10, 64)
			e := BlkioEntry{Major: major, Minor: minor, Value: n}
			switch k {
			case "rbytes", "wbytes":
				e.Op = map[string]string{"rbytes": "Read", "wbytes": "Write"}[k]
				b.IoServiceBytesRecursive = append(b.IoServiceBytesRecursive, e)
			case "rios", "wios":
				e.Op = map[string]string{"rios": "Read", "wios": "Write"}[k]
				b.IoServicedRecursive = append(b.IoServicedRecursive, e)
			}
		}
	}
	return b
}
