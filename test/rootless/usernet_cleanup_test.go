package rootless_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// What a user network leaves, and what it must not: checked from the
// host (processes, pins, records) and from inside the user's namespaces
// (links, mounts), where nothing of the host's tools looks.

// noUserNetLeft checks that the user's namespace, its slirp4netns, every
// container's helpers and pins, and their records are gone.
func (e *env) noUserNetLeft() {
	e.t.Helper()
	e.noNetworkLeft("the user networks")
	if _, err := os.Lstat(e.usernetDir()); err == nil {
		left, _ := os.ReadDir(e.usernetDir())
		e.t.Errorf("%s left: %v", e.usernetDir(), left)
	}
	if pid := e.egressPID(); pid != 0 {
		e.t.Errorf("slirp4netns %d of the user's namespace left", pid)
	}
	e.noContainerPins()
	if m := e.nsfsMounts(); len(m) > 0 {
		e.t.Errorf("namespaces still pinned in the store's mount namespace:\n%s", strings.Join(m, "\n"))
	}
}

// noContainerPins checks that no container namespace is pinned.
func (e *env) noContainerPins() {
	e.t.Helper()
	pinned, _ := os.ReadDir(filepath.Join(e.u.Runtime, "berth", "netns"))
	for _, p := range pinned {
		e.t.Errorf("container namespace pin %s left", p.Name())
	}
}

// nsfsMounts are the namespace pins under the user's run root in the
// store's mount namespace. It began as a copy of the host's, whose own
// pins (root's) it may show: only the user's count.
func (e *env) nsfsMounts() []string {
	e.t.Helper()
	var out []string
	for _, m := range strings.Split(e.ok("unshare", "cat", "/proc/self/mountinfo"), "\n") {
		if strings.Contains(m, "nsfs") && strings.Contains(m, e.u.Runtime) {
			out = append(out, m)
		}
	}
	return out
}

// usernetLinks are the names of the links in the user's network
// namespace, seen from inside it (berth unshare is root there).
func (e *env) usernetLinks() []string {
	e.t.Helper()
	ns := filepath.Join(e.usernetDir(), "netns")
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(e.ok("unshare", "nsenter", "--net="+ns, "ip", "-o", "link")), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
			names = append(names, name)
		}
	}
	return names
}

// onlyIdle checks that the user's network namespace holds its loopback,
// slirp4netns's tap and the bridges of the networks named, nothing else
// (no veth), and that of the user's processes only the store's pause
// process and that slirp4netns run (no monitor, no forwarder).
func (e *env) onlyIdle(networks ...string) {
	e.t.Helper()
	want := map[string]bool{"lo": true, "tap0": true}
	for _, n := range networks {
		id := strings.TrimSpace(e.ok("network", "inspect", "-f", "{{.Id}}", n))
		want["bt-"+id[:10]] = true
	}
	links := e.usernetLinks()
	for _, l := range links {
		if !want[l] {
			e.t.Errorf("link %s left in the user's namespace (links: %v)", l, links)
		}
	}
	if len(links) != len(want) {
		e.t.Errorf("links in the user's namespace: %v, want %d (lo, tap0, bridges of %v)", links, len(want), networks)
	}
	for _, pid := range e.u.Processes() {
		if pid != e.pausePID() && pid != e.egressPID() && !testutil.ProcessEnded(pid) {
			e.t.Errorf("process %d %q of the user left", pid, cmdline(pid))
		}
	}
	e.noContainerPins()
	ns := filepath.Join(e.usernetDir(), "netns")
	for _, m := range e.nsfsMounts() {
		if !strings.Contains(m, " "+ns+" ") {
			e.t.Errorf("a namespace pin besides the user's network namespace: %s", m)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(e.u.Runtime, "berth", "net", "*")); len(left) > 0 {
		e.t.Errorf("container network records left: %v", left)
	}
}

// A run that fails on a user network, at any step (an address outside the
// network, a port taken on the host, its command missing once its network
// is wired), leaves no veth, pin, mount, process or record, inside the
// user's namespaces too; the network's bridge stays, and goes with it.
func TestUserNetworkFailedRun(t *testing.T) {
	e := newEnv(t)
	e.ok("network", "create", "--subnet", "10.231.9.0/24", "app")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	e.ok("run", "--rm", "--network", "app", "busybox", "true") // the namespace and its bridge exist
	e.onlyIdle("app")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ip", "10.9.9.9"}, "network app: address 10.9.9.9 is outside its subnet 10.231.9.0/24"},
		{[]string{"-p", taken.Addr().String() + ":80"}, "address already in use"},
		{[]string{"busybox", "/nosuch"}, "/nosuch"},
	} {
		args := append([]string{"run", "--rm", "--network", "app"}, c.args...)
		if c.args[0] != "busybox" {
			args = append(args, "busybox", "true")
		}
		r := e.run(args...)
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, c.want) || !oneLine(r.Stderr) || fullID.MatchString(r.Stderr) {
			t.Errorf("%v: want a failure in one line with %q, no full ID:\n%s", args, c.want, r)
		}
		if ps := e.ok("ps", "-aq"); ps != "" {
			t.Errorf("%v left a container: %q", args, ps)
		}
		e.onlyIdle("app")
	}
	// An address taken fails at attach, once the namespace is made.
	e.ok("run", "-d", "--name", "holder", "--network", "app", "--ip", "10.231.9.7", "busybox", "sleep", "60")
	r := e.run("run", "--rm", "--network", "app", "--ip", "10.231.9.7", "busybox", "true")
	if want := "network app: address 10.231.9.7 is already in use by container holder"; r.ExitCode == 0 ||
		!strings.Contains(r.Stderr, want) || !oneLine(r.Stderr) || fullID.MatchString(r.Stderr) {
		t.Errorf("--ip taken: want one line with %q, no full ID:\n%s", want, r)
	}
	e.ok("rm", "-f", "holder")
	if ps := e.ok("ps", "-aq"); ps != "" {
		t.Errorf("--ip taken left a container: %q", ps)
	}
	e.onlyIdle("app")
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}

// fullID matches a 64-hex-digit ID, which no one-line error should print.
var fullID = regexp.MustCompile(`[0-9a-f]{64}`)

// Bad input on a user network gets one line, and makes no namespace: a
// subnet that slirp4netns's 10.0.2.0/24, the host's own routes or the
// user's other network use, or that no network may have, and names that
// are not there.
func TestUserNetworkBadInput(t *testing.T) {
	e := newEnv(t)
	host := hostPrefix(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"network", "create", "--subnet", "10.0.2.0/25", "bad"}, "overlaps 10.0.2.0/24, slirp4netns's network"},
		{[]string{"network", "create", "--subnet", "10.0.0.0/8", "bad"}, "overlaps 10.0.2.0/24, slirp4netns's network"},
		{[]string{"network", "create", "--subnet", host.String(), "bad"}, "a route, address or resolver of the host"},
		{[]string{"network", "create", "--subnet", "127.1.0.0/16", "bad"}, "loopback"},
		{[]string{"network", "create", "--subnet", "224.1.0.0/16", "bad"}, "multicast"},
		{[]string{"run", "--rm", "--network", "nosuch", "busybox", "true"}, "network nosuch not found"},
		{[]string{"network", "rm", "nosuch"}, "nosuch"},
	}
	check := func() {
		t.Helper()
		for _, c := range cases {
			r := e.run(c.args...)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, c.want) || !oneLine(r.Stderr) {
				t.Errorf("%v: want one line with %q:\n%s", c.args, c.want, r)
			}
		}
	}
	check()
	e.noUserNetLeft() // refused before the namespace was made
	e.ok("network", "create", "--subnet", "10.231.8.0/24", "app")
	cases = append(cases, struct {
		args []string
		want string
	}{[]string{"network", "create", "--subnet", "10.231.8.128/25", "bad"}, "overlaps network app (10.231.8.0/24)"})
	check() // the same, and the same line, with the namespace there
	if out := e.ok("network", "ls", "--format", "{{.Name}}"); strings.Contains(out, "bad") {
		t.Errorf("a refused network is listed: %q", out)
	}
	e.onlyIdle("app")
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}

// hostPrefix is the network of one of the host's own global IPv4
// addresses, which no user network may take.
func hostPrefix(t *testing.T) net.IPNet {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return net.IPNet{IP: n.IP.Mask(n.Mask), Mask: n.Mask}
		}
	}
	t.Fatalf("this test needs a global IPv4 address on the host (addresses: %v)", addrs)
	return net.IPNet{}
}

// A berth killed mid-run leaves nothing once the container is removed,
// and network rm and prune each take the namespace with the last
// network, not before.
func TestUserNetworkCleanup(t *testing.T) {
	e := newEnv(t)
	e.ok("network", "create", "app")
	e.ok("network", "create", "other")
	cmd := e.u.Command(e.bin, "run", "--name", "fg", "--network", "app", "busybox", "sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !testutil.WaitFor(10*time.Second, func() bool {
		return strings.HasPrefix(e.ok("ps", "--format", "{{.Names}} {{.Status}}"), "fg Up")
	}) {
		t.Fatalf("the foreground run never ran:\n%s", e.ok("ps", "-a"))
	}
	cmd.Process.Kill() // the foreground berth is the container's monitor
	cmd.Wait()
	if r := e.run("network", "rm", "app"); r.ExitCode == 0 {
		// The repair may have taken the endpoint of the container the
		// kill ended; otherwise it is still attached.
		t.Logf("network rm app right after the kill: %s", r)
	}
	e.ok("rm", "-f", "fg")
	e.run("network", "rm", "app")
	if out := e.ok("network", "ls", "--format", "{{.Name}}"); strings.Contains(out, "app") || !strings.Contains(out, "other") {
		t.Fatalf("networks after rm app: %q", out)
	}
	if e.egressPID() == 0 {
		t.Fatal("the namespace went while network other is left")
	}
	e.onlyIdle("other")
	if out := e.ok("network", "prune", "-f"); !strings.Contains(out, "other") {
		t.Fatalf("network prune: %q", out)
	}
	e.noUserNetLeft()
}

// A restart on a user network takes back its veth's name from the
// previous run's, which a process left in the old namespace keeps alive
// (test/engine's TestRestartWhileOldNetnsHeld, rootless): the stale veth
// is found and deleted in the user's namespace, where it is, not in the
// host's. Twice, as there: the first command also runs the repair.
func TestUserNetworkRestartWhileOldNetnsHeld(t *testing.T) {
	e := newEnv(t)
	e.ok("network", "create", "app")
	e.ok("run", "-d", "--name", "held", "--network", "app", "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && exec sleep 100")
	for i := 0; i < 2; i++ {
		old := "/proc/" + strings.TrimSpace(e.ok("inspect", "-f", "{{.State.Pid}}", "held")) + "/ns/net"
		oldNS, _ := os.Readlink(old)
		holder := e.u.Command(e.bin, "unshare", "nsenter", "--net="+old, "sleep", "60")
		if err := holder.Start(); err != nil {
			t.Fatal(err)
		}
		if !testutil.WaitFor(5*time.Second, func() bool {
			ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid))
			return ns == oldNS && oldNS != ""
		}) {
			t.Fatalf("the holder never entered %s (%s)", old, oldNS)
		}
		r := e.run("restart", "-t", "0", "held")
		holder.Process.Kill()
		holder.Wait()
		if r.ExitCode != 0 {
			t.Fatalf("restart %d with the old netns held: %s", i, r)
		}
		if got := strings.TrimSpace(e.ok("inspect", "-f", "{{.State.Status}}", "held")); got != "running" {
			t.Fatalf("after restart %d with the old netns held: %q (logs: %s)", i, got, e.run("logs", "held"))
		}
	}
	e.ok("rm", "-f", "held")
	e.onlyIdle("app")
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}
