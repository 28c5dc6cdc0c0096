package spec_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// ipCmd runs ip(8) on the host and returns its output.
func ipCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// dummyLink adds a link of the test's own on the host, down, and deletes
// it at the end wherever the container left it. This kernel has no dummy
// driver: it is one end of a veth pair, whose peer (name+"p") stays on
// the host and goes with it.
func dummyLink(t *testing.T, name string) {
	t.Helper()
	ipCmd(t, "link", "add", name, "type", "veth", "peer", "name", name+"p")
	t.Cleanup(func() {
		// A veth whose end went with a container's netns is being
		// destroyed by the kernel, its peer too: gone by the del is fine.
		out, err := exec.Command("ip", "link", "del", name+"p").CombinedOutput()
		if err != nil && !strings.Contains(string(out), "Cannot find device") {
			t.Errorf("ip link del %sp: %v: %s", name, err, out)
		}
	})
}

// linkName is a name no host link has, within IFNAMSIZ.
func linkName(t *testing.T, prefix string) string {
	id := testutil.NewID(t)
	return prefix + id[len(id)-8:]
}

// TestNetDevices: a host link moved into the container keeps its MTU, MAC
// and global address (a TEST-NET-1 address on a link that stays down, so
// the host never routes it) under the name asked for, and is gone from
// the host.
func TestNetDevices(t *testing.T) {
	rt, b := setup(t)
	host := linkName(t, "bdh")
	dummyLink(t, host)
	ipCmd(t, "link", "set", "dev", host, "mtu", "1789", "address", "02:11:22:33:44:55")
	ipCmd(t, "address", "add", "192.0.2.77/32", "dev", host)
	b.Update(func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{host: {Name: "ctr0"}} })
	id, _ := rt.RunningSleeper(t, b)
	out := rt.ExecOut(t, id, "ip", "address", "show", "dev", "ctr0")
	for _, want := range []string{"mtu 1789", "ether 02:11:22:33:44:55", "inet 192.0.2.77/32"} {
		if !strings.Contains(out, want) {
			t.Errorf("ctr0 in the container lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat("/sys/class/net/" + host); err == nil {
		t.Errorf("%s is still on the host", host)
	}
}

// TestNetDevicesPrecreatedNamespace: a device moved into a network
// namespace the container joins by path stays there after the container.
func TestNetDevicesPrecreatedNamespace(t *testing.T) {
	rt, b := setup(t)
	host, ns := linkName(t, "bdp"), linkName(t, "berthnd")
	dummyLink(t, host)
	ipCmd(t, "netns", "add", ns)
	t.Cleanup(func() { ipCmd(t, "netns", "del", ns) })
	b.Update(func(s *specs.Spec) {
		for i, n := range s.Linux.Namespaces {
			if n.Type == specs.NetworkNamespace {
				s.Linux.Namespaces[i].Path = "/run/netns/" + ns
			}
		}
		s.Linux.NetDevices = map[string]specs.LinuxNetDevice{host: {}}
	})
	b.SetArgs("ip", "link", "show", "dev", host)
	if res := rt.RunBundle(t, b); res.ExitCode != 0 {
		t.Fatalf("ip link show %s in the container: exit %d", host, res.ExitCode)
	}
	ipCmd(t, "-n", ns, "link", "show", "dev", host)
}

// TestNetDevicesRefused: devices without a network namespace, with a bad
// name or missing on the host are refused in one line; a device moved
// before the failure is back on the host under its name.
func TestNetDevicesRefused(t *testing.T) {
	present := linkName(t, "bda")
	dummyLink(t, present)
	cases := []struct {
		name string
		edit func(*specs.Spec)
		want string
	}{
		{"no network namespace", func(s *specs.Spec) {
			var keep []specs.LinuxNamespace
			for _, n := range s.Linux.Namespaces {
				if n.Type != specs.NetworkNamespace {
					keep = append(keep, n)
				}
			}
			s.Linux.Namespaces = keep
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{present: {}}
		}, "without a network namespace"},
		{"bad name", func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{present: {Name: "a/b"}}
		}, "invalid network device name"},
		{"missing device", func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{present: {Name: "ctr0"}, "zz-berth-none": {}}
		}, "move zz-berth-none into the container"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, b := setup(t)
			b.Update(c.edit)
			id := testutil.NewID(t)
			res := rt.Run(t, "run", "--bundle", b.Dir, id)
			if res.ExitCode != 1 {
				t.Errorf("exit %d, want 1", res.ExitCode)
			}
			testutil.OneErrorLine(t, res.Stderr, c.want)
			rt.AssertNothingLeft(t, id, b)
			if _, err := os.Stat("/sys/class/net/" + present); err != nil {
				t.Errorf("%s is not back on the host: %v", present, err)
			}
		})
	}
}
