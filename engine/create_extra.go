package engine

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// ExtraOptions are create's flags past the first set: namespaces shared
// with the host or another container, kernel tunables and finer resource
// limits (extra_spec.go puts them in the spec).
type ExtraOptions struct {
	ShmSize           string
	Sysctls           []string
	PidMode           string
	IpcMode           string
	UTSMode           string
	CgroupnsMode      string
	Expose            []string
	VolumesFrom       []string
	GroupAdd          []string
	Domainname        string
	CPUPeriod         int64
	CPUQuota          int64
	CpusetMems        string
	MemoryReservation string
	MemorySwappiness  *int64 // nil or -1: the kernel's
	OomScoreAdj       int
	OomKillDisable    bool
	CgroupParent      string // the cgroup the container's is made under (default /berth)
	MacAddress        string // the first network's address of the container
	BlkioWeight       uint16
	LabelFiles        []string
	Detach            bool              // run -d: nothing attached (Config.Attach*)
	LogOpts           map[string]string // --log-opt as given, for inspect's LogConfig
	DeviceOptions                       // --device-cgroup-rule, --device-read-bps ... (devicerules.go)
}

// defaultShmSize is Docker's /dev/shm size.
const defaultShmSize = 64 << 20

// extraHostConfig checks and records ExtraOptions.
func (e *createOps) extraHostConfig(o CreateOptions, hc *HostConfig) error {
	x := &hc.ExtraHostConfig
	x.DefaultNetwork = o.Network == "" || o.Network == "default"
	x.ShmSize = defaultShmSize
	var err error
	if o.ShmSize != "" {
		if x.ShmSize, err = ParseBytes(o.ShmSize); err != nil || x.ShmSize <= 0 {
			return fmt.Errorf("invalid argument %q for \"--shm-size\" flag: use a size greater than 0 such as 64m", o.ShmSize)
		}
	}
	if x.PidMode, err = e.nsMode("pid", o.PidMode, "host"); err != nil {
		return err
	}
	if x.IpcMode, err = e.nsMode("ipc", o.IpcMode, "host", "private", "shareable", "none"); err != nil {
		return err
	}
	if x.IpcMode == "" {
		x.IpcMode = "private"
	}
	if x.UTSMode, err = e.nsMode("uts", o.UTSMode, "host"); err != nil {
		return err
	}
	if x.UTSMode != "" && strings.HasPrefix(x.UTSMode, "container:") {
		return fmt.Errorf("invalid UTS mode: %s: only host is supported", o.UTSMode)
	}
	if x.UTSMode == "host" && o.Hostname != "" {
		return errors.New("conflicting options: hostname and the UTS mode")
	}
	switch o.CgroupnsMode {
	case "", "host":
		x.CgroupnsMode = "host" // Docker's default where cgroup v1 is mounted
	case "private":
		x.CgroupnsMode = "private"
	default:
		return fmt.Errorf("invalid cgroup namespace mode: %s (use host or private)", o.CgroupnsMode)
	}
	if x.Sysctls, err = parseSysctls(o.Sysctls, hc.NetworkMode == "host" || o.Network == "host", x.IpcMode); err != nil {
		return err
	}
	if o.MacAddress != "" {
		mac, err := net.ParseMAC(o.MacAddress)
		if err != nil || len(mac) != 6 {
			return fmt.Errorf("%s is not a valid mac address", o.MacAddress)
		}
		x.MacAddress = mac.String()
	}
	if err := e.checkVolumesFrom(o.VolumesFrom); err != nil {
		return err
	}
	x.VolumesFrom, x.GroupAdd, x.LogOpts, x.CgroupParent = o.VolumesFrom, o.GroupAdd, o.LogOpts, o.CgroupParent
	if x.DeviceHostConfig, err = deviceHostConfig(o.DeviceOptions); err != nil {
		return err
	}
	return extraResources(o, hc)
}

// nsMode checks a --pid, --ipc or --uts value: one of the named modes, or
// container:NAME, recorded with the other container's ID.
func (e *createOps) nsMode(flag, mode string, allowed ...string) (string, error) {
	if mode == "" {
		return "", nil
	}
	if ref, ok := strings.CutPrefix(mode, "container:"); ok {
		other, err := e.db.get(ref)
		if err != nil || ref == "" {
			return "", fmt.Errorf("invalid --%s %q: no such container: %s", flag, mode, ref)
		}
		return "container:" + other.ID, nil
	}
	for _, a := range allowed {
		if mode == a {
			return mode, nil
		}
	}
	return "", fmt.Errorf("invalid --%s: %q (use %s or container:NAME|ID)", flag, mode, strings.Join(allowed, ", "))
}

// ipcSysctls are the sysctls of the IPC namespace that Docker allows.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// parseSysctls reads --sysctl KEY=VALUE and allows only what Docker does:
// the sysctls of the container's own IPC and network namespaces. Any other
// would change the host.
func parseSysctls(list []string, hostNet bool, ipcMode string) (map[string]string, error) {
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

// checkVolumesFrom checks each --volumes-from NAME[:ro|rw] names a
// container.
func (e *createOps) checkVolumesFrom(list []string) error {
	for _, v := range list {
		ref, mode, _ := strings.Cut(v, ":")
		if mode != "" && mode != "ro" && mode != "rw" {
			return fmt.Errorf("invalid --volumes-from %q: the mode must be ro or rw", v)
		}
		if _, err := e.db.get(ref); err != nil {
			return fmt.Errorf("no such container: %s", ref)
		}
	}
	return nil
}

// volumesFrom is the mounts of the --volumes-from containers, with their
// mode overridden if one was given; the container's own mounts win on the
// same destination.
func (e *createOps) volumesFrom(list []string, own []Mount) ([]Mount, error) {
	taken := map[string]bool{}
	for _, m := range own {
		taken[m.Destination] = true
	}
	var out []Mount
	for _, v := range list {
		ref, mode, _ := strings.Cut(v, ":")
		other, err := e.db.get(ref)
		if err != nil {
			return nil, fmt.Errorf("no such container: %s", ref)
		}
		for _, m := range other.HostConfig.Mounts {
			if m.Type == "tmpfs" || taken[m.Destination] {
				continue
			}
			taken[m.Destination] = true
			if mode != "" {
				m.ReadOnly = mode == "ro"
			}
			// The volume belongs to the other container: this one must
			// not remove it with rm -v.
			m.Anonymous = false
			out = append(out, m)
		}
	}
	return out, nil
}

// extraResources checks and records the finer resource flags, with
// Docker's ranges and messages.
func extraResources(o CreateOptions, hc *HostConfig) error {
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
	if o.MemoryReservation != "" {
		r, err := ParseBytes(o.MemoryReservation)
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

// ParseExpose reads --expose PORT[-END][/PROTO] into exposed port keys.
func ParseExpose(list []string) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	for _, s := range list {
		ports, proto, ok := strings.Cut(s, "/")
		if !ok {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return nil, fmt.Errorf("invalid proto for --expose: %s", s)
		}
		lo, hi, isRange := strings.Cut(ports, "-")
		if !isRange {
			hi = lo
		}
		start, err1 := strconv.ParseUint(lo, 10, 16)
		end, err2 := strconv.ParseUint(hi, 10, 16)
		if err1 != nil || err2 != nil || start == 0 || end < start {
			return nil, fmt.Errorf("invalid range format for --expose: %s", s)
		}
		for p := start; p <= end; p++ {
			out[fmt.Sprintf("%d/%s", p, proto)] = struct{}{}
		}
	}
	return out, nil
}

// ReadLabelFiles reads --label-file: KEY=VALUE lines, # comments.
func ReadLabelFiles(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read label file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out, nil
}
