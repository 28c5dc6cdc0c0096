package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
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
			got, err := parseSysctls(tc.in, tc.hostNet, tc.ipc)
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
		hc   HostConfig
		err  string
	}{
		{"ok", ExtraOptions{CPUPeriod: 50000, CPUQuota: 25000, MemoryReservation: "10m", MemorySwappiness: ptr(10), OomScoreAdj: 500, BlkioWeight: 300}, HostConfig{Memory: 64 << 20}, ""},
		{"nano and period", ExtraOptions{CPUPeriod: 50000}, HostConfig{NanoCPUs: 1e9}, "Nano CPUs and CPU Period"},
		{"nano and quota", ExtraOptions{CPUQuota: 50000}, HostConfig{NanoCPUs: 1e9}, "Nano CPUs and CPU Quota"},
		{"period too small", ExtraOptions{CPUPeriod: 10}, HostConfig{}, "period"},
		{"quota too small", ExtraOptions{CPUQuota: 10}, HostConfig{}, "quota"},
		{"reservation past memory", ExtraOptions{MemoryReservation: "100m"}, HostConfig{Memory: 64 << 20}, "reservation"},
		{"swappiness", ExtraOptions{MemorySwappiness: ptr(101)}, HostConfig{}, "swappiness"},
		{"oom score", ExtraOptions{OomScoreAdj: 1001}, HostConfig{}, "oom score adj"},
		{"blkio", ExtraOptions{BlkioWeight: 5}, HostConfig{}, "blkio weight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := tc.hc
			err := extraResources(CreateOptions{ExtraOptions: tc.o}, &hc)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestCIDFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cid")
	f, err := ReserveCIDFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReserveCIDFile(p); err == nil || !strings.Contains(err.Error(), "container ID file found") {
		t.Errorf("second reserve: %v", err)
	}
	if err := f.Write("abc"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "abc" {
		t.Errorf("cidfile: %q", data)
	}
	g, err := ReserveCIDFile(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	g.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("abort left files: %v", entries)
	}
}

func TestInspectHostConfigDefaults(t *testing.T) {
	hc := HostConfig{NetworkMode: DefaultNetworkMode, Mounts: []Mount{
		{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true},
		{Type: "volume", Name: "v", Source: "/var/v", Destination: "/v"},
		{Type: "volume", Name: "anon", Source: "/var/a", Destination: "/a", Anonymous: true},
		{Type: "tmpfs", Source: "tmpfs", Destination: "/run", Options: "size=1m"},
	}}
	hc.DefaultNetwork = true
	in := inspectHostConfig(hc)
	if in.NetworkMode != "default" || in.PidsLimit != nil || in.ShmSize != defaultShmSize || in.IpcMode != "private" || in.CgroupnsMode != "host" {
		t.Errorf("defaults: %+v", in)
	}
	if !reflect.DeepEqual(in.Binds, []string{"/h:/c:ro", "v:/v"}) || !reflect.DeepEqual(in.Tmpfs, map[string]string{"/run": "size=1m"}) {
		t.Errorf("Binds %v Tmpfs %v", in.Binds, in.Tmpfs)
	}
	want := []InspectMount{
		{Type: "bind", Source: "/h", Destination: "/c", Mode: "ro", Propagation: "rprivate"},
		{Type: "volume", Name: "v", Source: "/var/v", Destination: "/v", Driver: "local", Mode: "z", RW: true},
		{Type: "volume", Name: "anon", Source: "/var/a", Destination: "/a", Driver: "local", RW: true},
	}
	var got []InspectMount
	for _, m := range hc.Mounts {
		if im, ok := inspectMount(m); ok {
			got = append(got, im)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Mounts\n got %+v\nwant %+v", got, want)
	}
}

func TestParseDeviceCgroupRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // type major minor access, * for nil
		err  bool
	}{
		{"c 1:3 rwm", "c 1 3 rwm", false},
		{"b *:* r", "b * * r", false},
		{"a 7:* m", "a 7 * m", false},
		{"x 1:3 rwm", "", true},
		{"c 1:3 rwx", "", true},
		{"c 1-3 rw", "", true},
		{"c -1:3 rw", "", true},
		{"c 1:3", "", true},
	} {
		r, err := ParseDeviceCgroupRule(tc.in)
		if tc.err != (err != nil) {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		num := func(p *int64) string {
			if p == nil {
				return "*"
			}
			return strconv.FormatInt(*p, 10)
		}
		if got := strings.Join([]string{r.Type, num(r.Major), num(r.Minor), r.Access}, " "); got != tc.want || !r.Allow {
			t.Errorf("%q: %s, want %s", tc.in, got, tc.want)
		}
	}
}

func ptr(n int64) *int64 { return &n }
