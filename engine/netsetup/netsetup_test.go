package netsetup

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/network/portmap"
)

// testSetup is a Setup over an empty root of the test's: its network
// store and records are files there, nothing of the host's.
func testSetup(t *testing.T) *Setup {
	t.Helper()
	root, run := t.TempDir(), t.TempDir()
	return &Setup{
		Root: root, RunRoot: run, Records: store.New(filepath.Join(root, "metadata.db")),
		ContainerDir: func(id string) string { return filepath.Join(root, "containers", id) },
		RunDir:       func(id string) string { return filepath.Join(run, "containers", id) },
	}
}

func TestConfigPortBindings(t *testing.T) {
	tests := []struct {
		publish []string
		want    map[string][]record.PortBinding
	}{
		{[]string{"80"}, map[string][]record.PortBinding{"80/tcp": {{}}}},
		{[]string{"8080:80"}, map[string][]record.PortBinding{"80/tcp": {{HostPort: "8080"}}}},
		{[]string{"127.0.0.1:8080:80/udp"}, map[string][]record.PortBinding{"80/udp": {{HostIP: "127.0.0.1", HostPort: "8080"}}}},
		{[]string{"127.0.0.1::53/udp"}, map[string][]record.PortBinding{"53/udp": {{HostIP: "127.0.0.1"}}}},
		{[]string{"8000-8001:80-81"}, map[string][]record.PortBinding{"80/tcp": {{HostPort: "8000"}}, "81/tcp": {{HostPort: "8001"}}}},
		{[]string{"8080:80", "8081:80"}, map[string][]record.PortBinding{"80/tcp": {{HostPort: "8080"}, {HostPort: "8081"}}}},
	}
	s := testSetup(t)
	for _, tt := range tests {
		t.Run(strings.Join(tt.publish, ","), func(t *testing.T) {
			o := options.CreateOptions{NetworkOptions: options.NetworkOptions{Publish: tt.publish}}
			hc := record.HostConfig{}
			if err := s.Config(o, &hc); err != nil {
				t.Fatal(err)
			}
			if hc.NetworkMode != DefaultMode {
				t.Errorf("mode %q, want %q", hc.NetworkMode, DefaultMode)
			}
			if !reflect.DeepEqual(hc.PortBindings, tt.want) {
				t.Errorf("bindings %v, want %v", hc.PortBindings, tt.want)
			}
			// What start asks network.Attach for is what was asked.
			got, err := requestedPorts(&record.Container{HostConfig: hc})
			if err != nil {
				t.Fatal(err)
			}
			var want []portmap.Mapping
			for _, p := range tt.publish {
				ms, err := portmap.Parse(p)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, ms...)
			}
			if len(got) != len(want) {
				t.Fatalf("requested %v, want %v", got, want)
			}
			for _, m := range want {
				found := false
				for _, g := range got {
					found = found || g == m
				}
				if !found {
					t.Errorf("requested %v lacks %v", got, m)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, mode string
		n          options.NetworkOptions
		want       string
	}{
		{"bad add-host", "", options.NetworkOptions{AddHosts: []string{"nocolon"}}, `invalid argument "nocolon" for "--add-host" flag`},
		{"bad dns", "", options.NetworkOptions{DNS: []string{"dns.example"}}, "not an IP address"},
		{"bad publish", "", options.NetworkOptions{Publish: []string{"80:80:80:80"}}, `for "-p, --publish" flag`},
		{"ip on default", "", options.NetworkOptions{IP: "10.1.2.3"}, "user defined networks only"},
		{"bad ip", "", options.NetworkOptions{IP: "10.1.2"}, "invalid IPv4 address"},
		{"alias on default", "", options.NetworkOptions{Aliases: []string{"db"}}, "network-scoped alias"},
		{"publish none", "none", options.NetworkOptions{Publish: []string{"80"}}, "port publishing"},
		{"alias none", "none", options.NetworkOptions{Aliases: []string{"db"}}, "--ip and --network-alias"},
		{"unknown network", "nosuchnet", options.NetworkOptions{}, "network nosuchnet not found"},
		{"unknown container", "container:nosuch", options.NetworkOptions{}, "no such container: nosuch"},
	}
	s := testSetup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := record.HostConfig{NetworkMode: tt.mode}
			err := s.Config(options.CreateOptions{NetworkOptions: tt.n}, &hc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestConfigHostDropsPorts(t *testing.T) {
	hc := record.HostConfig{NetworkMode: "host"}
	o := options.CreateOptions{NetworkOptions: options.NetworkOptions{Publish: []string{"80"}, PublishAll: true}}
	if err := testSetup(t).Config(o, &hc); err != nil {
		t.Fatal(err)
	}
	if hc.PortBindings != nil || hc.PublishAllPorts {
		t.Errorf("host mode kept ports: %v, -P %v", hc.PortBindings, hc.PublishAllPorts)
	}
}

func TestWriteEtcFiles(t *testing.T) {
	tests := []struct {
		name string
		hc   record.HostConfig
		ips  []netip.Addr
		want []string // lines of /etc/hosts
	}{
		{"bridge", record.HostConfig{NetworkMode: DefaultMode}, []netip.Addr{netip.MustParseAddr("10.88.0.5")},
			[]string{"127.0.0.1\tlocalhost", "10.88.0.5\tc1"}},
		{"none", record.HostConfig{NetworkMode: "none"}, nil, []string{"127.0.1.1\tc1"}},
		{"add-host", record.HostConfig{NetworkMode: "none", NetworkConfig: record.NetworkConfig{ExtraHosts: []string{"db:10.0.0.7"}}},
			nil, []string{"10.0.0.7\tdb", "127.0.1.1\tc1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSetup(t)
			c := &record.Container{ID: "abc", Config: record.Config{Hostname: "c1"}, HostConfig: tt.hc}
			dir := s.ContainerDir(c.ID)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := s.writeEtcFiles(c, tt.ips); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "hostname")); string(b) != "c1\n" {
				t.Errorf("hostname %q", b)
			}
			hosts, err := os.ReadFile(filepath.Join(dir, "hosts"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(hosts), "\n")
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("hosts lacks %q:\n%s", w, hosts)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "resolv.conf")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestNetworksColumn(t *testing.T) {
	tests := []struct {
		mode string
		nets []string
		want string
	}{
		{"host", nil, "host"},
		{"container:abc", nil, "container:abc"},
		{"bridge", []string{"bridge"}, "bridge"},
		{"front", []string{"back", "front", "admin"}, "front,admin,back"},
	}
	for _, tt := range tests {
		c := &record.Container{HostConfig: record.HostConfig{NetworkMode: tt.mode}}
		if tt.nets != nil {
			c.HostConfig.Networks = map[string]record.EndpointSettings{}
			for _, n := range tt.nets {
				c.HostConfig.Networks[n] = record.EndpointSettings{}
			}
		}
		if got := NetworksColumn(c); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.mode, tt.nets, got, tt.want)
		}
	}
}

func TestCheckIP6(t *testing.T) {
	for _, tc := range []struct{ ip6, err string }{
		{"", ""},
		{"fd00::10", "berth's networks are IPv4 only"},
		{"10.0.0.1", "invalid IPv6 address: 10.0.0.1"},
		{"::ffff:10.0.0.1", "invalid IPv6 address"},
		{"bogus", "invalid IPv6 address: bogus"},
	} {
		err := checkIP6(tc.ip6)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("checkIP6(%q) = %v, want %q", tc.ip6, err, tc.err)
		}
	}
}
