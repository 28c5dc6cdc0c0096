// Package stats samples a container's resource use from its cgroup
// (runtime/cgroups) and /proc, as docker stats shows it, and lists its
// processes as docker top does. It knows containers only as a cgroup, an
// init pid and a name: the engine finds them and says which to watch.
package stats

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/engine/sysinfo"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// Entry is one row of stats, as Docker computes it from the cgroup.
type Entry struct {
	ID, Name              string
	CPUPercent            float64
	MemUsage, MemLimit    uint64
	MemPercent            float64
	NetRx, NetTx          uint64
	BlockRead, BlockWrite uint64
	Pids                  uint64
	Running               bool
}

// Target is a container to sample. Cgroup finds its cgroup when it is
// running; Pid is its init, whose network namespace is read unless
// HostNetwork.
type Target struct {
	ID, Name    string
	Running     bool
	Pid         int
	HostNetwork bool
	Cgroup      func() (*cgroups.Manager, error)
}

// CPUSample is a container's CPU time and the host's, in nanoseconds.
type CPUSample struct{ Container, System uint64 }

// CPUPercent is the container's share of the host's CPU time between two
// samples, times the number of CPUs, as docker stats shows it; 0 when the
// samples do not move forward.
func CPUPercent(prev, cur CPUSample, ncpu int) float64 {
	if cur.System <= prev.System || cur.Container < prev.Container {
		return 0
	}
	return float64(cur.Container-prev.Container) / float64(cur.System-prev.System) * float64(ncpu) * 100
}

// Stream calls emit with a row per target every interval (1 s when 0), or
// once with once. targets is asked again at each round: containers come
// and go. The first round compares with a sample taken at the start, half
// an interval before it when once.
func Stream(ctx context.Context, interval time.Duration, once bool, targets func() ([]Target, error), emit func([]Entry) error) error {
	if interval <= 0 {
		interval = time.Second
	}
	wait := interval
	if once {
		wait = interval / 2
	}
	prev := map[string]CPUSample{}
	list, err := targets()
	if err != nil {
		return err
	}
	for _, t := range list {
		if s, err := Sample(t); err == nil {
			prev[t.ID] = s.CPU
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = interval
		if list, err = targets(); err != nil {
			return err
		}
		rows := make([]Entry, 0, len(list))
		for _, t := range list {
			s, err := Sample(t)
			if err != nil {
				rows = append(rows, Entry{ID: t.ID, Name: t.Name})
				continue
			}
			if p, ok := prev[t.ID]; ok {
				s.Entry.CPUPercent = CPUPercent(p, s.CPU, runtime.NumCPU())
			}
			prev[t.ID] = s.CPU
			rows = append(rows, s.Entry)
		}
		if err := emit(rows); err != nil || once {
			return err
		}
	}
}

// Snapshot is one sample of a container: its row, CPU percentage left at
// 0, and the CPU times the next sample is compared with.
type Snapshot struct {
	Entry Entry
	CPU   CPUSample
}

// Sample reads a running target's cgroup and network counters.
func Sample(t Target) (Snapshot, error) {
	s := Snapshot{Entry: Entry{ID: t.ID, Name: t.Name}}
	if !t.Running {
		return s, fmt.Errorf("container %s is not running", t.Name)
	}
	cg, err := t.Cgroup()
	if err != nil {
		return s, err
	}
	st, err := cg.Stats()
	if err != nil {
		return s, err
	}
	s.CPU = CPUSample{Container: st.CPU.Usage.Total, System: systemCPU()}
	fill(&s.Entry, st, sysinfo.MemTotal())
	if !t.HostNetwork {
		s.Entry.NetRx, s.Entry.NetTx = netIO(t.Pid)
	}
	return s, nil
}

// fill sets en's memory, block I/O and pid figures from a cgroup's stats;
// a limit of 0 or above the host's memory is the host's memory.
func fill(en *Entry, st *cgroups.Stats, hostMem uint64) {
	en.Running = true
	en.MemUsage, en.MemLimit = memoryUsage(st), st.Memory.Usage.Limit
	if en.MemLimit == 0 || en.MemLimit > hostMem {
		en.MemLimit = hostMem
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
	return parseProcStat(bufio.NewScanner(f))
}

func parseProcStat(sc *bufio.Scanner) uint64 {
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 8 && fields[0] == "cpu" {
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
