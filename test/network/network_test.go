package network_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/network/portmap"
)

var ctx = context.Background()

func mustParse(t testing.TB, specs ...string) []portmap.Mapping {
	t.Helper()
	var out []portmap.Mapping
	for _, s := range specs {
		ms, err := portmap.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ms...)
	}
	return out
}

func hostPort(ep network.Endpoint, proto string) int {
	for _, p := range ep.Ports {
		if p.Protocol == proto {
			return int(p.HostPort)
		}
	}
	return 0
}

// TestPublishTCPAndUDP: busybox httpd in a namespace on the default
// network, published on 127.0.0.1 and fetched from the host; a UDP echo
// in the namespace reached through its published port.
func TestPublishTCPAndUDP(t *testing.T) {
	s := newStore(t)
	c := newCtr(t, s, true)
	ep, err := s.Attach(ctx, c.netns, c.id, network.AttachOptions{
		Ports: mustParse(t, "127.0.0.1::80", "127.0.0.1::7/udp")})
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := s.Inspect(network.DefaultName)
	if err != nil || !n.Subnet.Contains(ep.IP) || ep.IfName != "eth0" {
		t.Fatalf("default network %+v, endpoint %+v: %v", n, ep, err)
	}
	c.httpd(t, []byte("hello from the namespace\n"))
	url := fmt.Sprintf("http://127.0.0.1:%d/", hostPort(ep, "tcp"))
	eventually(t, "GET "+url, func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "hello from the namespace\n" {
			return fmt.Errorf("body %q", body)
		}
		return nil
	})

	// busybox nc here has no UDP mode: the echo server is a socket the
	// test opens inside the namespace.
	var echo net.PacketConn
	if err := netns.Do(c.netns, func() (err error) {
		echo, err = net.ListenPacket("udp4", ":7")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := echo.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = echo.WriteTo(append([]byte("echo "), buf[:n]...), from)
		}
	}()
	conn, err := net.Dial("udp4", fmt.Sprintf("127.0.0.1:%d", hostPort(ep, "udp")))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	nr, err := conn.Read(buf)
	if err != nil || string(buf[:nr]) != "echo ping" {
		t.Fatalf("udp echo through published port: %q, %v", buf[:nr], err)
	}
}

// TestUserNetworkNames: two namespaces on a user network reach each other
// by IP, by container name and by alias, through the embedded DNS.
func TestUserNetworkNames(t *testing.T) {
	s := newStore(t)
	n, err := s.Create(network.CreateOptions{Name: "app", Labels: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	web, client := newCtr(t, s, true), newCtr(t, s, true)
	wep, err := s.Attach(ctx, web.netns, web.id, network.AttachOptions{Network: "app", Name: "web", Aliases: []string{"www"}})
	if err != nil {
		t.Fatal(err)
	}
	cep, err := s.Attach(ctx, client.netns, client.id, network.AttachOptions{Network: n.ID[:12], Name: "client"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		c  *ctr
		ep network.Endpoint
	}{{web, wep}, {client, cep}} {
		c.c.writeEtc(t, c.ep.ContainerID[:12], []netip.Addr{c.ep.IP}, true)
		srv, err := s.ServeDNS(c.ep.ContainerID, c.c.netns)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
	}
	web.httpd(t, []byte("web page\n"))

	if out, err := client.run("ping", "-c1", "-W2", wep.IP.String()); err != nil {
		t.Fatalf("ping by IP: %v\n%s", err, out)
	}
	out, err := client.run("nslookup", "web")
	if err != nil || !strings.Contains(out, wep.IP.String()) {
		t.Fatalf("nslookup web: want %s: %v\n%s", wep.IP, err, out)
	}
	if out, err := client.run("ping", "-c1", "-W2", "web"); err != nil || !strings.Contains(out, wep.IP.String()) {
		t.Fatalf("ping web: %v\n%s", err, out)
	}
	for _, name := range []string{"web", "www", wep.ContainerID[:12]} {
		eventually(t, "wget "+name, func() error {
			out, err := client.run("wget", "-q", "-O", "-", "http://"+name+"/")
			if err == nil && out != "web page\n" {
				err = fmt.Errorf("got %q", out)
			}
			return err
		})
	}
	// web resolves client back; an unknown name is not found.
	if out, err := web.run("nslookup", "client"); err != nil || !strings.Contains(out, cep.IP.String()) {
		t.Fatalf("nslookup client from web: %v\n%s", err, out)
	}
	// The host's resolvers are unreachable here: ask for a name that only
	// an NXDOMAIN from the embedded DNS itself can answer quickly.
	if err := s.Detach(ctx, web.id, "app"); err != nil {
		t.Fatal(err)
	}
	if out, err := client.run("nslookup", "www"); err == nil && strings.Contains(out, wep.IP.String()) {
		t.Fatalf("www still resolves after detach:\n%s", out)
	}
	if _, eps, _ := s.Inspect("app"); len(eps) != 1 {
		t.Fatalf("endpoints after detach: %+v", eps)
	}
	if err := s.Remove("app"); !errors.Is(err, network.ErrInUse) {
		t.Fatalf("remove network in use: %v, want ErrInUse", err)
	}
}

// TestInternal: the host has no address on an internal network and cannot
// reach it; namespaces on it reach each other; it refuses published ports.
func TestInternal(t *testing.T) {
	s := newStore(t)
	n, err := s.Create(network.CreateOptions{Name: "secret", Internal: true, Subnet: "10.199.0.0/24"})
	if err != nil {
		if strings.Contains(err.Error(), "overlaps") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	a, b := newCtr(t, s, true), newCtr(t, s, true)
	aep, err := s.Attach(ctx, a.netns, a.id, network.AttachOptions{Network: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attach(ctx, b.netns, b.id, network.AttachOptions{Network: "secret"}); err != nil {
		t.Fatal(err)
	}
	if aep.Gateway.IsValid() {
		t.Errorf("internal endpoint has a gateway %s", aep.Gateway)
	}
	a.httpd(t, []byte("secret\n"))
	eventually(t, "wget from b", func() error {
		_, err := b.run("wget", "-q", "-O", "-", "http://"+aep.IP.String()+"/")
		return err
	})
	// Dial only once the host's route says unreachable: a missing route
	// would send the packet out of the default gateway.
	routes, err := netlink.RouteGet(net.IP(aep.IP.AsSlice()))
	if err == nil {
		t.Fatalf("host has a route to internal %s: %+v", aep.IP, routes)
	}
	conn, err := net.DialTimeout("tcp4", aep.IP.String()+":80", time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("host reached %s:80 on internal network %s", aep.IP, n.Subnet)
	}
	c := newCtr(t, s, false)
	if _, err := s.Attach(ctx, c.netns, c.id, network.AttachOptions{Network: "secret", Ports: mustParse(t, "127.0.0.1::80")}); err == nil {
		t.Fatal("published a port on an internal network")
	}
}

// TestPortInUse: a port held by a host socket or by another container is
// refused up front with ErrPortInUse, and the failed attach leaves no
// lease, veth or map element.
func TestPortInUse(t *testing.T) {
	s := newStore(t)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port

	first := newCtr(t, s, false)
	fep, err := s.Attach(ctx, first.netns, first.id, network.AttachOptions{Ports: mustParse(t, "127.0.0.1::80/udp")})
	if err != nil {
		t.Fatal(err)
	}
	before := tableElements(t, s.Options().Table)
	veths := hostLinks("vb")

	// A host socket's holder is named: this test process.
	self := fmt.Sprintf("held by pid %d (", os.Getpid())
	tests := []struct{ name, spec, holder string }{
		{"host socket", fmt.Sprintf("127.0.0.1:%d:80", busy), self},
		{"host socket, all addresses", fmt.Sprintf("%d:80", busy), self},
		{"another container", fmt.Sprintf("%d:53/udp", hostPort(fep, "udp")), "by another container"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCtr(t, s, false)
			_, err := s.Attach(ctx, c.netns, c.id, network.AttachOptions{Ports: mustParse(t, tt.spec)})
			if !errors.Is(err, portmap.ErrPortInUse) || !strings.Contains(err.Error(), tt.holder) {
				t.Fatalf("attach: %v, want ErrPortInUse naming %q", err, tt.holder)
			}
			t.Logf("error: %v", err)
			if eps, _ := s.Endpoints(c.id); len(eps) > 0 {
				t.Errorf("lease left: %+v", eps)
			}
			if got := hostLinks("vb"); len(got) != len(veths) {
				t.Errorf("veths %v, before %v", got, veths)
			}
			if got := tableElements(t, s.Options().Table); got != before {
				t.Errorf("map elements changed:\n%s\nbefore:\n%s", got, before)
			}
		})
	}
}
