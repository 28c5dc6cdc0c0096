package options

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-containers/berth/engine/record"
)

func TestParseSysctls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		hostNet bool
		ipc     string
		want    map[string]string
		err     string
	}{
		{"ipc and net", []string{"kernel.shmmax=1", "kernel.msgmax=2", "fs.mqueue.msg_max=3", "net.ipv4.ip_forward=1"}, false, "private",
			map[string]string{"kernel.shmmax": "1", "kernel.msgmax": "2", "fs.mqueue.msg_max": "3", "net.ipv4.ip_forward": "1"}, ""},
		{"value with =", []string{"net.a=b=c"}, false, "private", map[string]string{"net.a": "b=c"}, ""},
		{"host-wide", []string{"kernel.core_pattern=x"}, false, "private", nil, "not whitelisted"},
		{"vm", []string{"vm.swappiness=1"}, false, "private", nil, "not whitelisted"},
		{"no value", []string{"net.ipv4.ip_forward"}, false, "private", nil, "KEY=VALUE"},
		{"net on host network", []string{"net.ipv4.ip_forward=1"}, true, "private", nil, "host network namespace"},
		{"ipc on host ipc", []string{"kernel.sem=1 2 3 4"}, false, "host", nil, "--ipc host"},
		{"ipc shared with a container", []string{"kernel.shmmni=1"}, false, "container:abc", nil, "--ipc container:abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSysctls(tc.in, tc.hostNet, tc.ipc)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestParseExpose(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
		err  bool
	}{
		{[]string{"80"}, []string{"80/tcp"}, false},
		{[]string{"53/udp", "8000-8002"}, []string{"53/udp", "8000/tcp", "8001/tcp", "8002/tcp"}, false},
		{[]string{"0"}, nil, true},
		{[]string{"90-80"}, nil, true},
		{[]string{"80/icmp"}, nil, true},
		{[]string{"x"}, nil, true},
		{[]string{"70000"}, nil, true},
	} {
		got, err := ParseExpose(tc.in)
		if tc.err != (err != nil) {
			t.Errorf("%v: error %v", tc.in, err)
			continue
		}
		for _, p := range tc.want {
			if _, ok := got[p]; !ok {
				t.Errorf("%v: %s missing from %v", tc.in, p, got)
			}
		}
		if !tc.err && len(got) != len(tc.want) {
			t.Errorf("%v: %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestExtraResources(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    ExtraOptions
		hc   record.HostConfig
		err  string
	}{
		{"ok", ExtraOptions{CPUPeriod: 50000, CPUQuota: 25000, MemoryReservation: "10m", MemorySwappiness: ptr(10), OomScoreAdj: 500, BlkioWeight: 300}, record.HostConfig{Memory: 64 << 20}, ""},
		{"nano and period", ExtraOptions{CPUPeriod: 50000}, record.HostConfig{NanoCPUs: 1e9}, "Nano CPUs and CPU Period"},
		{"nano and quota", ExtraOptions{CPUQuota: 50000}, record.HostConfig{NanoCPUs: 1e9}, "Nano CPUs and CPU Quota"},
		{"period too small", ExtraOptions{CPUPeriod: 10}, record.HostConfig{}, "period"},
		{"quota too small", ExtraOptions{CPUQuota: 10}, record.HostConfig{}, "quota"},
		{"reservation past memory", ExtraOptions{MemoryReservation: "100m"}, record.HostConfig{Memory: 64 << 20}, "reservation"},
		{"swappiness", ExtraOptions{MemorySwappiness: ptr(101)}, record.HostConfig{}, "swappiness"},
		{"oom score", ExtraOptions{OomScoreAdj: 1001}, record.HostConfig{}, "oom score adj"},
		{"blkio", ExtraOptions{BlkioWeight: 5}, record.HostConfig{}, "blkio weight"},
		{"rt ok", ExtraOptions{CPURtPeriod: 1000000, CPURtRuntime: 950000}, record.HostConfig{}, ""},
		{"rt runtime unlimited", ExtraOptions{CPURtRuntime: -1}, record.HostConfig{}, ""},
		{"rt runtime past period", ExtraOptions{CPURtPeriod: 1000, CPURtRuntime: 2000}, record.HostConfig{}, "cpu-rt-runtime is greater than cpu-rt-period"},
		{"rt negative period", ExtraOptions{CPURtPeriod: -1}, record.HostConfig{}, "--cpu-rt-period"},
		{"rt runtime below -1", ExtraOptions{CPURtRuntime: -2}, record.HostConfig{}, "--cpu-rt-runtime"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := tc.hc
			err := ExtraResources(CreateOptions{ExtraOptions: tc.o}, &hc)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}
