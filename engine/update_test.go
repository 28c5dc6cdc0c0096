package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUpdateApply(t *testing.T) {
	s := func(v string) *string { return &v }
	i := func(v int64) *int64 { return &v }
	limited := HostConfig{Memory: 64 << 20, MemorySwap: 128 << 20}
	for _, tc := range []struct {
		name string
		hc   HostConfig
		o    UpdateOptions
		// live is linux.resources as JSON ("" for none), or the error
		live, err string
		check     func(HostConfig) bool
	}{
		{name: "memory and swap", o: UpdateOptions{Memory: s("128m"), MemorySwap: s("256m")},
			live:  `{"memory":{"limit":134217728,"swap":268435456}}`,
			check: func(h HostConfig) bool { return h.Memory == 128<<20 && h.MemorySwap == 256<<20 }},
		{name: "swap alone takes the limit along", hc: limited, o: UpdateOptions{MemorySwap: s("-1")},
			live: `{"memory":{"limit":67108864,"swap":-1}}`},
		{name: "memory off", hc: limited, o: UpdateOptions{Memory: s("0")}, live: `{"memory":{"limit":-1}}`,
			check: func(h HostConfig) bool { return h.Memory == 0 && h.MemorySwap == 0 }},
		{name: "cpus", o: UpdateOptions{CPUs: s("1.5")}, live: `{"cpu":{"quota":150000,"period":100000}}`,
			check: func(h HostConfig) bool { return h.NanoCPUs == 1.5e9 }},
		{name: "period and quota", o: UpdateOptions{CPUPeriod: i(50000), CPUQuota: i(25000)},
			live: `{"cpu":{"quota":25000,"period":50000}}`},
		{name: "pids unlimited", hc: HostConfig{PidsLimit: 10}, o: UpdateOptions{PidsLimit: i(0)},
			live: `{"pids":{"limit":-1}}`, check: func(h HostConfig) bool { return h.PidsLimit == 0 }},
		{name: "restart only", o: UpdateOptions{Restart: s("on-failure:2")},
			check: func(h HostConfig) bool {
				return h.RestartPolicy == RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}
			}},
		{name: "tiny memory", o: UpdateOptions{Memory: s("5m")}, err: "minimum memory limit allowed is 6MB"},
		{name: "swap below memory", o: UpdateOptions{Memory: s("64m"), MemorySwap: s("32m")}, err: "minimum memoryswap limit"},
		{name: "swap without memory", o: UpdateOptions{MemorySwap: s("64m")}, err: "always set the memory limit"},
		{name: "memory above set swap", hc: limited, o: UpdateOptions{Memory: s("256m")}, err: "smaller than already set memoryswap"},
		{name: "reservation above memory", hc: limited, o: UpdateOptions{MemoryReservation: s("100m")}, err: "memory reservation limit"},
		{name: "cpus with period", o: UpdateOptions{CPUs: s("1"), CPUPeriod: i(10000)}, err: "conflicting options"},
		{name: "period over cpus", hc: HostConfig{NanoCPUs: 1e9}, o: UpdateOptions{CPUQuota: i(10000)}, err: "NanoCPUs has already been set"},
		{name: "short period", o: UpdateOptions{CPUPeriod: i(999)}, err: "CPU cfs period"},
		{name: "short quota", o: UpdateOptions{CPUQuota: i(999)}, err: "CPU cfs quota"},
		{name: "bad cpuset", o: UpdateOptions{CpusetCpus: s("1-0")}, err: "invalid value 1-0 for cpuset cpus"},
		{name: "bad restart", o: UpdateOptions{Restart: s("maybe")}, err: "invalid restart policy"},
		{name: "restart with --rm", hc: HostConfig{AutoRemove: true}, o: UpdateOptions{Restart: s("always")}, err: "AutoRemove"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc, live, _, err := tc.o.apply(tc.hc, tc.hc.AutoRemove)
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
			if tc.check != nil && !tc.check(hc) {
				t.Errorf("host config %+v", hc)
			}
		})
	}
}
