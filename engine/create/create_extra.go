package create

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/bytesize"
)

// extraHostConfig checks and records ExtraOptions.
func (e ops) extraHostConfig(o options.CreateOptions, hc *record.HostConfig) error {
	x := &hc.ExtraHostConfig
	x.DefaultNetwork = o.Network == "" || o.Network == "default"
	x.ShmSize = record.DefaultShmSize
	var err error
	if o.ShmSize != "" {
		if x.ShmSize, err = bytesize.Parse(o.ShmSize); err != nil || x.ShmSize <= 0 {
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
	if x.Sysctls, err = options.ParseSysctls(o.Sysctls, hc.NetworkMode == "host" || o.Network == "host", x.IpcMode); err != nil {
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
	if x.DeviceHostConfig, err = options.ParseDeviceOptions(o.DeviceOptions); err != nil {
		return err
	}
	return options.ExtraResources(o, hc)
}

// nsMode checks a --pid, --ipc or --uts value: one of the named modes, or
// container:NAME, recorded with the other container's ID.
func (e ops) nsMode(flag, mode string, allowed ...string) (string, error) {
	if mode == "" {
		return "", nil
	}
	if ref, ok := strings.CutPrefix(mode, "container:"); ok {
		other, err := e.c.Records.Get(ref)
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

// checkVolumesFrom checks each --volumes-from NAME[:ro|rw] names a
// container.
func (e ops) checkVolumesFrom(list []string) error {
	for _, v := range list {
		ref, mode, _ := strings.Cut(v, ":")
		if mode != "" && mode != "ro" && mode != "rw" {
			return fmt.Errorf("invalid --volumes-from %q: the mode must be ro or rw", v)
		}
		if _, err := e.c.Records.Get(ref); err != nil {
			return fmt.Errorf("no such container: %s", ref)
		}
	}
	return nil
}

// volumesFrom is the mounts of the --volumes-from containers, with their
// mode overridden if one was given; the container's own mounts win on the
// same destination.
func (e ops) volumesFrom(list []string, own []record.Mount) ([]record.Mount, error) {
	taken := map[string]bool{}
	for _, m := range own {
		taken[m.Destination] = true
	}
	var out []record.Mount
	for _, v := range list {
		ref, mode, _ := strings.Cut(v, ":")
		other, err := e.c.Records.Get(ref)
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
