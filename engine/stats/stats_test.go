package stats

import (
	"bufio"
	"math"
	"strings"
	"testing"

	"github.com/berth-containers/berth/runtime/cgroups"
)

func TestCPUPercent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		prev, cur CPUSample
		ncpu      int
		want      float64
	}{
		{"idle", CPUSample{100, 1000}, CPUSample{100, 2000}, 2, 0},
		{"one of two CPUs busy", CPUSample{0, 0}, CPUSample{500, 1000}, 2, 100},
		{"a quarter of one CPU", CPUSample{1000, 1000}, CPUSample{1250, 2000}, 1, 25},
		{"all four CPUs", CPUSample{0, 0}, CPUSample{1000, 1000}, 4, 400},
		{"host time did not move", CPUSample{0, 1000}, CPUSample{10, 1000}, 2, 0},
		{"container time went back (a restart)", CPUSample{500, 0}, CPUSample{100, 1000}, 2, 0},
	} {
		if got := CPUPercent(tc.prev, tc.cur, tc.ncpu); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: CPUPercent = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFill(t *testing.T) {
	const gib = 1 << 30
	stats := func(usage, limit uint64, raw map[string]uint64) *cgroups.Stats {
		var st cgroups.Stats
		st.Memory.Usage.Usage, st.Memory.Usage.Limit, st.Memory.Raw = usage, limit, raw
		return &st
	}
	for _, tc := range []struct {
		name         string
		st           *cgroups.Stats
		host         uint64
		usage, limit uint64
		percent      float64
	}{
		{"v1 cache left out", stats(300, 1000, map[string]uint64{"total_inactive_file": 100}), gib, 200, 1000, 20},
		{"v2 cache left out", stats(300, 1000, map[string]uint64{"inactive_file": 200}), gib, 100, 1000, 10},
		{"cache above usage kept", stats(300, 1000, map[string]uint64{"inactive_file": 400}), gib, 300, 1000, 30},
		{"no limit: the host's memory", stats(gib/4, 0, nil), gib, gib / 4, gib, 25},
		{"limit above the host's: the host's", stats(gib/2, math.MaxInt64, nil), gib, gib / 2, gib, 50},
		{"host memory unknown", stats(10, 0, nil), 0, 10, 0, 0},
	} {
		var en Entry
		fill(&en, tc.st, tc.host)
		if en.MemUsage != tc.usage || en.MemLimit != tc.limit || math.Abs(en.MemPercent-tc.percent) > 1e-9 || !en.Running {
			t.Errorf("%s: usage %d limit %d %% %v, want %d %d %v", tc.name, en.MemUsage, en.MemLimit, en.MemPercent, tc.usage, tc.limit, tc.percent)
		}
	}
}

func TestFillBlkio(t *testing.T) {
	var st cgroups.Stats
	st.Blkio.IoServiceBytesRecursive = []cgroups.BlkioEntry{{Op: "Read", Value: 10}, {Op: "write", Value: 20}, {Op: "Read", Value: 5}, {Op: "Sync", Value: 99}}
	st.Pids.Current = 7
	var en Entry
	fill(&en, &st, 1)
	if en.BlockRead != 15 || en.BlockWrite != 20 || en.Pids != 7 {
		t.Errorf("block %d/%d pids %d, want 15/20 7", en.BlockRead, en.BlockWrite, en.Pids)
	}
}

func TestParseNetDev(t *testing.T) {
	data := `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:     300       3    0    0    0     0          0         0      200       2    0    0    0     0       0          0
  eth1:      30       3    0    0    0     0          0         0       20       2    0    0    0     0       0          0
`
	if rx, tx := parseNetDev(data); rx != 330 || tx != 220 {
		t.Errorf("parseNetDev = %d, %d; want 330, 220", rx, tx)
	}
}

func TestParseProcStat(t *testing.T) {
	stat := "cpu  10 20 30 40 50 60 70 80 90 100\ncpu0 1 2 3 4 5 6 7 8 9 10\n"
	if got := parseProcStat(bufio.NewScanner(strings.NewReader(stat))); got != 280*10_000_000 {
		t.Errorf("parseProcStat = %d, want %d (user..softirq, in ns)", got, 280*10_000_000)
	}
	if got := parseProcStat(bufio.NewScanner(strings.NewReader("cpu 1 2\n"))); got != 0 {
		t.Errorf("parseProcStat of a short line = %d, want 0", got)
	}
}
