package inspect

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/snapshot"
)

func TestHostConfigDefaults(t *testing.T) {
	hc := record.HostConfig{NetworkMode: "bridge", Mounts: []record.Mount{
		{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true},
		{Type: "volume", Name: "v", Source: "/var/v", Destination: "/v"},
		{Type: "volume", Name: "anon", Source: "/var/a", Destination: "/a", Anonymous: true},
		{Type: "tmpfs", Source: "tmpfs", Destination: "/run", Options: "size=1m"},
	}}
	hc.DefaultNetwork = true
	in := hostConfig(hc, "bridge")
	if in.NetworkMode != "default" || in.PidsLimit != nil || in.ShmSize != record.DefaultShmSize || in.IpcMode != "private" || in.CgroupnsMode != "host" {
		t.Errorf("defaults: %+v", in)
	}
	if !reflect.DeepEqual(in.Binds, []string{"/h:/c:ro", "v:/v"}) || !reflect.DeepEqual(in.Tmpfs, map[string]string{"/run": "size=1m"}) {
		t.Errorf("Binds %v Tmpfs %v", in.Binds, in.Tmpfs)
	}
	want := []Mount{
		{Type: "bind", Source: "/h", Destination: "/c", Mode: "ro", Propagation: "rprivate"},
		{Type: "volume", Name: "v", Source: "/var/v", Destination: "/v", Driver: "local", Mode: "z", RW: true},
		{Type: "volume", Name: "anon", Source: "/var/a", Destination: "/a", Driver: "local", RW: true},
	}
	got := Of(&record.Container{HostConfig: hc}, Facts{DefaultNetwork: "bridge"}).Mounts
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Mounts\n got %+v\nwant %+v", got, want)
	}
}

// TestOfJSON reads Of's JSON as a script would, by Docker's field names.
func TestOfJSON(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := func() *record.Container {
		return &record.Container{ID: "abc", Name: "web", Image: "alpine", ImageID: "sha256:1",
			State: record.State{Status: record.StatusRunning, Pid: 42, StartedAt: started}}
	}
	facts := Facts{Dir: "/r/abc", LogPath: "/r/abc/abc-json.log", DefaultNetwork: "bridge",
		Network: NetworkSettings{IPAddress: "10.88.0.2", IPPrefixLen: 16, Networks: map[string]map[string]any{}}}
	cases := []struct {
		name string
		edit func(*record.Container)
		path string // dotted path into the JSON
		want string // its JSON, keys sorted; "" for a key left out
	}{
		{"id", nil, "Id", `"abc"`},
		{"name slash", nil, "Name", `"/web"`},
		{"image is the ID", nil, "Image", `"sha256:1"`},
		{"config image is the name", nil, "Config.Image", `"alpine"`},
		{"status", nil, "State.Status", `"running"`},
		{"running", nil, "State.Running", `true`},
		{"pid", nil, "State.Pid", `42`},
		{"started", nil, "State.StartedAt", `"2026-01-02T03:04:05Z"`},
		{"not finished", nil, "State.FinishedAt", `"0001-01-01T00:00:00Z"`},
		{"paused", func(c *record.Container) { c.State.Status = record.StatusPaused }, "State.Paused", `true`},
		{"exited code", func(c *record.Container) { c.State.Status, c.State.ExitCode = record.StatusExited, 3 }, "State.ExitCode", `3`},
		{"no health omitted", nil, "State.Health", ``},
		{"nanocpus", func(c *record.Container) { c.HostConfig.NanoCPUs = 1500000000 }, "HostConfig.NanoCpus", `1500000000`},
		{"memory", func(c *record.Container) { c.HostConfig.Memory = 64 << 20 }, "HostConfig.Memory", `67108864`},
		{"memory swap", func(c *record.Container) { c.HostConfig.MemorySwap = -1 }, "HostConfig.MemorySwap", `-1`},
		{"no pids limit is null", nil, "HostConfig.PidsLimit", `null`},
		{"pids limit", func(c *record.Container) { c.HostConfig.PidsLimit = 10 }, "HostConfig.PidsLimit", `10`},
		{"no init omitted", nil, "HostConfig.Init", ``},
		{"init", func(c *record.Container) { c.HostConfig.Init = true }, "HostConfig.Init", `true`},
		{"dns empty list", nil, "HostConfig.Dns", `[]`},
		{"binds null", nil, "HostConfig.Binds", `null`},
		{"port bindings object", nil, "HostConfig.PortBindings", `{}`},
		{"log driver", nil, "HostConfig.LogConfig.Type", `"json-file"`},
		{"restart", func(c *record.Container) {
			c.HostConfig.RestartPolicy = record.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}
		},
			"HostConfig.RestartPolicy", `{"MaximumRetryCount":2,"Name":"on-failure"}`},
		{"device", func(c *record.Container) { c.HostConfig.Devices = []string{"/dev/fuse::r"} },
			"HostConfig.Devices", `[{"CgroupPermissions":"r","PathInContainer":"/dev/fuse","PathOnHost":"/dev/fuse"}]`},
		{"mode kept without default", func(c *record.Container) { c.HostConfig.NetworkMode = "host"; c.HostConfig.DefaultNetwork = true },
			"HostConfig.NetworkMode", `"host"`},
		{"mounts empty list", nil, "Mounts", `[]`},
		{"bind mount", func(c *record.Container) {
			c.HostConfig.Mounts = []record.Mount{{Type: "bind", Source: "/h", Destination: "/c", Propagation: "rshared"}}
		}, "Mounts", `[{"Destination":"/c","Mode":"","Propagation":"rshared","RW":true,"Source":"/h","Type":"bind"}]`},
		{"prefix len a number", nil, "NetworkSettings.IPPrefixLen", `16`},
		{"ip", nil, "NetworkSettings.IPAddress", `"10.88.0.2"`},
		{"hosts path", nil, "HostsPath", `"/r/abc/hosts"`},
		{"log path", nil, "LogPath", `"/r/abc/abc-json.log"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			if tc.edit != nil {
				tc.edit(c)
			}
			data, err := json.Marshal(Of(c, facts))
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			for _, k := range strings.Split(tc.path, ".") {
				m, _ := v.(map[string]any)
				var ok bool
				if v, ok = m[k]; !ok {
					if tc.want != "" {
						t.Fatalf("%s: no key %q in %s", tc.path, k, data)
					}
					return
				}
			}
			got, _ := json.Marshal(v)
			if string(got) != tc.want {
				t.Errorf("%s = %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}

func TestGraphDriver(t *testing.T) {
	cases := []struct {
		name   string
		mounts []snapshot.Mount
		want   map[string]string
	}{
		{"no snapshot", nil, map[string]string{"MergedDir": "/m"}},
		{"overlay", []snapshot.Mount{{Type: "overlay", Options: []string{"index=off", "lowerdir=/l1:/l2", "upperdir=/u", "workdir=/w"}}},
			map[string]string{"MergedDir": "/m", "LowerDir": "/l1:/l2", "UpperDir": "/u", "WorkDir": "/w"}},
		{"one layer bind", []snapshot.Mount{{Type: "bind", Source: "/s"}}, map[string]string{"MergedDir": "/m", "UpperDir": "/s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := GraphDriver("/m", tc.mounts)
			if g["Name"] != "overlay" || !reflect.DeepEqual(g["Data"], tc.want) {
				t.Errorf("got %v, want Data %v", g, tc.want)
			}
		})
	}
}
