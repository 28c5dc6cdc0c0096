package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/runtime/cgroups"
)

// StatsOptions are the flags of stats.
type StatsOptions struct {
	Refs     []string // none: every running container (with All, every one)
	All      bool
	NoStream bool
	Interval time.Duration // between refreshes; 1 s when 0
}

// StatsEntry is one row of stats, as Docker computes it from the cgroup.
type StatsEntry struct {
	ID, Name              string
	CPUPercent            float64
	MemUsage, MemLimit    uint64
	MemPercent            float64
	NetRx, NetTx          uint64
	BlockRead, BlockWrite uint64
	Pids                  uint64
	Running               bool
}

// cpuSample is a container's CPU time and the host's, in nanoseconds.
type cpuSample struct{ container, system uint64 }

// Stats calls emit with a row per container every interval, or once with
// NoStream. CPU % is the container's share of the host's CPU time over
// the interval, times the number of CPUs, as docker stats shows it.
func (e *Engine) Stats(ctx context.Context, o StatsOptions, emit func([]StatsEntry) error) error {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	first := o.Interval
	if o.NoStream {
		first = o.Interval / 2
	}
	prev := map[string]cpuSample{}
	list, err := e.rt.statsTargets(o)
	if err != nil {
		return err
	}
	for _, c := range list {
		if s, err := e.rt.sampleStats(c); err == nil {
			prev[c.ID] = s.cpu
		}
	}
	wait := first
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = o.Interval
		if list, err = e.rt.statsTargets(o); err != nil {
			return err
		}
		rows := make([]StatsEntry, 0, len(list))
		for _, c := range list {
			s, err := e.rt.sampleStats(c)
			if err != nil {
				rows = append(rows, StatsEntry{ID: c.ID, Name: c.Name})
				continue
			}
			if p, ok := prev[c.ID]; ok && s.cpu.system > p.system && s.cpu.container >= p.container {
				s.entry.CPUPercent = float64(s.cpu.container-p.container) / float64(s.cpu.system-p.system) * float64(onlineCPUs()) * 100
			}
			prev[c.ID] = s.cpu
			rows = append(rows, s.entry)
		}
		if err := emit(rows); err != nil || o.NoStream {
			return err
		}
	}
}

func (e *runtimeOps) statsTargets(o StatsOptions) ([]*Container, error) {
	if len(o.Refs) == 0 {
		return e.List(ListOptions{All: o.All})
	}
	out := make([]*Container, 0, len(o.Refs))
	for _, r := range o.Refs {
		c, err := e.Get(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

type statsSample struct {
	entry StatsEntry
	cpu   cpuSample
}

func (e *runtimeOps) sampleStats(c *Container) (statsSample, error) {
	s := statsSample{entry: StatsEntry{ID: c.ID, Name: c.Name}}
	if !c.Running() {
		return s, fmt.Errorf("container %s is not running", c.Name)
	}
	cg, err := e.cgroupOf(c)
	if err != nil {
		return s, err
	}
	st, err := cg.Stats()
	if err != nil {
		return s, err
	}
	s.cpu = cpuSample{container: st.CPU.Usage.Total, system: systemCPU()}
	en := &s.entry
	en.Running = true
	en.MemUsage, en.MemLimit = memoryUsage(st), st.Memory.Usage.Limit
	if total := hostMemory(); en.MemLimit == 0 || en.MemLimit > total {
		en.MemLimit = total
	}
	if en.MemLimit > 0 {
		en.MemPercent = float64(en.MemUsage) / float64(en.MemLimit) * 100
	}
	for _, b := range st.Blkio.IoServiceBytesRecursive {
		switch strings.ToLower(b.Op) {
		case "read":
			en.BlockRead += b.Value
		case "write":
			en.BlockWrite += b.Value
		}
	}
	en.Pids = st.Pids.Current
	if c.HostConfig.NetworkMode != "host" {
		en.NetRx, en.NetTx = netIO(c.State.Pid)
	}
	return s, nil
}

// memoryUsage leaves out the inactive page cache, as Docker's CLI does.
func memoryUsage(st *cgroups.Stats) uint64 {
	u := st.Memory.Usage.Usage
	inactive, ok := st.Memory.Raw["total_inactive_file"] // v1
	if !ok {
		inactive = st.Memory.Raw["inactive_file"] // v2
	}
	if inactive < u {
		return u - inactive
	}
	return u
}

// systemCPU is the host's CPU time in nanoseconds, from /proc/stat's cpu
// line (in USER_HZ ticks of 10 ms).
func systemCPU() uint64 {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 && fields[0] == "cpu" {
			var ticks uint64
			for _, v := range fields[1:8] {
				n, _ := strconv.ParseUint(v, 10, 64)
				ticks += n
			}
			return ticks * 10_000_000
		}
	}
	return 0
}

func onlineCPUs() int { return runtime.NumCPU() }

// hostMemory is MemTotal of /proc/meminfo in bytes.
func hostMemory() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// netIO sums the bytes received and sent on the interfaces of the
// container's network namespace, its loopback left out.
func netIO(pid int) (rx, tx uint64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return 0, 0
	}
	return parseNetDev(string(data))
}

func parseNetDev(data string) (rx, tx uint64) {
	for _, l := range strings.Split(data, "\n") {
		name, rest, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(f[0], 10, 64)
		t, _ := strconv.ParseUint(f[8], 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}
