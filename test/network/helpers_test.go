// Package network_test exercises package network against the real kernel,
// as root, with no engine: each "container" is a network namespace made
// with network/netns and busybox processes run in it through nsenter and
// chroot into a busyboxfs rootfs holding the generated /etc files.
//
// Every store here has its own nftables table and default bridge name, so
// the tests never touch an engine's; the leak check after the suite adds
// the tables to testutil's netns/veth/mount/process check.
package network_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/internal/busyboxfs"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/etcfiles"
	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/test/testutil"
)

// tablePrefix names the nftables tables of test stores.
const tablePrefix = "berthtest"

func TestMain(m *testing.M) {
	if os.Getenv(envHelper) != "" {
		os.Exit(attachAndHang())
	}
	code := testutil.Main(m)
	if tables := leftTables(); len(tables) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: leak check: nftables tables left: %v\n", tables)
		code = 1
	}
	os.Exit(code)
}

func leftTables() []string {
	out, _ := exec.Command("nft", "list", "tables").Output()
	var left []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 3 && strings.HasPrefix(f[2], fmt.Sprintf("%s%d", tablePrefix, os.Getpid())) {
			left = append(left, f[2])
		}
	}
	return left
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// storeOptions gives a fresh root and host object names of the test's own.
func storeOptions(t testing.TB) network.Options {
	dir := t.TempDir()
	return network.Options{
		Root:          filepath.Join(dir, "root"),
		RunRoot:       filepath.Join(dir, "run"),
		Table:         fmt.Sprintf("%s%d_%s", tablePrefix, os.Getpid(), randHex(4)),
		DefaultBridge: "btt-" + randHex(6),
		SkipIPForward: true,
	}
}

// newStore returns a store whose networks are pruned at the end; the
// prune must leave nothing, or the test fails.
func newStore(t testing.TB) *network.Store {
	testutil.RequireRoot(t)
	opts := storeOptions(t)
	if err := os.MkdirAll(opts.Root, 0o700); err != nil {
		t.Fatal(err)
	}
	s := network.New(opts)
	t.Cleanup(func() {
		if _, err := s.Prune(); err != nil {
			t.Errorf("prune: %v", err)
		}
		if left, _ := s.List(); len(left) > 0 {
			t.Errorf("networks left after prune: %v", left)
		}
	})
	return s
}

// ctr is a stand-in container: a pinned namespace and a rootfs to chroot.
type ctr struct {
	id, netns, rootfs string
}

// newCtr makes a namespace (and with rootfs a busybox root) removed at the
// end, after detaching from every network.
func newCtr(t testing.TB, s *network.Store, rootfs bool) *ctr {
	t.Helper()
	return newCtrIn(t, s, rootfs, func(fn func() error) error { return fn() })
}

// newCtrIn is newCtr whose detach runs through in (inside a fake host).
func newCtrIn(t testing.TB, s *network.Store, rootfs bool, in func(func() error) error) *ctr {
	t.Helper()
	c := &ctr{id: randHex(64)}
	var err error
	if c.netns, err = netns.Create(s.NetNSDir(), c.id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in(func() error { return s.DetachAll(context.Background(), c.id) }); err != nil {
			t.Errorf("detach %s: %v", c.id, err)
		}
		if err := netns.Remove(c.netns); err != nil {
			t.Error(err)
		}
	})
	if rootfs {
		c.rootfs = filepath.Join(t.TempDir(), "rootfs")
		if err := busyboxfs.Build(c.rootfs, ""); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// writeEtc writes the container's /etc/hosts and /etc/resolv.conf as the
// engine would.
func (c *ctr) writeEtc(t testing.TB, hostname string, ips []netip.Addr, embedded bool) {
	t.Helper()
	host, err := etcfiles.HostResolv("")
	if err != nil {
		t.Fatal(err)
	}
	if err := etcfiles.WriteFile(filepath.Join(c.rootfs, "etc/hosts"), etcfiles.Hosts(hostname, "", ips, nil)); err != nil {
		t.Fatal(err)
	}
	r := etcfiles.ContainerResolv(host, etcfiles.DNSOptions{}, embedded)
	if err := etcfiles.WriteFile(filepath.Join(c.rootfs, "etc/resolv.conf"), r.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func (c *ctr) command(args ...string) *exec.Cmd {
	full := []string{"--net=" + c.netns, "--", "chroot", c.rootfs, "/bin/busybox"}
	return exec.Command("nsenter", append(full, args...)...)
}

// run runs a busybox applet in the container and returns its output; the
// command, status and output are in the error.
func (c *ctr) run(args ...string) (string, error) {
	cmd := c.command(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("%v: %w", args, err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), fmt.Errorf("%v: %w: %s", args, err, out.String())
		}
		return out.String(), nil
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("%v: timed out: %s", args, out.String())
	}
}

// start runs a long-lived applet (a server), killed by PID at the end.
func (c *ctr) start(t testing.TB, args ...string) {
	t.Helper()
	cmd := c.command(args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// httpd serves dir /www of the rootfs, holding index.html with body, on
// port 80 of the container.
func (c *ctr) httpd(t testing.TB, body []byte) {
	t.Helper()
	www := filepath.Join(c.rootfs, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(www, "index.html"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	c.start(t, "httpd", "-f", "-p", "80", "-h", "/www")
}

// eventually retries fn for up to 10 s (a server starting), through
// testutil.Eventually; the failure names what and fn's last error.
func eventually(t testing.TB, what string, fn func() error) {
	t.Helper()
	var err error
	testutil.Eventually(t, 10*time.Second, func() bool { err = fn(); return err == nil },
		func() string { return fmt.Sprintf("%s: %v", what, err) })
}

// hostLinks lists the host's links whose name starts with prefix.
func hostLinks(prefix string) []string {
	entries, _ := os.ReadDir("/sys/class/net")
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// tableElements lists the elements of the store's port maps.
func tableElements(t testing.TB, table string) string {
	t.Helper()
	var all []string
	for _, m := range []string{"ports_any", "ports_ip"} {
		out, err := exec.Command("nft", "list", "map", "ip", table, m).CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "No such file") {
				continue
			}
			t.Fatalf("nft list map %s: %v: %s", m, err, out)
		}
		if i := strings.Index(string(out), "elements"); i >= 0 {
			all = append(all, strings.TrimSpace(string(out[i:])))
		}
	}
	return strings.Join(all, "\n")
}
