package rootless

import (
	"net"
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

// listen gives -p 80 the kernel's pick and a range its first free port,
// and the ports it returns are the sockets' own.
func TestListen(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	bp := uint16(busy.Addr().(*net.TCPAddr).Port)
	ls, got, err := listen([]Port{
		{HostIP: lo, ContainerPort: 80, Proto: "tcp"},
		{HostIP: lo, HostPort: bp, HostPortEnd: bp + 1, ContainerPort: 81, Proto: "tcp"},
		{HostIP: lo, ContainerPort: 53, Proto: "udp"},
	})
	for _, l := range ls {
		defer l.File.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 || got[0].HostPort == 0 || got[1].HostPort != bp+1 || got[1].HostPortEnd != 0 || got[2].HostPort == 0 {
		t.Fatalf("listen: %+v", got)
	}
	if _, _, err := listen([]Port{{HostIP: lo, HostPort: bp, ContainerPort: 80, Proto: "tcp"}}); err == nil {
		t.Error("a taken port was bound")
	}
}
