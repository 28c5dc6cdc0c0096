package rootless_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// freePort is a loopback TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The default rootless network is slirp4netns's: the container has its
// address and resolver (in the /etc/resolv.conf berth writes; the host
// resolver behind it may know no name, but slirp answers), and a
// published port on 127.0.0.1 is served from the container.
func TestSlirpPublish(t *testing.T) {
	e := newEnv(t)
	addrs := e.ok("run", "--rm", "busybox", "sh", "-c", "ip -o addr show tap0; cat /etc/resolv.conf; nslookup localhost; true")
	for _, want := range []string{"inet 10.0.2.100/24", "nameserver 10.0.2.3", "Server:\t\t10.0.2.3"} {
		if !strings.Contains(addrs, want) {
			t.Fatalf("default network: no %q in the container:\n%s", want, addrs)
		}
	}
	port := freePort(t)
	e.ok("run", "-d", "--name", "web", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "busybox",
		"sh", "-c", "echo served-by-$(hostname) > /tmp/index.html && exec httpd -f -p 80 -h /tmp")
	var body string
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	testutil.WaitFor(10*time.Second, func() bool {
		r, err := http.Get(url)
		if err != nil {
			return false
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return r.StatusCode == 200
	})
	if !strings.HasPrefix(body, "served-by-") {
		t.Fatalf("GET %s: %q", url, body)
	}
	e.ok("rm", "-f", "web")
	e.noNetworkLeft("web")
	if !testutil.WaitFor(5*time.Second, func() bool {
		r, err := http.Get(url)
		if err == nil {
			r.Body.Close()
		}
		return err != nil
	}) {
		t.Fatalf("%s still answers after rm -f", url)
	}
}

// -p 127.0.0.1::80 gets a host port picked by berth; port, ps and
// inspect all show it, and it serves; stopping the container forgets it.
func TestPickedPort(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "-d", "--name", "web", "-p", "127.0.0.1::80", "busybox",
		"sh", "-c", "echo picked > /tmp/index.html && exec httpd -f -p 80 -h /tmp")
	addr := strings.TrimSpace(e.ok("port", "web", "80"))
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("port web 80: %q, want 127.0.0.1:PORT", addr)
	}
	if ps := strings.TrimSpace(e.ok("ps", "--format", "{{.Ports}}")); ps != addr+"->80/tcp" {
		t.Fatalf("ps PORTS %q, want %s->80/tcp", ps, addr)
	}
	if got := strings.TrimSpace(e.ok("inspect", "-f", "{{json .NetworkSettings.Ports}}", "web")); got != `{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"`+port+`"}]}` {
		t.Fatalf("inspect NetworkSettings.Ports: %s", got)
	}
	var body string
	testutil.WaitFor(10*time.Second, func() bool {
		r, err := http.Get("http://" + addr + "/index.html")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return r.StatusCode == 200
	})
	if body != "picked\n" {
		t.Fatalf("GET %s: %q", addr, body)
	}
	e.ok("stop", "-t", "1", "web")
	if out := strings.TrimSpace(e.ok("inspect", "-f", "{{json .NetworkSettings.Ports}}", "web")); out != "{}" {
		t.Fatalf("a stopped container's ports: %s, want {}", out)
	}
	e.ok("rm", "web")
}

func TestPrivilegedPortRefused(t *testing.T) {
	e := newEnv(t)
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil || strings.TrimSpace(string(b)) == "0" {
		t.Fatalf("this test needs a privileged port range (ip_unprivileged_port_start %q, %v)", b, err)
	}
	r := e.berth(nil, "run", "--rm", "-p", "127.0.0.1:80:80", "busybox", "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "ip_unprivileged_port_start") {
		t.Fatalf("-p 80 as a user:\n%s", r)
	}
	if ps := e.ok("ps", "-aq"); ps != "" {
		t.Fatalf("the refused run left a container: %q", ps)
	}
}

// noNetworkLeft checks that container name's helpers and records are gone.
func (e *env) noNetworkLeft(name string) {
	e.t.Helper()
	left, _ := filepath.Glob(filepath.Join(e.u.Runtime, "berth", "net", "*"))
	if len(left) > 0 {
		e.t.Fatalf("network records of %s left after rm: %v", name, left)
	}
	for _, pid := range e.u.Processes() {
		if args := cmdline(pid); len(args) > 0 && (args[0] == "berth-portfwd" || strings.HasSuffix(args[0], "slirp4netns")) && !testutil.ProcessEnded(pid) {
			e.t.Fatalf("network helper %d %q left after rm of %s", pid, args, name)
		}
	}
}

func cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// helper is the pid of the process of container id whose argv[0] is name
// (berth-monitor, berth-portfwd) or that runs on id's namespace
// (slirp4netns).
func (e *env) helper(id, name string) int {
	e.t.Helper()
	for _, pid := range e.u.Processes() {
		args := cmdline(pid)
		if len(args) > 0 && strings.HasSuffix(args[0], name) && strings.Contains(strings.Join(args, " "), id) && !testutil.ProcessEnded(pid) {
			return pid
		}
	}
	e.t.Fatalf("no %s process of container %s", name, id)
	return 0
}

// A published UDP port answers through the forwarder's flow for the
// sender (busybox has no UDP server: test/engine/network's udpecho).
func TestPublishUDP(t *testing.T) {
	e := newEnv(t)
	echo := filepath.Join(e.u.Dir, "udpecho")
	root, err := testutil.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", echo, "./test/engine/network/testdata/udpecho")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build udpecho: %v\n%s", err, out)
	}
	e.ok("run", "-d", "--name", "u", "-v", echo+":/udpecho:ro", "-p", "127.0.0.1::5353/udp", "busybox", "/udpecho", "5353")
	addr := strings.TrimSpace(e.ok("port", "u", "5353/udp"))
	for _, from := range []string{"a", "b"} { // two senders: two flows
		c, err := net.Dial("udp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, 100)
		var got string
		for i := 0; i < 20 && got == ""; i++ {
			c.Write([]byte("ping-" + from))
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if n, err := c.Read(buf); err == nil {
				got = string(buf[:n])
			}
		}
		if got != "echo: ping-"+from {
			t.Errorf("UDP from %s through %s: %q", from, addr, got)
		}
	}
	e.ok("rm", "-f", "u")
	e.noNetworkLeft("u")
}

// A killed monitor and forwarder leave nothing once the container is
// removed; slirp4netns ends with the forwarder (it holds slirp's exit fd).
func TestHelpersKilled(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.ok("run", "-d", "--name", "web", "-p", "127.0.0.1::80", "busybox",
		"sh", "-c", "echo up > /tmp/index.html && exec httpd -f -p 80 -h /tmp"))
	addr := strings.TrimSpace(e.ok("port", "web", "80"))
	mon, fwd, slirp := e.helper(id, "berth-monitor"), e.helper(id, "berth-portfwd"), e.helper(id, "slirp4netns")
	for _, pid := range []int{mon, fwd} {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	if !testutil.WaitFor(10*time.Second, func() bool { return testutil.ProcessEnded(slirp) }) {
		t.Errorf("slirp4netns %d outlived its forwarder", slirp)
	}
	e.ok("rm", "-f", "web")
	e.noNetworkLeft("web")
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts after rm -f", addr)
	}
}
