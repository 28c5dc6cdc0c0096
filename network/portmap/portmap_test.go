package portmap

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"testing"
)

var lo = netip.MustParseAddr("127.0.0.1")

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		want    []Mapping
		wantErr bool
	}{
		{"80", []Mapping{{ContainerPort: 80, Protocol: "tcp"}}, false},
		{"8080:80", []Mapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}, false},
		{"127.0.0.1:8080:80/udp", []Mapping{{HostIP: lo, HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}, false},
		{"127.0.0.1::80", []Mapping{{HostIP: lo, ContainerPort: 80, Protocol: "tcp"}}, false},
		{"0.0.0.0:53:53/UDP", []Mapping{{HostPort: 53, ContainerPort: 53, Protocol: "udp"}}, false},
		{"8000-8001:80-81", []Mapping{
			{HostPort: 8000, ContainerPort: 80, Protocol: "tcp"},
			{HostPort: 8001, ContainerPort: 81, Protocol: "tcp"}}, false},
		{"8000-8010:80", []Mapping{{HostPort: 8000, HostPortEnd: 8010, ContainerPort: 80, Protocol: "tcp"}}, false},
		{"80-81", []Mapping{{ContainerPort: 80, Protocol: "tcp"}, {ContainerPort: 81, Protocol: "tcp"}}, false},
		{"8000-8002:80-81", nil, true},
		{"80/sctp", nil, true},
		{"0:80", nil, true},
		{"70000:80", nil, true},
		{"x:80", nil, true},
		{"a:b:c:d", nil, true},
		{"::1:80:80", nil, true},
		{"[::1]:80:80", nil, true},
		{"90-80:80", nil, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.spec)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v, wantErr %v", tt.spec, err, tt.wantErr)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
	}
}

func TestOverlaps(t *testing.T) {
	other := netip.MustParseAddr("127.0.0.2")
	tests := []struct {
		a, b Mapping
		want bool
	}{
		{Mapping{HostPort: 80, Protocol: "tcp"}, Mapping{HostPort: 80, Protocol: "tcp"}, true},
		{Mapping{HostPort: 80, Protocol: "tcp"}, Mapping{HostPort: 80, Protocol: "udp"}, false},
		{Mapping{HostIP: lo, HostPort: 80, Protocol: "tcp"}, Mapping{HostPort: 80, Protocol: "tcp"}, true},
		{Mapping{HostIP: lo, HostPort: 80, Protocol: "tcp"}, Mapping{HostIP: other, HostPort: 80, Protocol: "tcp"}, false},
		{Mapping{HostIP: lo, HostPort: 80, Protocol: "tcp"}, Mapping{HostIP: lo, HostPort: 81, Protocol: "tcp"}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Overlaps(tt.b); got != tt.want {
			t.Errorf("%v overlaps %v = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestReserve(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := uint16(l.Addr().(*net.TCPAddr).Port)

	tests := []struct {
		name    string
		in      []Mapping
		taken   []Mapping
		inUse   bool
		checkFn func(t *testing.T, got []Mapping)
	}{
		{name: "host socket", in: []Mapping{{HostIP: lo, HostPort: busy, ContainerPort: 80, Protocol: "tcp"}}, inUse: true},
		{name: "another container", in: []Mapping{{HostIP: lo, HostPort: 1, ContainerPort: 80, Protocol: "udp"}},
			taken: []Mapping{{HostPort: 1, Protocol: "udp"}}, inUse: true},
		{name: "two in one request", in: []Mapping{
			{HostIP: lo, HostPort: busy + 1, ContainerPort: 80, Protocol: "udp"},
			{HostIP: lo, HostPort: busy + 1, ContainerPort: 81, Protocol: "udp"}}, inUse: true},
		{name: "range skips busy", in: []Mapping{{HostIP: lo, HostPort: busy, HostPortEnd: busy + 1, ContainerPort: 80, Protocol: "tcp"}},
			checkFn: func(t *testing.T, got []Mapping) {
				if got[0].HostPort != busy+1 || got[0].HostPortEnd != 0 {
					t.Errorf("range gave %v, want port %d", got[0], busy+1)
				}
			}},
		{name: "random", in: []Mapping{{HostIP: lo, ContainerPort: 80, Protocol: "tcp"}, {HostIP: lo, ContainerPort: 53, Protocol: "udp"}},
			checkFn: func(t *testing.T, got []Mapping) {
				for _, m := range got {
					if m.HostPort == 0 {
						t.Errorf("no port picked: %v", m)
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Reserve(tt.in, tt.taken)
			if tt.inUse {
				if !errors.Is(err, ErrPortInUse) {
					t.Fatalf("Reserve = %v, %v; want ErrPortInUse", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.checkFn(t, got)
		})
	}
}
