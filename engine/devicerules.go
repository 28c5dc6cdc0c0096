package engine

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/options"
)

// deviceSpec adds the rules, throttles and annotations to the spec.
func deviceSpec(s *specs.Spec, d DeviceHostConfig) {
	for _, r := range d.DeviceCgroupRules {
		rule, _ := options.ParseDeviceCgroupRule(r) // checked at create
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, rule)
	}
	conv := func(list []ThrottleDevice) []specs.LinuxThrottleDevice {
		var out []specs.LinuxThrottleDevice
		for _, t := range list {
			td := specs.LinuxThrottleDevice{Rate: t.Rate}
			td.Major, td.Minor = t.Major, t.Minor
			out = append(out, td)
		}
		return out
	}
	if len(d.BlkioReadBps)+len(d.BlkioWriteBps)+len(d.BlkioReadIOps)+len(d.BlkioWriteIOps) > 0 {
		r := s.Linux.Resources
		if r.BlockIO == nil {
			r.BlockIO = &specs.LinuxBlockIO{}
		}
		r.BlockIO.ThrottleReadBpsDevice = conv(d.BlkioReadBps)
		r.BlockIO.ThrottleWriteBpsDevice = conv(d.BlkioWriteBps)
		r.BlockIO.ThrottleReadIOPSDevice = conv(d.BlkioReadIOps)
		r.BlockIO.ThrottleWriteIOPSDevice = conv(d.BlkioWriteIOps)
	}
	if len(d.Annotations) > 0 {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		for k, v := range d.Annotations {
			s.Annotations[k] = v
		}
	}
}
