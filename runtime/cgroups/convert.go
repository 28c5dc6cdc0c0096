package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The runtime spec speaks cgroup v1; these turn its values into v2's the way
// runc does (and the runtime-spec's cgroup-v2 conversion document says), so
// a client sees the same cgroup files under either runtime.

// SharesToWeight maps cpu.shares [2, 262144] linearly onto cpu.weight
// [1, 10000]; 0 means unset. runc's ConvertCPUSharesToCgroupV2Value.
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares < 2 {
		shares = 2
	}
	if shares > 262144 {
		shares = 262144
	}
	return 1 + ((shares-2)*9999)/262142
}

// BlkioWeightToIOWeight maps blkio.weight [10, 1000] onto io.weight
// [1, 10000]; 0 means unset. runc's ConvertBlkIOToIOWeightValue.
func BlkioWeightToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	return 1 + (uint64(w)-10)*9999/990
}

// SwapToV2 turns the spec's swap (memory plus swap, as v1's memsw) into
// memory.swap.max (swap alone). ok is false when nothing is to be written.
func SwapToV2(swap, memory int64) (val string, ok bool, err error) {
	switch {
	case swap == 0:
		return "", false, nil
	case swap == -1:
		return "max", true, nil
	case memory == 0 || memory == -1:
		return "", false, fmt.Errorf("memory.swap %d needs a memory.limit too (on cgroup v2 swap is set as swap minus memory)", swap)
	}
	if err := checkSwap(swap, memory); err != nil {
		return "", false, err
	}
	return strconv.FormatInt(swap-memory, 10), true, nil
}

// checkSwap refuses a memory+swap limit below the memory limit, which the
// kernel would refuse with a bare EINVAL.
func checkSwap(swap, memory int64) error {
	if swap > 0 && memory > 0 && swap < memory {
		return fmt.Errorf("memory.swap %d is below memory.limit %d: swap counts memory plus swap, so it must be at least the limit", swap, memory)
	}
	return nil
}

// limitString renders a limit where -1 (and, for pids, 0) mean no limit.
func limitString(v int64, maxWord string) string {
	if v < 0 {
		return maxWord
	}
	return strconv.FormatInt(v, 10)
}

// cpuMax renders cpu.max: "<quota|max> [period]".
func cpuMax(quota *int64, period *uint64) string {
	q := "max"
	if quota != nil && *quota > 0 {
		q = strconv.FormatInt(*quota, 10)
	}
	if period != nil && *period != 0 {
		return q + " " + strconv.FormatUint(*period, 10)
	}
	return q
}

// deviceLines renders per-device throttles as "maj:min value" lines.
func deviceLines(devs []specs.LinuxThrottleDevice) []string {
	out := make([]string, 0, len(devs))
	for _, d := range devs {
		out = append(out, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate))
	}
	return out
}

// ioMaxLines merges the four throttle lists into io.max lines, one per
// device: "8:0 rbps=1048576 wiops=100".
func ioMaxLines(b *specs.LinuxBlockIO) []string {
	type dev struct{ major, minor int64 }
	var order []dev
	keys := map[dev][]string{}
	add := func(key string, devs []specs.LinuxThrottleDevice) {
		for _, d := range devs {
			k := dev{d.Major, d.Minor}
			if _, ok := keys[k]; !ok {
				order = append(order, k)
			}
			v := strconv.FormatUint(d.Rate, 10)
			if d.Rate == 0 {
				v = "max"
			}
			keys[k] = append(keys[k], key+"="+v)
		}
	}
	add("rbps", b.ThrottleReadBpsDevice)
	add("wbps", b.ThrottleWriteBpsDevice)
	add("riops", b.ThrottleReadIOPSDevice)
	add("wiops", b.ThrottleWriteIOPSDevice)
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, fmt.Sprintf("%d:%d %s", k.major, k.minor, strings.Join(keys[k], " ")))
	}
	return out
}

// rdmaLines renders rdma.max lines: "mlx4_0 hca_handle=2 hca_object=2000".
func rdmaLines(r map[string]specs.LinuxRdma) []string {
	out := make([]string, 0, len(r))
	for dev, l := range r {
		line := dev
		if l.HcaHandles != nil {
			line += " hca_handle=" + strconv.FormatUint(uint64(*l.HcaHandles), 10)
		}
		if l.HcaObjects != nil {
			line += " hca_object=" + strconv.FormatUint(uint64(*l.HcaObjects), 10)
		}
		out = append(out, line)
	}
	return out
}
