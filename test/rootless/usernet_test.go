package rootless_test

import (
	"crypto/sha256"
	"encoding/hex"
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

// A user's networks live in one network namespace of the user's own
// (engine/netsetup/usernet.go), with one slirp4netns for their egress.

// httpdScript serves body at / from a busybox container.
func httpdScript(body string) string {
	return "echo " + body + " > /tmp/index.html && exec httpd -f -p 80 -h /tmp"
}

// httpGet fetches url from the host, waiting for it to answer 200.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	var body string
	var last error
	if !testutil.WaitFor(10*time.Second, func() bool {
		r, err := http.Get(url)
		if err != nil {
			last = err
			return false
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		body, last = string(b), fmt.Errorf("status %s", r.Status)
		return r.StatusCode == 200
	}) {
		t.Fatalf("GET %s: %v", url, last)
	}
	return body
}

// oneLine says whether an error is one line, besides the pointer to
// --help that run's errors end with (as Docker's).
func oneLine(stderr string) bool {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if n := len(lines); n == 2 && strings.HasPrefix(lines[1], "See 'berth ") {
		lines = lines[:1]
	}
	return len(lines) == 1
}

// run runs berth as the user and returns its result, failing the test
// only if berth could not be started.
func (e *env) run(args ...string) testutil.Result {
	e.t.Helper()
	r := e.berth(nil, args...)
	if r.ExitCode < 0 {
		e.t.Fatalf("as %s:\n%s", e.u.Name, r)
	}
	return r
}

// usernetDir is where the user's network namespace and its slirp4netns's
// records are.
func (e *env) usernetDir() string { return filepath.Join(e.u.Runtime, "berth", "usernet") }

// egressPID is the pid of the slirp4netns of the user's namespace, 0 if
// none runs.
func (e *env) egressPID() int {
	ns := filepath.Join(e.usernetDir(), "netns")
	for _, pid := range e.u.Processes() {
		args := cmdline(pid)
		if len(args) > 2 && strings.HasSuffix(args[0], "slirp4netns") && args[len(args)-2] == ns && !testutil.ProcessEnded(pid) {
			return pid
		}
	}
	return 0
}

func TestUserNetworkDNS(t *testing.T) {
	e := newEnv(t)
	e.ok("network", "create", "app")
	e.ok("run", "-d", "--name", "web", "--network", "app", "busybox", "sh", "-c", httpdScript("served-by-web"))
	e.ok("run", "-d", "--name", "db", "--network", "app", "busybox", "sh", "-c", httpdScript("served-by-db"))
	// The issue's own command: a third container reaches web by name.
	if out := e.ok("run", "--rm", "--network", "app", "busybox", "wget", "-qO-", "http://web/"); out != "served-by-web\n" {
		t.Fatalf("wget http://web/ from a container on app: %q", out)
	}
	// Both ways between the two, by name, and each name is its address.
	for _, c := range [][2]string{{"web", "db"}, {"db", "web"}} {
		if out := e.ok("exec", c[0], "wget", "-qO-", "http://"+c[1]+"/"); out != "served-by-"+c[1]+"\n" {
			t.Errorf("%s: wget http://%s/: %q", c[0], c[1], out)
		}
		ip := strings.TrimSpace(e.ok("inspect", "-f", "{{.NetworkSettings.Networks.app.IPAddress}}", c[1]))
		if out := e.ok("exec", c[0], "nslookup", c[1]); !strings.Contains(out, "Address: "+ip) {
			t.Errorf("%s: nslookup %s (at %s):\n%s", c[0], c[1], ip, out)
		}
		for _, to := range []string{c[1], ip} {
			if out := e.ok("exec", c[0], "ping", "-c1", "-W2", to); !strings.Contains(out, "1 packets received") {
				t.Errorf("%s: ping %s:\n%s", c[0], to, out)
			}
		}
	}
	// The root of the user's namespace is none of the host's: no bridge
	// of the network and no table of the user's root on the host.
	id := strings.TrimSpace(e.ok("network", "inspect", "-f", "{{.Id}}", "app"))
	if out, err := exec.Command("ip", "link", "show", "bt-"+id[:10]).CombinedOutput(); err == nil {
		t.Errorf("the user's bridge is on the host:\n%s", out)
	}
	sum := sha256.Sum256([]byte(filepath.Join(e.u.Home, ".local/share/berth")))
	if out, err := exec.Command("nft", "list", "table", "ip", "berth_"+hex.EncodeToString(sum[:])[:8]).CombinedOutput(); err == nil {
		t.Errorf("the user's nft table is on the host:\n%s", out)
	}
	e.ok("rm", "-f", "web", "db")
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}

// A container on a user network reaches out through the namespace's
// slirp4netns, whose 10.0.2.2 is the host's loopback: a server of the
// test's there answers it.
func TestUserNetworkEgress(t *testing.T) {
	e := newEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host-loopback %s\n", r.URL.Path)
	})}
	go srv.Serve(l)
	defer srv.Close()
	port := l.Addr().(*net.TCPAddr).Port
	e.ok("network", "create", "app")
	url := fmt.Sprintf("http://10.0.2.2:%d/from-app", port)
	if out := e.ok("run", "--rm", "--network", "app", "busybox", "wget", "-qO-", url); out != "host-loopback /from-app\n" {
		t.Fatalf("wget %s from a container on app: %q", url, out)
	}
	// A slirp4netns that died (killed by anyone) is started again for
	// the next container; the namespace is the same.
	slirp := e.egressPID()
	if slirp == 0 {
		t.Fatal("no slirp4netns runs on the user's namespace")
	}
	syscall.Kill(slirp, syscall.SIGKILL)
	testutil.WaitFor(5*time.Second, func() bool { return testutil.ProcessEnded(slirp) })
	if out := e.ok("run", "--rm", "--network", "app", "busybox", "wget", "-qO-", url); out != "host-loopback /from-app\n" {
		t.Fatalf("wget %s after slirp4netns was killed: %q", url, out)
	}
	if again := e.egressPID(); again == 0 || again == slirp {
		t.Fatalf("slirp4netns after the kill of %d: %d", slirp, again)
	}
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}

// -p 127.0.0.1:PORT:80 of a container on a user network is served to the
// host as the user's, and goes with the container.
func TestUserNetworkPublish(t *testing.T) {
	e := newEnv(t)
	e.ok("network", "create", "app")
	port := freePort(t)
	e.ok("run", "-d", "--name", "web", "--network", "app", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "busybox",
		"sh", "-c", httpdScript("published-from-app"))
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if body := httpGet(t, url); body != "published-from-app\n" {
		t.Fatalf("GET %s: %q", url, body)
	}
	if got := strings.TrimSpace(e.ok("port", "web", "80")); got != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("port web 80: %q", got)
	}
	// A picked port, and a taken one refused in one line.
	e.ok("run", "-d", "--name", "web2", "--network", "app", "-p", "127.0.0.1::80", "busybox", "sh", "-c", httpdScript("picked"))
	addr := strings.TrimSpace(e.ok("port", "web2", "80"))
	if body := httpGet(t, "http://"+addr+"/"); body != "picked\n" {
		t.Fatalf("GET %s: %q", addr, body)
	}
	r := e.run("run", "-d", "--name", "web3", "--network", "app", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "busybox", "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "address already in use") || !oneLine(r.Stderr) {
		t.Errorf("a taken port: want one line saying so:\n%s", r)
	}
	e.ok("rm", "-f", "web", "web2", "web3")
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		c.Close()
		t.Errorf("127.0.0.1:%d still accepts after rm -f", port)
	}
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}

// Two users' networks never meet: both make "app" on one subnet, and
// neither resolves nor reaches the other's containers.
func TestUserNetworkIsolation(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	const subnet = "10.231.77.0/24"
	a.ok("network", "create", "--subnet", subnet, "app")
	b.ok("network", "create", "--subnet", subnet, "app")
	a.ok("run", "-d", "--name", "web", "--network", "app", "busybox", "sh", "-c", httpdScript("a-web"))
	ip := strings.TrimSpace(a.ok("inspect", "-f", "{{.NetworkSettings.Networks.app.IPAddress}}", "web"))
	if out := a.ok("run", "--rm", "--network", "app", "busybox", "wget", "-qO-", "http://"+ip+"/"); out != "a-web\n" {
		t.Fatalf("a's own container at %s: %q", ip, out)
	}
	if names := b.ok("ps", "-a", "--format", "{{.Names}}"); names != "" {
		t.Errorf("b sees containers: %q", names)
	}
	a.ok("network", "create", "aonly")
	if out := b.ok("network", "ls", "--format", "{{.Name}}"); strings.Contains(out, "aonly") {
		t.Errorf("b lists a's network aonly: %q", out)
	}
	if r := b.run("network", "inspect", "aonly"); r.ExitCode == 0 {
		t.Errorf("b inspects a's network aonly:\n%s", r)
	}
	if r := b.run("run", "--rm", "--network", "aonly", "busybox", "true"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "network aonly not found") {
		t.Errorf("b runs on a's network aonly:\n%s", r)
	}
	a.ok("network", "rm", "aonly")
	aID := strings.TrimSpace(a.ok("network", "inspect", "-f", "{{.Id}}", "app"))
	if bID := strings.TrimSpace(b.ok("network", "inspect", "-f", "{{.Id}}", "app")); bID == aID {
		t.Fatalf("both users' app is network %s", aID)
	}
	// b's container takes an address a's web does not have: a's is free
	// on b's network, so nothing of b's answers there either.
	script := "! nslookup web && ! wget -T 2 -qO- http://" + ip + "/"
	if r := b.run("run", "--rm", "--network", "app", "--ip", "10.231.77.9", "busybox", "sh", "-c", script); r.ExitCode != 0 || strings.Contains(r.Stdout, "a-web") {
		t.Errorf("b reached a's web (%s):\n%s", ip, r)
	}
	a.ok("rm", "-f", "web")
	a.ok("network", "rm", "app")
	a.noUserNetLeft()
	// b's namespace did not go with a's.
	if b.egressPID() == 0 {
		t.Errorf("b's slirp4netns went with a's network")
	}
	b.ok("network", "prune", "-f")
	b.noUserNetLeft()
}

// The default rootless network (no --network) is as before user networks:
// each container's own slirp4netns, its address, resolver and published
// port, and it makes no user namespace; a user network beside it changes
// none of that.
func TestUserNetworkDefaultUnchanged(t *testing.T) {
	e := newEnv(t)
	check := func(when string) {
		t.Helper()
		out := e.ok("run", "--rm", "busybox", "sh", "-c", "ip -o addr show; cat /etc/resolv.conf")
		for _, want := range []string{"tap0", "inet 10.0.2.100/24", "nameserver 10.0.2.3"} {
			if !strings.Contains(out, want) {
				t.Errorf("default network %s: no %q:\n%s", when, want, out)
			}
		}
		if strings.Contains(out, "eth0") {
			t.Errorf("default network %s: a bridge's eth0:\n%s", when, out)
		}
	}
	check("with no user network")
	if _, err := os.Lstat(e.usernetDir()); err == nil {
		t.Errorf("a run on the default network made the user's namespace")
	}
	e.ok("network", "create", "app")
	check("beside network app")
	port := freePort(t)
	id := strings.TrimSpace(e.ok("run", "-d", "--name", "web", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "busybox",
		"sh", "-c", httpdScript("default-beside-app")))
	if body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); body != "default-beside-app\n" {
		t.Errorf("GET 127.0.0.1:%d: %q", port, body)
	}
	if own := e.helper(id, "slirp4netns"); own == e.egressPID() {
		t.Errorf("the default-network container's slirp4netns %d is the user namespace's", own)
	}
	e.ok("rm", "-f", "web")
	e.ok("network", "rm", "app")
	e.noUserNetLeft()
}
