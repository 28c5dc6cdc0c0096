package update

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-containers/berth/engine/record"
)

func TestUpdateApply(t *testing.T) {
	s := func(v string) *string { return &v }
	i := func(v int64) *int64 { return &v }
	u := func(v uint16) *uint16 { return &v }
	limited := record.HostConfig{Memory: 64 << 20, MemorySwap: 128 << 20}
	for _, tc := range []struct {
		name string
		hc   record.HostConfig
		o    Options
		// live is linux.resources as JSON ("" for none), or the error
		live, err string
		check     func(record.HostConfig) bool
		host      Host   // the zero Host is 4 CPUs, 0-3, with an I/O weight
		warning   string // a warning Apply gives
	}{
		{name: "memory and swap", o: Options{Memory: s("128m"), MemorySwap: s("256m")},
			live:  `{"memory":{"limit":134217728,"swap":268435456}}`,
			check: func(h record.HostConfig) bool { return h.Memory == 128<<20 && h.MemorySwap == 256<<20 }},
		{name: "swap alone takes the limit along", hc: limited, o: Options{MemorySwap: s("-1")},
			live: `{"memory":{"limit":67108864,"swap":-1}}`},
		{name: "memory off", hc: limited, o: Options{Memory: s("0")}, live: `{"memory":{"limit":-1}}`,
			check: func(h record.HostConfig) bool { return h.Memory == 0 && h.MemorySwap == 0 }},
		{name: "cpus", o: Options{CPUs: s("1.5")}, live: `{"cpu":{"quota":150000,"period":100000}}`,
			check: func(h record.HostConfig) bool { return h.NanoCPUs == 1.5e9 }},
		{name: "period and quota", o: Options{CPUPeriod: i(50000), CPUQuota: i(25000)},
			live: `{"cpu":{"quota":25000,"period":50000}}`},
		{name: "pids unlimited", hc: record.HostConfig{PidsLimit: 10}, o: Options{PidsLimit: i(0)},
			live: `{"pids":{"limit":-1}}`, check: func(h record.HostConfig) bool { return h.PidsLimit == 0 }},
		{name: "restart only", o: Options{Restart: s("on-failure:2")},
			check: func(h record.HostConfig) bool {
				return h.RestartPolicy == record.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}
			}},
		{name: "cpuset", o: Options{CpusetCpus: s("0-1")}, live: `{"cpu":{"cpus":"0-1"}}`},
		{name: "cpuset emptied is all", o: Options{CpusetCpus: s("")}, live: `{"cpu":{"cpus":"0-3"}}`,
			check: func(h record.HostConfig) bool { return h.CpusetCpus == "" }},
		{name: "shares default weight", o: Options{CPUShares: i(0)}, live: `{"cpu":{"shares":1024}}`},
		{name: "realtime", o: Options{CPURtPeriod: i(500000), CPURtRuntime: i(10000)}, live: `{"cpu":{"realtimeRuntime":10000,"realtimePeriod":500000}}`,
			check: func(h record.HostConfig) bool { return h.CPURealtimePeriod == 500000 && h.CPURealtimeRuntime == 10000 }},
		{name: "realtime runtime past kept period", hc: record.HostConfig{MoreResources: record.MoreResources{CPURealtimePeriod: 1000}},
			o: Options{CPURtRuntime: i(2000)}, err: "cpu-rt-runtime is greater than cpu-rt-period"},
		{name: "blkio weight", o: Options{BlkioWeight: u(300)}, live: `{"blockIO":{"weight":300}}`,
			check: func(h record.HostConfig) bool { return h.BlkioWeight == 300 }},
		{name: "blkio weight unsupported", o: Options{BlkioWeight: u(300)}, host: Host{NumCPU: 4},
			warning: "Weight discarded", check: func(h record.HostConfig) bool { return h.BlkioWeight == 0 }},
		{name: "blkio weight range", o: Options{BlkioWeight: u(5)}, err: "range of blkio weight is from 10 to 1000"},
		{name: "too many cpus", o: Options{CPUs: s("5")}, err: "range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"},
		{name: "negative shares", o: Options{CPUShares: i(-1)}, err: "must not be negative"},
		{name: "tiny reservation", o: Options{MemoryReservation: s("1m")}, err: "minimum memory reservation allowed is 6MB"},
		{name: "tiny memory", o: Options{Memory: s("5m")}, err: "minimum memory limit allowed is 6MB"},
		{name: "swap below memory", o: Options{Memory: s("64m"), MemorySwap: s("32m")}, err: "minimum memoryswap limit"},
		{name: "swap without memory", o: Options{MemorySwap: s("64m")}, err: "always set the memory limit"},
		{name: "memory above set swap", hc: limited, o: Options{Memory: s("256m")}, err: "smaller than already set memoryswap"},
		{name: "reservation above memory", hc: limited, o: Options{MemoryReservation: s("100m")}, err: "memory reservation limit"},
		{name: "cpus with period", o: Options{CPUs: s("1"), CPUPeriod: i(10000)}, err: "conflicting options"},
		{name: "period over cpus", hc: record.HostConfig{NanoCPUs: 1e9}, o: Options{CPUQuota: i(10000)}, err: "NanoCPUs has already been set"},
		{name: "short period", o: Options{CPUPeriod: i(999)}, err: "CPU cfs period"},
		{name: "short quota", o: Options{CPUQuota: i(999)}, err: "CPU cfs quota"},
		{name: "bad cpuset", o: Options{CpusetCpus: s("1-0")}, err: "invalid value 1-0 for cpuset cpus"},
		{name: "bad restart", o: Options{Restart: s("maybe")}, err: "invalid restart policy"},
		{name: "restart with --rm", hc: record.HostConfig{AutoRemove: true}, o: Options{Restart: s("always")}, err: "AutoRemove"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.host
			if host == (Host{}) {
				host = Host{NumCPU: 4, BlkioWeight: true, OnlineCPUs: "0-3", OnlineMems: "0"}
			}
			hc, live, warnings, err := tc.o.Apply(tc.hc, host)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if live != nil {
				b, _ := json.Marshal(live)
				got = string(b)
			}
			if got != tc.live {
				t.Errorf("live resources %s, want %s", got, tc.live)
			}
			if (tc.warning == "") != (len(warnings) == 0) || (tc.warning != "" && !strings.Contains(strings.Join(warnings, "\n"), tc.warning)) {
				t.Errorf("warnings %q, want %q", warnings, tc.warning)
			}
			if tc.check != nil && !tc.check(hc) {
				t.Errorf("host config %+v", hc)
			}
		})
	}
}
