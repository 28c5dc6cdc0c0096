package rootless_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// The default rootless network is pasta's: the container has the host's
// address, and a published port on 127.0.0.1 is served from the container.
func TestPastaPublish(t *testing.T) {
	e := newEnv(t)
	addrs := e.ok("run", "--rm", "busybox", "ip", "-o", "addr")
	if !strings.Contains(addrs, "eth0") && !strings.Contains(addrs, "scope global") {
		t.Fatalf("default network: no global address in the container:\n%s", addrs)
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
	// pasta quits with the namespace, and leaves no record.
	left, _ := filepath.Glob(filepath.Join(e.u.Runtime, "berth", "pasta", "*"))
	if len(left) > 0 {
		t.Fatalf("pasta records left after rm: %v", left)
	}
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
func TestPastaPickedPort(t *testing.T) {
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
