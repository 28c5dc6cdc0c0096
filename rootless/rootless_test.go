package rootless

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseSubID(t *testing.T) {
	file := "# comment\nalice:100000:65536\n1001:300000:10\nbob:165536:65536\n\nalice:500000:5\n"
	for _, c := range []struct {
		name string
		id   int
		want []Range
	}{
		{"alice", 1000, []Range{{100000, 65536}, {500000, 5}}},
		{"carol", 1001, []Range{{300000, 10}}},
		{"dave", 1002, nil},
	} {
		got, err := parseSubID(strings.NewReader(file), c.name, c.id)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := parseSubID(strings.NewReader("alice:x:1\n"), "alice", 1); err == nil {
		t.Error("a bad line was accepted")
	}
}

func TestMapArgs(t *testing.T) {
	got := strings.Join(mapArgs(1001, []Range{{100000, 65536}, {500000, 5}}), " ")
	if want := "0 1001 1 1 100000 65536 65537 500000 5"; got != want {
		t.Errorf("mapArgs: %q, want %q", got, want)
	}
}

func TestUserPaths(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		want    Paths
		wantErr string
	}{
		{map[string]string{"HOME": "/home/a", "XDG_RUNTIME_DIR": "/run/user/1"},
			Paths{"/home/a/.local/share/berth", "/run/user/1/berth", "/home/a/.config/berth"}, ""},
		{map[string]string{"HOME": "/home/a", "XDG_DATA_HOME": "/d", "XDG_CONFIG_HOME": "/c", "XDG_RUNTIME_DIR": "/r"},
			Paths{"/d/berth", "/r/berth", "/c/berth"}, ""},
		{map[string]string{"HOME": "/home/a"}, Paths{}, "XDG_RUNTIME_DIR is not set"},
		{map[string]string{"XDG_RUNTIME_DIR": "/r"}, Paths{}, "neither XDG_DATA_HOME nor HOME"},
	} {
		got, err := UserPaths(func(k string) string { return c.env[k] })
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: error %v, want %q", c.env, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %+v, %v; want %+v", c.env, got, err, c.want)
		}
	}
}

func TestKeepIDMap(t *testing.T) {
	// The store: 0 is the user, 1..65536 one range, 65537.. another.
	got := keepIDMap(1001, 131073, []uint32{0, 1, 65537})
	want := []specs.LinuxIDMapping{
		{ContainerID: 0, HostID: 1, Size: 1001},
		{ContainerID: 1001, HostID: 0, Size: 1},
		{ContainerID: 1002, HostID: 1002, Size: 64535},
		{ContainerID: 65537, HostID: 65537, Size: 65536},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keepIDMap: %v, want %v", got, want)
	}
}

func TestPastaSpec(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, c := range []struct {
		ports []Port
		want  string
	}{
		{nil, "none"},
		{[]Port{{HostIP: lo, HostPort: 8080, ContainerPort: 80, Proto: "tcp"}, {HostPort: 53, ContainerPort: 53, Proto: "udp"}}, "127.0.0.1/8080:80"},
		{[]Port{{HostPort: 9000, HostPortEnd: 9002, ContainerPort: 7000, Proto: "tcp"}}, "9000-9002:7000-7002"},
	} {
		if got, err := pastaSpec(c.ports, "tcp"); err != nil || got != c.want {
			t.Errorf("pastaSpec(%v): %q, %v; want %q", c.ports, got, err, c.want)
		}
	}
	if _, err := pastaSpec([]Port{{ContainerPort: 80, Proto: "tcp"}}, "tcp"); err == nil {
		t.Error("a port without a host port was accepted")
	}
}
