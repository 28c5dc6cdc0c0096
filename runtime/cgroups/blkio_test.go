package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"testing"
)

func TestWantsWeights(t *testing.T) {
	w := func(v uint16) *uint16 { return &v }
	dev := func(v *uint16) []specs.LinuxWeightDevice {
		return []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8}, Weight: v}}
	}
	for name, c := range map[string]struct {
		b    specs.LinuxBlockIO
		want bool
	}{"none": {}, "dockerd's weight 0": {specs.LinuxBlockIO{Weight: w(0)}, false},
		"weight": {specs.LinuxBlockIO{Weight: w(500)}, true}, "device 0": {specs.LinuxBlockIO{WeightDevice: dev(w(0))}, false},
		"device nil": {specs.LinuxBlockIO{WeightDevice: dev(nil)}, false}, "device": {specs.LinuxBlockIO{WeightDevice: dev(w(10))}, true},
	} {
		if wantsWeights(&c.b) != c.want {
			t.Errorf("%s: wantsWeights is not %v", name, c.want)
		}
	}
}
