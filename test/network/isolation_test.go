package network_test

import (
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/netns"
)

func reachable(t *testing.T, path, addr, what string) {
	t.Helper()
	eventually(t, what+": "+addr, func() error { return fetch(path, addr, 2*time.Second) })
}

// TestLANNeighbour: a neighbour on the fake host's LAN reaches a port
// published on every address, but neither a port published only on
// 127.0.0.1 (sending to 127.0.0.1 through the host: CVE-2020-8558) nor a
// container's ports that were never published (routing to the subnet
// through the host, which forwards). The host itself still reaches the
// loopback-only port.
func TestLANNeighbour(t *testing.T) {
	h := newFakeHost(t)
	s := h.store(t)
	c := h.ctr(t, s)
	ep := h.attach(t, s, c, network.AttachOptions{Ports: mustParse(t, "127.0.0.1::80", "82")})
	for _, a := range []string{":80", ":81", ":82"} {
		serve(t, c.netns, a)
	}
	var local, public int
	for _, m := range ep.Ports {
		if m.ContainerPort == 80 {
			local = int(m.HostPort)
		} else {
			public = int(m.HostPort)
		}
	}
	n, _, err := s.Inspect(network.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	lan := h.lan(t, n.Subnet.String())
	// A neighbour sends to 127.0.0.1 through the host as the CVE's
	// proof does: lo down (no local 127/8 routes), route_localnet on.
	nsRun(t, lan, "sh", "-c", "echo 1 >/proc/sys/net/ipv4/conf/all/route_localnet")
	nsRun(t, lan, "ip", "route", "add", "127.0.0.1/32", "via", "198.18.0.1")

	reachable(t, lan, fmt.Sprintf("198.18.0.1:%d", public), "published port from the LAN")
	reachable(t, h.path, fmt.Sprintf("127.0.0.1:%d", local), "loopback-published port from the host")
	unreachable(t, lan, fmt.Sprintf("127.0.0.1:%d", local), "loopback-published port from the LAN")
	unreachable(t, lan, ep.IP.String()+":81", "unpublished container port from the LAN")
	unreachable(t, lan, ep.IP.String()+":80", "container port behind a loopback publication, directly")
}

// TestContainerCannotReachHostLoopback: a container that routes 127.0.0.1
// to its gateway (as NET_ADMIN or a raw socket allows) gets no datagram to
// the host's loopback-only listener, though bridges have route_localnet;
// it still reaches the host on the gateway address.
func TestContainerCannotReachHostLoopback(t *testing.T) {
	h := newFakeHost(t)
	s := h.store(t)
	c := h.ctr(t, s)
	ep := h.attach(t, s, c, network.AttachOptions{})
	loPort, loGot := udpSink(t, h.path, "127.0.0.1:0")
	gwPort, gwGot := udpSink(t, h.path, ep.Gateway.String()+":0")
	nsRun(t, c.netns, "ip", "route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local")
	nsRun(t, c.netns, "ip", "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local")
	nsRun(t, c.netns, "sh", "-c", "echo 1 >/proc/sys/net/ipv4/conf/"+ep.IfName+"/route_localnet")
	nsRun(t, c.netns, "ip", "route", "add", "127.0.0.1/32", "via", ep.Gateway.String(), "dev", ep.IfName)

	send := func(addr string) {
		t.Helper()
		if err := netns.Do(c.netns, func() error {
			conn, err := net.Dial("udp4", addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			for range 3 {
				if _, err := conn.Write([]byte("probe")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("send to %s: %v", addr, err)
		}
	}
	send(fmt.Sprintf("%s:%d", ep.Gateway, gwPort))
	select {
	case <-gwGot:
	case <-time.After(5 * time.Second):
		t.Fatal("the host got nothing on the gateway address: the set-up is wrong")
	}
	send(fmt.Sprintf("127.0.0.1:%d", loPort))
	select {
	case from := <-loGot:
		t.Fatalf("the host's loopback-only listener got a datagram from %s", from)
	case <-time.After(time.Second):
	}
}

// udpSink listens on addr inside the namespace at path and reports each
// datagram's source.
func udpSink(t *testing.T, path, addr string) (int, <-chan string) {
	t.Helper()
	var pc net.PacketConn
	if err := netns.Do(path, func() (err error) { pc, err = net.ListenPacket("udp4", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	got := make(chan string, 16)
	go func() {
		buf := make([]byte, 100)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case got <- from.String():
			default:
			}
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port, got
}

// TestUserNetworksIsolated: containers on two user networks, or of two
// roots, do not reach each other, though the host forwards; `network
// connect` joins them.
func TestUserNetworksIsolated(t *testing.T) {
	h := newFakeHost(t)
	s, other := h.store(t), h.store(t)
	h.do(t, func() error {
		for _, name := range []string{"front", "back"} {
			if _, err := s.Create(network.CreateOptions{Name: name}); err != nil {
				return err
			}
		}
		return nil
	})
	a, b, d := h.ctr(t, s), h.ctr(t, s), h.ctr(t, other)
	h.attach(t, s, a, network.AttachOptions{Network: "front"})
	bep := h.attach(t, s, b, network.AttachOptions{Network: "back"})
	dep := h.attach(t, other, d, network.AttachOptions{})
	serve(t, b.netns, ":80")
	serve(t, d.netns, ":80")
	target := bep.IP.String() + ":80"

	reachable(t, h.path, target, "back from the host")
	unreachable(t, a.netns, target, "back from front")
	unreachable(t, a.netns, dep.IP.String()+":80", "another root's container")
	h.attach(t, s, a, network.AttachOptions{Network: "back"})
	reachable(t, a.netns, target, "back after network connect")
}

// TestRootsPickDistinctSubnets: data roots creating networks at the same
// moment get distinct subnets and bridges (the host-wide allocation lock
// and the check of the host's addresses).
func TestRootsPickDistinctSubnets(t *testing.T) {
	h := newFakeHost(t)
	const roots = 4
	stores := make([]*network.Store, roots)
	for i := range stores {
		stores[i] = h.store(t)
	}
	nets := make([]network.Network, roots)
	errs := make([]error, roots)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = netns.Do(h.path, func() (err error) {
				nets[i], err = s.Create(network.CreateOptions{Name: "ci"})
				return err
			})
		}()
	}
	wg.Wait()
	seen := map[netip.Prefix]int{}
	bridges := map[string]bool{}
	for i, n := range nets {
		if errs[i] != nil {
			t.Fatalf("root %d: %v", i, errs[i])
		}
		for p, j := range seen {
			if p.Overlaps(n.Subnet) {
				t.Errorf("roots %d and %d share %s / %s", j, i, p, n.Subnet)
			}
		}
		seen[n.Subnet] = i
		if bridges[n.Bridge] {
			t.Errorf("bridge %s twice", n.Bridge)
		}
		bridges[n.Bridge] = true
	}
	t.Logf("subnets: %v", seen)
}

// TestRecordedSubnetTakenMeanwhile: a network whose bridge went away (a
// reboot) does not get it back on a subnet another root took meanwhile;
// removing it leaves the other root's bridge and table alone.
func TestRecordedSubnetTakenMeanwhile(t *testing.T) {
	h := newFakeHost(t)
	a, b := h.store(t), h.store(t)
	var an, bn network.Network
	h.do(t, func() (err error) {
		if an, err = a.Create(network.CreateOptions{Name: "n"}); err != nil {
			return err
		}
		link, err := netlink.LinkByName(an.Bridge)
		if err != nil {
			return err
		}
		if err := netlink.LinkDel(link); err != nil {
			return err
		}
		bn, err = b.Create(network.CreateOptions{Name: "m"})
		return err
	})
	if !bn.Subnet.Overlaps(an.Subnet) {
		t.Fatalf("root b picked %s, not the freed %s: the test proves nothing", bn.Subnet, an.Subnet)
	}
	c := h.ctr(t, a)
	h.do(t, func() error {
		_, err := a.Attach(ctx, c.netns, c.id, network.AttachOptions{Network: "n"})
		if err == nil || !strings.Contains(err.Error(), "overlaps") {
			return fmt.Errorf("attach on a subnet taken meanwhile: %v, want an overlap error", err)
		}
		t.Logf("error: %v", err)
		if err := a.Remove("n"); err != nil {
			return err
		}
		if _, err := netlink.LinkByName(bn.Bridge); err != nil {
			return fmt.Errorf("root b's bridge after root a removed its network: %w", err)
		}
		out, err := exec.Command("nft", "list", "table", "ip", b.Options().Table).CombinedOutput()
		if err != nil || !strings.Contains(string(out), bn.Subnet.String()) {
			return fmt.Errorf("root b's table after root a removed its network: %v: %s", err, out)
		}
		return nil
	})
}
