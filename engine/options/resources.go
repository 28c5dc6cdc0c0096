package options

import (
	"errors"
	"fmt"
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/bytesize"
)

// ipcSysctls are the sysctls of the IPC namespace that Docker allows.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// ParseSysctls reads --sysctl KEY=VALUE and allows only what Docker does:
// the sysctls of the container's own IPC and network namespaces. Any other
// would change the host.
func ParseSysctls(list []string, hostNet bool, ipcMode string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid argument %q for \"--sysctl\" flag: use KEY=VALUE", kv)
		}
		switch {
		case ipcSysctls[k] || strings.HasPrefix(k, "fs.mqueue."):
			if ipcMode == "host" || strings.HasPrefix(ipcMode, "container:") {
				return nil, fmt.Errorf("sysctl %q is not allowed with --ipc %s: it would change the namespace the container shares", k, ipcMode)
			}
		case strings.HasPrefix(k, "net."):
			if hostNet {
				return nil, fmt.Errorf("sysctl %q is not allowed in host network namespace", k)
			}
		default:
			return nil, fmt.Errorf("invalid argument %q for \"--sysctl\" flag: sysctl '%s' is not whitelisted: only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* are namespaced", kv, k)
		}
		out[k] = v
	}
	return out, nil
}

// ExtraResources checks and records the finer resource flags, with
// Docker's ranges and messages.
func ExtraResources(o CreateOptions, hc *record.HostConfig) error {
	x, m := &hc.ExtraHostConfig, &hc.MoreResources
	m.CPUPeriod, m.CPUQuota, m.CpusetMems = o.CPUPeriod, o.CPUQuota, o.CpusetMems
	if hc.NanoCPUs > 0 && m.CPUPeriod > 0 {
		return errors.New("conflicting options: Nano CPUs and CPU Period cannot both be set")
	}
	if hc.NanoCPUs > 0 && m.CPUQuota > 0 {
		return errors.New("conflicting options: Nano CPUs and CPU Quota cannot both be set")
	}
	if m.CPUPeriod != 0 && (m.CPUPeriod < 1000 || m.CPUPeriod > 1000000) {
		return errors.New("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
	}
	if m.CPUQuota != 0 && m.CPUQuota < 1000 {
		return errors.New("CPU cfs quota can not be less than 1ms (i.e. 1000)")
	}
	if err := realtime(o, m); err != nil {
		return err
	}
	if o.MemoryReservation != "" {
		r, err := bytesize.Parse(o.MemoryReservation)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"--memory-reservation\" flag: %w", o.MemoryReservation, err)
		}
		if hc.Memory > 0 && r > hc.Memory {
			return errors.New("minimum memory limit can not be less than memory reservation limit, see usage")
		}
		m.MemoryReservation = r
	}
	if p := o.MemorySwappiness; p != nil && *p != -1 {
		s := *p
		if s < 0 || s > 100 {
			return fmt.Errorf("invalid value: %d, valid memory swappiness range is 0-100", s)
		}
		x.MemorySwappiness = &s
	}
	if o.OomScoreAdj < -1000 || o.OomScoreAdj > 1000 {
		return fmt.Errorf("invalid value %d, range for oom score adj is [-1000, 1000]", o.OomScoreAdj)
	}
	x.OomScoreAdj, x.OomKillDisable = o.OomScoreAdj, o.OomKillDisable
	if w := o.BlkioWeight; w != 0 && (w < 10 || w > 1000) {
		return errors.New("range of blkio weight is from 10 to 1000")
	}
	m.BlkioWeight = o.BlkioWeight
	return nil
}

// realtime checks and records --cpu-rt-period and --cpu-rt-runtime as
// dockerd's verifyPlatformContainerResources does. Docker 20.10 only
// refuses a runtime above the period; a negative period or a runtime
// below -1 the kernel refuses at start, so they are refused here, sooner.
func realtime(o CreateOptions, m *record.MoreResources) error {
	if err := CheckRealtime(o.CPURtPeriod, o.CPURtRuntime); err != nil {
		return err
	}
	m.CPURealtimePeriod, m.CPURealtimeRuntime = o.CPURtPeriod, o.CPURtRuntime
	return nil
}

// CheckRealtime checks a realtime period and runtime (µs, 0: unset) for
// create and update.
func CheckRealtime(period, runtime int64) error {
	if period < 0 {
		return fmt.Errorf("invalid --cpu-rt-period %d: must not be negative", period)
	}
	if runtime < -1 {
		return fmt.Errorf("invalid --cpu-rt-runtime %d: must be -1 (unlimited) or more", runtime)
	}
	if period != 0 && runtime != 0 && runtime > period {
		return errors.New("cpu-rt-runtime is greater than cpu-rt-period")
	}
	return nil
}
