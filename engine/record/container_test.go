package record

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"
)

// full is a record with every embedded part set, so a field that stops
// round-tripping (a lost tag, a shadowed embedded field) shows.
func full() Container {
	timeout, swappiness := 7, int64(30)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	return Container{
		ID: "0123456789abcdef", Name: "web", Image: "busybox", ImageID: "sha256:aa", ChainID: "sha256:bb",
		Created: at, Path: "/bin/sh", Args: []string{"-c", "true"},
		Config: Config{Hostname: "web", Env: []string{"A=1"}, Cmd: []string{"sh"}, Labels: map[string]string{"k": "v"},
			StopSignal: "SIGINT", StopTimeout: &timeout, Tty: true, Volumes: map[string]struct{}{"/data": {}},
			Healthcheck: &HealthConfig{Test: []string{"CMD", "true"}, Interval: time.Second, Retries: 2}},
		HostConfig: HostConfig{
			RestartPolicy: RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}, NetworkMode: "bridge",
			Memory: 64 << 20, MemorySwap: 128 << 20, Ulimits: []Ulimit{{Name: "nofile", Soft: 10, Hard: 20}},
			Mounts:       []Mount{{Type: "bind", Source: "/src", Destination: "/dst", ReadOnly: true, Propagation: "rslave"}},
			PortBindings: map[string][]PortBinding{"80/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}}},
			NetworkConfig: NetworkConfig{DNS: []string{"10.0.0.1"},
				Networks: map[string]EndpointSettings{"bridge": {IP: "10.88.0.2", Aliases: []string{"w"}}}},
			MoreResources: MoreResources{CPUQuota: 50000, CpusetMems: "0", BlkioWeight: 100},
			ExtraHostConfig: ExtraHostConfig{ShmSize: 1 << 20, PidMode: "host", MemorySwappiness: &swappiness,
				DeviceHostConfig: DeviceHostConfig{BlkioReadBps: []ThrottleDevice{{Path: "/dev/sda", Rate: 1, Major: 8}},
					Annotations: map[string]string{"a": "b"}}},
		},
		State: State{Status: StatusExited, ExitCode: 3, StartedAt: at, FinishedAt: at.Add(time.Second), RestartCount: 1,
			Health: &Health{Status: HealthUnhealthy, FailingStreak: 2, Log: []HealthResult{{Start: at, End: at, ExitCode: 1, Output: "x"}}}},
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := full()
	data, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	var got Container
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the record:\n got %+v\nwant %+v", got, want)
	}
	// The embedded parts are flat in HostConfig's JSON, as the store
	// has always written them.
	for _, key := range []string{`"hostConfig":{"autoRemove"`, `"networks":{`, `"cpuQuota":50000`, `"shmSize":1048576`,
		`"blkioReadBps":[`, `"HostIp":"127.0.0.1"`, `"health":{"Status"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("record JSON lacks %s: %s", key, data)
		}
	}
}

func TestShouldRestart(t *testing.T) {
	for _, tc := range []struct {
		policy        RestartPolicy
		restarts      int
		stopRequested bool
		code          int
		want          bool
	}{
		{RestartPolicy{Name: "no"}, 0, false, 1, false},
		{RestartPolicy{Name: "always"}, 0, false, 0, true},
		{RestartPolicy{Name: "always"}, 0, true, 1, false},
		{RestartPolicy{Name: "unless-stopped"}, 9, false, 0, true},
		{RestartPolicy{Name: "on-failure"}, 0, false, 0, false},
		{RestartPolicy{Name: "on-failure"}, 100, false, 1, true},
		{RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}, 1, false, 1, true},
		{RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}, 2, false, 1, false},
	} {
		c := &Container{HostConfig: HostConfig{RestartPolicy: tc.policy},
			State: State{RestartCount: tc.restarts, StopRequested: tc.stopRequested}}
		if got := c.ShouldRestart(tc.code); got != tc.want {
			t.Errorf("%+v restarts=%d stopped=%v exit %d: %v, want %v", tc.policy, tc.restarts, tc.stopRequested, tc.code, got, tc.want)
		}
	}
}

func TestBootStarts(t *testing.T) {
	started := time.Unix(1, 0)
	for _, tc := range []struct {
		policy        string
		startedAt     time.Time
		stopRequested bool
		want          bool
	}{
		{"always", time.Time{}, false, false}, // never started
		{"always", started, true, true},
		{"unless-stopped", started, false, true},
		{"unless-stopped", started, true, false},
		{"on-failure", started, false, false},
		{"no", started, false, false},
	} {
		c := &Container{HostConfig: HostConfig{RestartPolicy: RestartPolicy{Name: tc.policy}},
			State: State{StartedAt: tc.startedAt, StopRequested: tc.stopRequested}}
		if got := c.BootStarts(); got != tc.want {
			t.Errorf("%s started=%v stopped=%v: %v, want %v", tc.policy, !tc.startedAt.IsZero(), tc.stopRequested, got, tc.want)
		}
	}
}

func TestConfigAccessors(t *testing.T) {
	timeout := 3
	for _, tc := range []struct {
		cfg     Config
		argv    []string
		sig     unix.Signal
		timeout int
	}{
		{Config{}, []string{}, unix.SIGTERM, 10},
		{Config{Entrypoint: []string{"/init"}, Cmd: []string{"a", "b"}, StopSignal: "SIGUSR1", StopTimeout: &timeout},
			[]string{"/init", "a", "b"}, unix.SIGUSR1, 3},
		{Config{Cmd: []string{"sh"}, StopSignal: "9"}, []string{"sh"}, unix.SIGKILL, 10},
		{Config{StopSignal: "NOSUCH"}, []string{}, unix.SIGTERM, 10},
	} {
		c := &Container{Config: tc.cfg}
		if got := c.Argv(); !reflect.DeepEqual(got, tc.argv) {
			t.Errorf("%+v: argv %q, want %q", tc.cfg, got, tc.argv)
		}
		if got := c.StopSignal(); got != tc.sig {
			t.Errorf("%+v: stop signal %v, want %v", tc.cfg, got, tc.sig)
		}
		if got := c.StopTimeout(); got != tc.timeout {
			t.Errorf("%+v: stop timeout %d, want %d", tc.cfg, got, tc.timeout)
		}
	}
}

// TestImageConfig: commit keeps what the container runs, not how it ran.
func TestImageConfig(t *testing.T) {
	c := full()
	base := ocispec.ImageConfig{Labels: map[string]string{"old": "1"}, StopSignal: "SIGTERM", Env: []string{"OLD=1"}}
	ic := c.ImageConfig(base)
	if !reflect.DeepEqual(ic.Env, c.Config.Env) || !reflect.DeepEqual(ic.Cmd, c.Config.Cmd) || ic.StopSignal != "SIGINT" ||
		!reflect.DeepEqual(ic.Labels, c.Config.Labels) {
		t.Errorf("image config %+v", ic)
	}
	c.Config.Labels = nil
	if ic := c.ImageConfig(base); ic.Labels["old"] != "1" {
		t.Errorf("no labels of its own: the image's should stay, got %v", ic.Labels)
	}
}
