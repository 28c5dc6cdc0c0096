package network

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func TestPickSubnet(t *testing.T) {
	pools := []netip.Prefix{pfx("10.88.0.0/16"), pfx("10.89.0.0/16"), pfx("10.90.0.0/16")}
	tests := []struct {
		name  string
		taken []netip.Prefix
		want  string
	}{
		{"free", nil, "10.88.0.0/16"},
		{"host route inside", []netip.Prefix{pfx("10.88.3.0/24")}, "10.89.0.0/16"},
		{"wide route covers two", []netip.Prefix{pfx("10.88.0.0/15")}, "10.90.0.0/16"},
		{"resolver address", []netip.Prefix{pfx("10.88.0.53/32"), pfx("10.89.0.0/16")}, "10.90.0.0/16"},
		{"all taken", []netip.Prefix{pfx("10.0.0.0/8")}, ""},
	}
	for _, tt := range tests {
		got, err := pickSubnet(pools, tt.taken)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: got %s, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestNextFree(t *testing.T) {
	n := Network{Name: "n", Subnet: pfx("10.88.0.0/29"), Gateway: addr("10.88.0.1")}
	used := func(as ...string) map[netip.Addr]string {
		m := map[netip.Addr]string{n.Gateway: "the network's gateway"}
		for _, a := range as {
			m[addr(a)] = "container c"
		}
		return m
	}
	tests := []struct {
		name string
		last string
		used map[netip.Addr]string
		want string
	}{
		{"first", "", used(), "10.88.0.2"},
		{"after last", "10.88.0.3", used("10.88.0.2", "10.88.0.3"), "10.88.0.4"},
		{"freed address not reused at once", "10.88.0.4", used(), "10.88.0.5"},
		{"wraps, skips broadcast", "10.88.0.6", used("10.88.0.6"), "10.88.0.2"},
		{"full", "10.88.0.6", used("10.88.0.2", "10.88.0.3", "10.88.0.4", "10.88.0.5", "10.88.0.6"), ""},
	}
	for _, tt := range tests {
		n.LastIP = netip.Addr{}
		if tt.last != "" {
			n.LastIP = addr(tt.last)
		}
		got, err := nextFree(n, tt.used)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: got %s, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

// A refused --ip says, in one line, the network's name (never its ID),
// the address and why.
func TestCheckIP(t *testing.T) {
	n := Network{Name: "app", ID: strings.Repeat("ab", 32), Subnet: pfx("10.88.0.0/24"), Gateway: addr("10.88.0.1")}
	used := map[netip.Addr]string{n.Gateway: "the network's gateway", addr("10.88.0.5"): "container web"}
	tests := []struct{ ip, want string }{
		{"10.88.0.6", ""},
		{"10.9.9.9", "network app: address 10.9.9.9 is outside its subnet 10.88.0.0/24"},
		{"10.88.0.0", "network app: address 10.88.0.0 is the network address of its subnet 10.88.0.0/24"},
		{"10.88.0.255", "network app: address 10.88.0.255 is the broadcast address of its subnet 10.88.0.0/24"},
		{"10.88.0.1", "network app: address 10.88.0.1 is the network's gateway"},
		{"10.88.0.5", "network app: address 10.88.0.5 is already in use by container web"},
		{"fd00::1", "network app: address fd00::1 is outside its subnet 10.88.0.0/24"},
	}
	for _, tt := range tests {
		err := checkIP(n, addr(tt.ip), used)
		if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
			t.Errorf("%s: %v, want %q", tt.ip, err, tt.want)
		}
	}
}

func TestUsable(t *testing.T) {
	p := pfx("10.88.0.0/24")
	tests := []struct {
		a    string
		want bool
	}{
		{"10.88.0.0", false}, {"10.88.0.1", true}, {"10.88.0.254", true}, {"10.88.0.255", false}, {"10.89.0.1", false},
	}
	for _, tt := range tests {
		if got := usable(p, addr(tt.a)); got != tt.want {
			t.Errorf("usable(%s, %s) = %v, want %v", p, tt.a, got, tt.want)
		}
	}
}

func TestHostVethName(t *testing.T) {
	a := hostVethName("net1", "ctr1")
	tests := []struct {
		name string
		got  string
		ok   bool
	}{
		{"fits IFNAMSIZ", a, len(a) <= 15},
		{"stable", hostVethName("net1", "ctr1"), hostVethName("net1", "ctr1") == a},
		{"per network", hostVethName("net2", "ctr1"), hostVethName("net2", "ctr1") != a},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("%s: %q", tt.name, tt.got)
		}
	}
}

func TestParseMapElements(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []portElement
	}{
		{"any", `{"nftables": [{"metainfo": {}}, {"map": {"name": "ports_any", "elem": [[{"concat": ["tcp", 8080]}, {"concat": ["10.88.0.2", 80]}]]}}]}`,
			[]portElement{{Key: "tcp . 8080", IP: addr("10.88.0.2")}}},
		{"ip", `{"nftables": [{"map": {"name": "ports_ip", "elem": [[{"concat": ["127.0.0.1", "udp", 53]}, {"concat": ["10.88.0.3", 53]}]]}}]}`,
			[]portElement{{Key: "127.0.0.1 . udp . 53", IP: addr("10.88.0.3")}}},
		{"empty", `{"nftables": [{"map": {"name": "ports_ip"}}]}`, nil},
	}
	for _, tt := range tests {
		got, err := parseMapElements([]byte(tt.raw))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: got %v, want %v", tt.name, got[i], tt.want[i])
			}
		}
	}
}

func TestParseSubnet(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"10.1.0.0/16", "10.1.0.0/16", ""},
		{"192.168.7.0/24", "192.168.7.0/24", ""},
		{"10.1.2.3/16", "", "invalid subnet 10.1.2.3/16: it should be 10.1.0.0/16"},
		{"224.1.0.0/16", "", "multicast"},
		{"239.255.255.0/24", "", "multicast"},
		{"192.0.0.0/2", "", "multicast"},
		{"127.5.0.0/16", "", "loopback"},
		{"0.0.0.0/0", "", "cannot be a network's"},
		{"10.1.0.0/31", "", "want an IPv4 CIDR"},
		{"fd00::/64", "", "want an IPv4 CIDR"},
		{"10.1.0.0", "", "invalid CIDR block notation"},
	}
	for _, tt := range tests {
		got, err := parseSubnet(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want an error with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestCreateRefusesPredefinedNames(t *testing.T) {
	s := New(Options{Root: t.TempDir(), RunRoot: t.TempDir()})
	for _, name := range []string{"host", "none", "bridge", "default"} {
		_, err := s.Create(CreateOptions{Name: name})
		want := "operation is not permitted on predefined " + name + " network"
		if err == nil || err.Error() != want {
			t.Errorf("create %s: %v, want %q", name, err, want)
		}
	}
}

func TestChooseSubnet(t *testing.T) {
	s := New(Options{Pools: []netip.Prefix{pfx("10.0.0.0/16"), pfx("10.88.0.0/16"), pfx("10.89.0.0/16")},
		Reserved: []Reserved{{Prefix: pfx("10.0.2.0/24"), Why: "slirp4netns's network"}}})
	host := []netip.Prefix{pfx("192.0.2.0/24"), pfx("10.88.0.0/16")}
	all := []Network{{Name: "a", Subnet: pfx("10.231.0.0/24")}}
	tests := []struct {
		want, got, err string
	}{
		{"", "10.89.0.0/16", ""}, // picked: reserved, then a host route, skipped
		{"10.1.0.0/24", "10.1.0.0/24", ""},
		{"10.0.2.0/25", "", "overlaps 10.0.2.0/24, slirp4netns's network: pick another --subnet"},
		{"10.0.0.0/8", "", "overlaps 10.0.2.0/24, slirp4netns's network"},
		{"10.231.0.128/25", "", "overlaps network a (10.231.0.0/24)"},
		{"192.0.2.128/25", "", "overlaps 192.0.2.0/24, a route, address or resolver of the host"},
	}
	for _, tt := range tests {
		var want netip.Prefix
		if tt.want != "" {
			want = pfx(tt.want)
		}
		got, err := s.chooseSubnet(want, host, all)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: %v, want an error with %q", tt.want, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.got {
			t.Errorf("%q: %s, %v; want %s", tt.want, got, err, tt.got)
		}
	}
}
