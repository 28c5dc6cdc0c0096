package options

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/bytesize"
	"github.com/berth-containers/berth/rootless"
)

// ParseDeviceOptions checks DeviceOptions as Docker does.
func ParseDeviceOptions(o DeviceOptions) (record.DeviceHostConfig, error) {
	var d record.DeviceHostConfig
	switch o.LogDriver {
	case "", "json-file":
	default:
		return d, fmt.Errorf("invalid --log-driver %q: berth keeps Docker's json-file log only", o.LogDriver)
	}
	switch o.UsernsMode {
	case "", "host":
	case rootless.KeepID:
		if !rootless.Active() {
			return d, fmt.Errorf("invalid --userns %q: keep-id is for rootless berth (root's containers share the host's ids)", o.UsernsMode)
		}
		d.UsernsMode = o.UsernsMode
	default:
		return d, fmt.Errorf("invalid --userns %q: use host, or keep-id as a rootless user", o.UsernsMode)
	}
	for _, r := range o.DeviceCgroupRules {
		if _, err := ParseDeviceCgroupRule(r); err != nil {
			return d, err
		}
	}
	d.DeviceCgroupRules = o.DeviceCgroupRules
	var err error
	for _, t := range []struct {
		flag string
		in   []string
		out  *[]record.ThrottleDevice
		size bool
	}{
		{"--device-read-bps", o.ReadBps, &d.BlkioReadBps, true}, {"--device-write-bps", o.WriteBps, &d.BlkioWriteBps, true},
		{"--device-read-iops", o.ReadIOps, &d.BlkioReadIOps, false}, {"--device-write-iops", o.WriteIOps, &d.BlkioWriteIOps, false},
	} {
		if *t.out, err = parseThrottles(t.flag, t.in, t.size); err != nil {
			return d, err
		}
	}
	for _, a := range o.Annotations {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return d, fmt.Errorf("invalid argument %q for \"--annotation\" flag: use KEY=VALUE", a)
		}
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		d.Annotations[k] = v
	}
	return d, nil
}

// ParseDeviceCgroupRule reads Docker's --device-cgroup-rule: "TYPE
// MAJOR:MINOR ACCESS", type a, b or c, numbers or *, access of r, w, m.
func ParseDeviceCgroupRule(s string) (specs.LinuxDeviceCgroup, error) {
	bad := fmt.Errorf("invalid device cgroup rule %q: use 'c|b|a MAJOR:MINOR rwm', MAJOR and MINOR a number or *", s)
	f := strings.Fields(s)
	if len(f) != 3 || (f[0] != "a" && f[0] != "b" && f[0] != "c") || strings.Trim(f[2], "rwm") != "" || f[2] == "" {
		return specs.LinuxDeviceCgroup{}, bad
	}
	majS, minS, ok := strings.Cut(f[1], ":")
	if !ok {
		return specs.LinuxDeviceCgroup{}, bad
	}
	rule := specs.LinuxDeviceCgroup{Allow: true, Type: f[0], Access: f[2]}
	for _, p := range []struct {
		s   string
		out **int64
	}{{majS, &rule.Major}, {minS, &rule.Minor}} {
		if p.s == "*" {
			continue
		}
		n, err := strconv.ParseInt(p.s, 10, 64)
		if err != nil || n < 0 {
			return specs.LinuxDeviceCgroup{}, bad
		}
		*p.out = &n
	}
	return rule, nil
}

// parseThrottles reads PATH:RATE values; the path must be a block device
// (its numbers go to the cgroup), the rate a size or a count.
func parseThrottles(flag string, list []string, size bool) ([]record.ThrottleDevice, error) {
	var out []record.ThrottleDevice
	for _, v := range list {
		i := strings.LastIndex(v, ":")
		if i <= 0 {
			return nil, fmt.Errorf("invalid argument %q for %q flag: use PATH:RATE", v, flag)
		}
		path, rateS := v[:i], v[i+1:]
		var rate uint64
		if size {
			n, err := bytesize.Parse(rateS)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("invalid argument %q for %q flag: the rate must be a positive size such as 1mb", v, flag)
			}
			rate = uint64(n)
		} else {
			n, err := strconv.ParseUint(rateS, 10, 64)
			if err != nil || n == 0 {
				return nil, fmt.Errorf("invalid argument %q for %q flag: the rate must be a positive number of operations", v, flag)
			}
			rate = n
		}
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			return nil, fmt.Errorf("invalid argument %q for %q flag: %w", v, flag, &os.PathError{Op: "stat", Path: path, Err: err})
		}
		if st.Mode&unix.S_IFMT != unix.S_IFBLK {
			return nil, fmt.Errorf("invalid argument %q for %q flag: %s is not a block device", v, flag, path)
		}
		out = append(out, record.ThrottleDevice{Path: path, Rate: rate, Major: int64(unix.Major(st.Rdev)), Minor: int64(unix.Minor(st.Rdev))})
	}
	return out, nil
}
