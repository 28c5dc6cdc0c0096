package network_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// Network tests send traffic only to 127.0.0.1 (published ports) or to
// addresses of containers on the test's own networks, and check that the
// host has no route to an internal network's address before dialling it.

// hostPort is the host port `berth port` reports for a container port.
func (e *env) hostPort(ref, private string) string {
	e.T.Helper()
	out := strings.TrimSpace(e.Must("port", ref, private))
	_, port, err := net.SplitHostPort(strings.Fields(out)[0])
	if err != nil {
		e.T.Fatalf("port %s %s: %q", ref, private, out)
	}
	return port
}

// httpGet fetches a URL from the host, retrying while the server starts.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	var body string
	var lastErr error
	testutil.Eventually(t, 5*time.Second, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			lastErr = err
			return false
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == 200 {
			body = string(b)
			return true
		}
		lastErr = fmt.Errorf("status %s, %v", resp.Status, err)
		return false
	}, func() string { return fmt.Sprintf("GET %s: %v", url, lastErr) })
	return body
}

// netState is what a root's networks hold on the host: endpoints of every
// network, veths on its bridges, DNAT elements, pinned namespaces.
type netState struct {
	endpoints int
	veths     []string
	ports     string
	netns     []string
}

func (e *env) netState(networks ...string) netState {
	e.T.Helper()
	var s netState
	for _, n := range append([]string{"bridge"}, networks...) {
		r := e.Run("network", "inspect", "-f", `{{len .Containers}} {{index .Options "com.docker.network.bridge.name"}}`, n)
		if r.ExitCode != 0 {
			continue // the default network is made on first use only
		}
		f := strings.Fields(r.Stdout)
		k, _ := strconv.Atoi(f[0])
		s.endpoints += k
		out, _ := exec.Command("ip", "-o", "link", "show", "master", f[1]).Output()
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if fs := strings.Fields(line); len(fs) > 1 {
				s.veths = append(s.veths, strings.TrimSuffix(fs[1], ":"))
			}
		}
	}
	table := e.nftTable()
	for _, m := range []string{"ports_any", "ports_ip"} {
		out, _ := exec.Command("nft", "list", "map", "ip", table, m).Output()
		if i := strings.Index(string(out), "elements"); i >= 0 {
			s.ports += string(out[i:])
		}
	}
	entries, _ := os.ReadDir(filepath.Join(e.Runroot, "netns"))
	for _, en := range entries {
		s.netns = append(s.netns, en.Name())
	}
	return s
}

func (s netState) empty() bool {
	return s.endpoints == 0 && len(s.veths) == 0 && s.ports == "" && len(s.netns) == 0
}

// nftTable is the root's nftables table (engine.Networks: "berth_" and
// the first 8 hex digits of sha256 of the root).
func (e *env) nftTable() string {
	sum := sha256.Sum256([]byte(filepath.Clean(e.Root)))
	return "berth_" + hex.EncodeToString(sum[:])[:8]
}

// settled waits for a root's networks to hold nothing: a stopped
// container's veths go with its namespace, asynchronously.
func (e *env) settled(networks ...string) netState {
	e.T.Helper()
	var s netState
	testutil.WaitFor(3*time.Second, func() bool { s = e.netState(networks...); return s.empty() })
	return s
}

func TestNetworkPublishedHTTP(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "web", "-p", "127.0.0.1::80", "--hostname", "webhost", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	port := e.hostPort("web", "80/tcp")
	if got := httpGet(t, "http://127.0.0.1:"+port+"/hostname"); got != "webhost\n" {
		t.Errorf("fetched /etc/hostname through the published port: %q", got)
	}
	ip := e.Inspect("web", "{{.NetworkSettings.IPAddress}}")
	hosts := e.Must("exec", "web", "cat", "/etc/hosts")
	if !strings.Contains(hosts, ip+"\twebhost") {
		t.Errorf("/etc/hosts has no %s webhost line:\n%s", ip, hosts)
	}
	if ps := e.Must("ps", "--format", "{{.Ports}}"); !strings.Contains(ps, "127.0.0.1:"+port+"->80/tcp") {
		t.Errorf("ps PORTS: %q", ps)
	}
	e.Must("rm", "-f", "web")
	if s := e.settled(); !s.empty() {
		t.Errorf("rm left: %+v", s)
	}
}

func TestNetworkNamesOnUserNetwork(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "app")
	e.Must("run", "-d", "--name", "web", "--network", "app", "--network-alias", "www", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	out := e.Must("run", "--rm", "--network", "app", "busybox", "sh", "-c",
		"cat /etc/resolv.conf; nslookup web; nslookup www; wget -qO- http://web/hostname; wget -qO- http://www/hostname")
	id := e.Inspect("web", "{{.ID}}")
	if !strings.Contains(out, "nameserver 127.0.0.11") || strings.Count(out, id[:12]) != 2 {
		t.Errorf("by name and alias:\n%s", out)
	}
	ip := e.Inspect("web", "{{.NetworkSettings.IPAddress}}")
	if strings.Count(out, "Address: "+ip) != 2 {
		t.Errorf("nslookup did not answer %s for web and www:\n%s", ip, out)
	}
	// The default bridge has no names, as Docker's.
	if r := e.Run("run", "--rm", "busybox", "nslookup", "web"); r.ExitCode == 0 && strings.Contains(r.Stdout, ip) {
		t.Errorf("a container on the default bridge resolved web:\n%s", r.Stdout)
	}
	// network connect: a container of the default bridge joins app and
	// becomes resolvable there; disconnect takes it out.
	e.Must("run", "-d", "--name", "late", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	e.Must("network", "connect", "--alias", "later", "app", "late")
	got := e.Must("run", "--rm", "--network", "app", "busybox", "wget", "-qO-", "http://later/hostname")
	if want := e.Inspect("late", "{{.Config.Hostname}}"); strings.TrimSpace(got) != want {
		t.Errorf("connected container by alias: %q, want %q", got, want)
	}
	if ls := e.Must("exec", "late", "ls", "/sys/class/net"); !strings.Contains(ls, "eth1") {
		t.Errorf("no second interface after connect: %q", ls)
	}
	e.Must("network", "disconnect", "app", "late")
	if r := e.Run("run", "--rm", "--network", "app", "busybox", "nslookup", "later"); r.ExitCode == 0 {
		t.Errorf("later still resolves after disconnect:\n%s", r.Stdout)
	}
	if r := e.Run("network", "rm", "app"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "active endpoints") {
		t.Errorf("network rm of a network in use: exit %d, %q", r.ExitCode, r.Stderr)
	}
	e.Must("rm", "-f", "web", "late")
	e.Must("network", "rm", "app")
	if s := e.settled(); !s.empty() {
		t.Errorf("left: %+v", s)
	}
}

func TestNetworkInternalUnreachable(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "--internal", "back")
	if r := e.Run("run", "--rm", "--network", "back", "-p", "127.0.0.1::80", "busybox", "true"); r.ExitCode != 125 {
		t.Errorf("publish on an internal network: exit %d, %q", r.ExitCode, r.Stderr)
	}
	e.Must("run", "-d", "--name", "db", "--network", "back", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	ip := e.Inspect("db", "{{.NetworkSettings.IPAddress}}")
	// Reachable inside the network...
	got := e.Must("run", "--rm", "--network", "back", "busybox", "wget", "-qO-", "http://db/hostname")
	if strings.TrimSpace(got) != e.Inspect("db", "{{.Config.Hostname}}") {
		t.Errorf("internal network, from a peer: %q", got)
	}
	// ...not from the host: it has no route (checked before any dial, so
	// no packet can leave by the default route).
	route, err := exec.Command("ip", "route", "get", ip).CombinedOutput()
	if err == nil && !strings.Contains(string(route), "unreachable") {
		t.Fatalf("the host has a route to internal address %s: %s", ip, route)
	}
	if c, err := net.DialTimeout("tcp4", ip+":80", time.Second); err == nil {
		c.Close()
		t.Errorf("the host reached %s:80 on an internal network", ip)
	}
	e.Must("rm", "-f", "db")
	e.Must("network", "rm", "back")
}

func TestNetworkUDPPublish(t *testing.T) {
	e := newEnv(t)
	root, err := testutil.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	echo := filepath.Join(t.TempDir(), "udpecho")
	build := exec.Command("go", "build", "-o", echo, "./test/engine/network/testdata/udpecho")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build udpecho: %v\n%s", err, out)
	}
	e.Must("run", "-d", "--name", "u", "-v", echo+":/udpecho:ro", "-p", "127.0.0.1::5353/udp", "busybox", "/udpecho", "5353")
	e.WaitLog("u", "listening")
	port := e.hostPort("u", "5353/udp")
	c, err := net.Dial("udp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 100)
	var got string
	for i := 0; i < 10 && got == ""; i++ {
		c.Write([]byte("ping"))
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, err := c.Read(buf); err == nil {
			got = string(buf[:n])
		}
	}
	if got != "echo: ping" {
		t.Errorf("UDP through the published port: %q", got)
	}
	e.Must("rm", "-f", "u")
}

func TestNetworkPortInUse(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	e.Must("pull", "busybox")
	e.Refused("port is already allocated", "run", "-d", "--name", "clash", "-p", "127.0.0.1:"+port+":80", "busybox", "sleep", "60")
	if s := e.settled(); !s.empty() {
		t.Errorf("a failed start left: %+v", s)
	}
	// Taken by another container: the second fails, the first keeps it.
	free, _ := net.Listen("tcp4", "127.0.0.1:0")
	fport := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
	free.Close()
	e.Must("run", "-d", "--name", "first", "-p", "127.0.0.1:"+fport+":80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	if r := e.Run("run", "--rm", "-p", "127.0.0.1:"+fport+":80", "busybox", "true"); r.ExitCode != 125 || !strings.Contains(r.Stderr, "port is already allocated") {
		t.Errorf("port of another container: exit %d, stderr %q", r.ExitCode, r.Stderr)
	}
	if got := httpGet(t, "http://127.0.0.1:"+fport+"/hostname"); strings.TrimSpace(got) != e.Inspect("first", "{{.Config.Hostname}}") {
		t.Errorf("the first container lost its port: %q", got)
	}
	e.Must("rm", "-f", "clash", "first")
	if s := e.settled(); !s.empty() {
		t.Errorf("left: %+v", s)
	}
}

func TestNetworkFiftyContainers(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "fifty")
	var ids []string
	for i := 0; i < 50; i++ {
		ids = append(ids, strings.TrimSpace(e.Must("run", "-d", "--network", "fifty", "-p", "127.0.0.1::80", "busybox", "sleep", "600")))
	}
	s := e.netState("fifty")
	if s.endpoints != 50 || len(s.veths) != 50 || strings.Count(s.ports, ":") != 50 || len(s.netns) != 50 {
		t.Errorf("50 running: %d endpoints, %d veths, %d ports, %d netns", s.endpoints, len(s.veths), strings.Count(s.ports, ":"), len(s.netns))
	}
	e.Must(append([]string{"rm", "-f"}, ids...)...)
	if s := e.settled("fifty"); !s.empty() {
		t.Errorf("after rm of 50: %+v", s)
	}
	// Leases are freed: 50 more get addresses again (the /16 is far from
	// full, so also check no address is given twice).
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		id := strings.TrimSpace(e.Must("run", "-d", "--network", "fifty", "busybox", "sleep", "600"))
		ip := e.Inspect(id, "{{.NetworkSettings.IPAddress}}")
		if seen[ip] {
			t.Errorf("address %s given twice", ip)
		}
		seen[ip] = true
		e.Must("rm", "-f", id)
	}
	e.Must("network", "rm", "fifty")
}

// TestNetworkCrashRepair kills the foreground CLI (the container's monitor)
// and then the container: nobody tore its network down; the next berth
// command that repairs does.
func TestNetworkCrashRepair(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "crash")
	cmd := e.Cmd("run", "--name", "victim", "--network", "crash", "-p", "127.0.0.1::80", "busybox", "sleep", "600")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, bufio.NewReader(stdout))
	testutil.Eventually(t, 10*time.Second, func() bool { return e.Run("inspect", "-f", "{{.State.Running}}", "victim").Stdout == "true\n" },
		func() string { return "victim never ran" })
	pid, _ := strconv.Atoi(e.Inspect("victim", "{{.State.Pid}}"))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	syscall.Kill(pid, syscall.SIGKILL)
	if s := e.netState("crash"); s.endpoints != 1 || len(s.netns) != 1 {
		t.Fatalf("before repair: %+v (want the crashed container's endpoint and netns)", s)
	}
	testutil.Eventually(t, 5*time.Second, func() bool { return e.Inspect("victim", "{{.State.Running}}") == "false" },
		func() string { return "victim still runs after SIGKILL" })
	os.Remove(filepath.Join(e.Runroot, "network-repair")) // repairs are rate-limited
	e.Must("ps", "-a")
	if s := e.settled("crash"); !s.empty() {
		t.Errorf("after repair: %+v", s)
	}
	// The container starts again with a fresh network.
	e.Must("start", "victim")
	if s := e.netState("crash"); s.endpoints != 1 {
		t.Errorf("restarted: %+v", s)
	}
	e.Must("rm", "-f", "victim")
	e.Must("network", "rm", "crash")
}

func TestNetworkModesAndEtc(t *testing.T) {
	e := newEnv(t)
	out := e.Must("run", "--rm", "--hostname", "h1", "--add-host", "db.local:10.1.2.3", "--dns", "10.9.9.9",
		"--dns-search", "example.test", "--dns-option", "ndots:2", "busybox", "sh", "-c",
		"cat /etc/hostname /etc/hosts /etc/resolv.conf; ls /sys/class/net")
	for _, want := range []string{"h1\n", "10.1.2.3\tdb.local", "nameserver 10.9.9.9", "search example.test", "options ndots:2", "eth0"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if out := e.Must("run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net"); strings.TrimSpace(out) != "lo" {
		t.Errorf("--network none: %q", out)
	}
	e.Must("run", "-d", "--name", "owner", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	out = e.Must("run", "--rm", "--network", "container:owner", "busybox", "wget", "-qO-", "http://127.0.0.1/hostname")
	if strings.TrimSpace(out) != e.Inspect("owner", "{{.Config.Hostname}}") {
		t.Errorf("--network container:owner reached %q on its loopback", out)
	}
	if r := e.Run("run", "--rm", "--network", "nosuch", "busybox", "true"); r.ExitCode != 125 || !strings.Contains(r.Stderr, "network nosuch not found") {
		t.Errorf("unknown network: exit %d, %q", r.ExitCode, r.Stderr)
	}
	if r := e.Run("run", "--rm", "--ip", "10.1.1.1", "busybox", "true"); r.ExitCode != 125 {
		t.Errorf("--ip on the default bridge: exit %d", r.ExitCode)
	}
	e.Must("rm", "-f", "owner")
}

// A refused --ip (run, create, network connect) is one line that names the
// network by name, the address and why, never a full ID, and leaves no
// container.
func TestNetworkBadIP(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "--subnet", "10.231.61.0/24", "app")
	e.Must("run", "-d", "--name", "holder", "--network", "app", "--ip", "10.231.61.7", "busybox", "sleep", "60")
	e.Must("run", "-d", "--name", "other", "busybox", "sleep", "60")
	fullID := regexp.MustCompile(`[0-9a-f]{64}`)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--rm", "--network", "app", "--ip", "10.9.9.9", "busybox", "true"}, "network app: address 10.9.9.9 is outside its subnet 10.231.61.0/24"},
		{[]string{"create", "--network", "app", "--ip", "10.231.61.1", "busybox", "true"}, "network app: address 10.231.61.1 is the network's gateway"},
		{[]string{"run", "--rm", "--network", "app", "--ip", "10.231.61.255", "busybox", "true"}, "network app: address 10.231.61.255 is the broadcast address of its subnet 10.231.61.0/24"},
		{[]string{"run", "--rm", "--network", "app", "--ip", "10.231.61.7", "busybox", "true"}, "network app: address 10.231.61.7 is already in use by container holder"},
		{[]string{"network", "connect", "--ip", "10.231.61.7", "app", "other"}, "network app: address 10.231.61.7 is already in use by container holder"},
		{[]string{"network", "connect", "--ip", "10.9.9.9", "app", "other"}, "network app: address 10.9.9.9 is outside its subnet 10.231.61.0/24"},
	} {
		r := e.Run(c.args...)
		lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
		if len(lines) == 2 && strings.HasPrefix(lines[1], "See 'berth ") {
			lines = lines[:1]
		}
		if r.ExitCode == 0 || len(lines) != 1 || !strings.Contains(r.Stderr, c.want) || fullID.MatchString(r.Stderr) {
			t.Errorf("%v: exit %d, want one line with %q and no full ID:\n%s", c.args, r.ExitCode, c.want, r.Stderr)
		}
	}
	if ps := strings.Fields(e.Must("ps", "-a", "--format", "{{.Names}}")); len(ps) != 2 {
		t.Errorf("containers after the refusals: %v, want holder and other", ps)
	}
	if got := e.Inspect("other", "{{len .NetworkSettings.Networks}}"); got != "1" {
		t.Errorf("other is on %s networks after a refused connect, want 1", got)
	}
	e.Must("rm", "-f", "holder", "other")
	e.Must("network", "rm", "app")
}
