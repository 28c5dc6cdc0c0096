package cgroups

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSharesToWeight(t *testing.T) {
	for _, tc := range []struct{ shares, want uint64 }{
		{0, 0}, {2, 1}, {1024, 39}, {262144, 10000}, {1, 1}, {1 << 20, 10000},
	} {
		if got := SharesToWeight(tc.shares); got != tc.want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", tc.shares, got, tc.want)
		}
	}
}

func TestBlkioWeightToIOWeight(t *testing.T) {
	for _, tc := range []struct {
		w    uint16
		want uint64
	}{{0, 0}, {10, 1}, {500, 4950}, {1000, 10000}} {
		if got := BlkioWeightToIOWeight(tc.w); got != tc.want {
			t.Errorf("BlkioWeightToIOWeight(%d) = %d, want %d", tc.w, got, tc.want)
		}
	}
}

func TestSwapToV2(t *testing.T) {
	for _, tc := range []struct {
		swap, mem int64
		want      string
		ok, err   bool
	}{
		{0, 100, "", false, false},
		{-1, 100, "max", true, false},
		{300, 100, "200", true, false},
		{100, 100, "0", true, false},
		{50, 100, "", false, true},
		{300, 0, "", false, true},
	} {
		got, ok, err := SwapToV2(tc.swap, tc.mem)
		if got != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("SwapToV2(%d, %d) = %q, %v, %v", tc.swap, tc.mem, got, ok, err)
		}
	}
}

func TestIOMaxLines(t *testing.T) {
	b := &specs.LinuxBlockIO{
		ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1048576}},
		ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 10},
			{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 253, Minor: 1}, Rate: 0}},
	}
	want := []string{"8:0 rbps=1048576 wiops=10", "253:1 wiops=max"}
	if got := ioMaxLines(b); !reflect.DeepEqual(got, want) {
		t.Errorf("ioMaxLines = %q, want %q", got, want)
	}
}

func TestCPUMax(t *testing.T) {
	q, p := int64(50000), uint64(100000)
	neg := int64(-1)
	for _, tc := range []struct {
		quota  *int64
		period *uint64
		want   string
	}{{&q, &p, "50000 100000"}, {&q, nil, "50000"}, {&neg, &p, "max 100000"}, {nil, nil, "max"}} {
		if got := cpuMax(tc.quota, tc.period); got != tc.want {
			t.Errorf("cpuMax = %q, want %q", got, tc.want)
		}
	}
}
