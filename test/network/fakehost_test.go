package network_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/test/testutil"
)

// A fakeHost is a network namespace standing in for the host, for tests
// that need forwarding: ip_forward is turned on there, never on the real
// host, and the "LAN" is another namespace on a veth the test makes. The
// stores' calls run on a thread inside it (netns.Do), so their bridges,
// veths and nftables tables are made there, and go with it.
type fakeHost struct {
	path string
	dir  string
}

func newFakeHost(t *testing.T) *fakeHost {
	t.Helper()
	testutil.RequireRoot(t)
	h := &fakeHost{dir: t.TempDir()}
	var err error
	if h.path, err = netns.Create(h.dir, "host"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := netns.Remove(h.path); err != nil {
			t.Error(err)
		}
	})
	nsRun(t, h.path, "ip", "link", "set", "lo", "up")
	nsRun(t, h.path, "sh", "-c", "echo 1 >/proc/sys/net/ipv4/ip_forward")
	return h
}

// store returns a store of a root of its own whose calls must go through
// h.do; its networks are pruned at the end, inside the namespace.
func (h *fakeHost) store(t *testing.T) *network.Store {
	t.Helper()
	opts := storeOptions(t)
	if err := os.MkdirAll(opts.Root, 0o700); err != nil {
		t.Fatal(err)
	}
	s := network.New(opts)
	t.Cleanup(func() {
		h.do(t, func() error { _, err := s.Prune(); return err })
	})
	return s
}

// do runs fn inside the fake host.
func (h *fakeHost) do(t testing.TB, fn func() error) {
	t.Helper()
	if err := netns.Do(h.path, fn); err != nil {
		t.Fatal(err)
	}
}

// ctr makes a namespace for s, detached (inside the fake host) and removed
// at the end.
func (h *fakeHost) ctr(t *testing.T, s *network.Store) *ctr {
	t.Helper()
	return newCtrIn(t, s, false, func(fn func() error) error { return netns.Do(h.path, fn) })
}

func (h *fakeHost) attach(t *testing.T, s *network.Store, c *ctr, opts network.AttachOptions) network.Endpoint {
	t.Helper()
	var ep network.Endpoint
	h.do(t, func() (err error) {
		ep, err = s.Attach(ctx, c.netns, c.id, opts)
		return err
	})
	return ep
}

// lan makes a neighbour namespace on a veth to the fake host: the host
// side is 198.18.0.1/30, the neighbour 198.18.0.2, with routes to the
// given prefixes through the host.
func (h *fakeHost) lan(t *testing.T, routes ...string) string {
	t.Helper()
	path, err := netns.Create(h.dir, "lan")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = netns.Remove(path) })
	hv, lv := "vh"+randHex(8), "vl"+randHex(8)
	nsRun(t, h.path, "ip", "link", "add", hv, "type", "veth", "peer", "name", lv, "netns", path)
	nsRun(t, h.path, "ip", "addr", "add", "198.18.0.1/30", "dev", hv)
	nsRun(t, h.path, "ip", "link", "set", hv, "up")
	nsRun(t, path, "ip", "addr", "add", "198.18.0.2/30", "dev", lv)
	nsRun(t, path, "ip", "link", "set", lv, "up")
	for _, r := range routes {
		nsRun(t, path, "ip", "route", "add", r, "via", "198.18.0.1", "dev", lv)
	}
	return path
}

// nsRun runs a host command inside the namespace at path.
func nsRun(t testing.TB, path string, args ...string) {
	t.Helper()
	out, err := exec.Command("nsenter", append([]string{"--net=" + path, "--"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("in %s: %v: %v: %s", filepath.Base(path), args, err, out)
	}
}

// serve answers "hello" on a TCP listener opened at addr inside the
// namespace at path; it returns the port.
func serve(t testing.TB, path, addr string) int {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(path, func() (err error) { ln, err = net.Listen("tcp4", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "hello\n")
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// fetch connects from inside the namespace at path to addr and wants
// serve's "hello".
func fetch(path, addr string, timeout time.Duration) error {
	return netns.Do(path, func() error {
		c, err := net.DialTimeout("tcp4", addr, timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(timeout))
		b, err := io.ReadAll(c)
		if err != nil {
			return err
		}
		if string(b) != "hello\n" {
			return fmt.Errorf("%s answered %q", addr, b)
		}
		return nil
	})
}

// unreachable fails the test if addr answers from the namespace at path.
func unreachable(t testing.TB, path, addr, what string) {
	t.Helper()
	if err := fetch(path, addr, time.Second); err == nil {
		t.Errorf("%s: %s answered", what, addr)
	} else {
		t.Logf("%s: %s: %v", what, addr, err)
	}
}
