package responder

import (
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/portmap"
)

func TestReplyError(t *testing.T) {
	for _, tc := range []struct {
		reply  string
		inUse  bool
		prefix string
	}{
		{"error: bind 0.0.0.0:80: " + portmap.ErrPortInUse.Error(), true, "bind"},
		{"error: dns for abc: no such netns", false, "embedded dns: dns for abc"},
	} {
		err := replyError(tc.reply)
		if errors.Is(err, portmap.ErrPortInUse) != tc.inUse {
			t.Errorf("%q: Is(ErrPortInUse) = %v, want %v", tc.reply, !tc.inUse, tc.inUse)
		}
		if got := err.Error(); len(got) < len(tc.prefix) || got[:len(tc.prefix)] != tc.prefix {
			t.Errorf("%q: error %q, want prefix %q", tc.reply, got, tc.prefix)
		}
	}
}

func TestHolds(t *testing.T) {
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ports := []portmap.Mapping{{Protocol: "tcp", HostPort: 8080, ContainerPort: 80}}
	for _, tc := range []struct {
		name string
		ep   network.Endpoint
		want bool
	}{
		{"no ports", network.Endpoint{}, false},
		{"no holder", network.Endpoint{Ports: ports}, true},
		{"live holder", network.Endpoint{Ports: ports, PortsHolder: os.Getpid(), PortsHolderStart: start}, false},
		{"dead holder", network.Endpoint{Ports: ports, PortsHolder: os.Getpid(), PortsHolderStart: start + 1}, true},
	} {
		if got := Holds(tc.ep); got != tc.want {
			t.Errorf("%s: Holds = %v, want %v", tc.name, got, tc.want)
		}
	}
	if published([]network.Endpoint{{}, {Ports: ports}}) != true || published(nil) {
		t.Error("published does not follow Holds")
	}
}

func TestPortKey(t *testing.T) {
	m := portmap.Mapping{Protocol: "udp", HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 53}
	if got, want := portKey(m), "udp/127.0.0.1:53"; got != want {
		t.Errorf("portKey = %q, want %q", got, want)
	}
}
