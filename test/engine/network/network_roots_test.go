package network_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// responderPid finds the root's embedded DNS responder by its command
// line (berth-dns dns <root> <runroot>); 0 if none runs.
func (e *env) responderPid() int {
	want := []byte("berth-dns\x00dns\x00" + e.Root + "\x00" + e.Runroot + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if cmd, err := os.ReadFile(d + "/cmdline"); err == nil && bytes.Equal(cmd, want) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

// TestNetworkBrokenEndpointDoesNotBreakOthers: a container that flushed
// its own lo (so the responder cannot listen on 127.0.0.11 in it again)
// does not make later starts on its root's user networks fail once the
// responder restarts; the new containers get their DNS.
func TestNetworkBrokenEndpointDoesNotBreakOthers(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "app")
	e.Must("run", "-d", "--name", "bad", "--network", "app", "--cap-add", "NET_ADMIN", "busybox", "sleep", "600")
	e.Must("exec", "bad", "ip", "addr", "flush", "dev", "lo")
	pid := e.responderPid()
	if pid == 0 {
		t.Fatal("no responder runs for a container on a user network")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, func() bool { return e.responderPid() != pid },
		func() string { return fmt.Sprintf("responder %d still runs after SIGKILL", pid) })
	for _, name := range []string{"good1", "good2", "good3"} {
		e.Must("run", "-d", "--name", name, "--network", "app", "busybox", "sleep", "600")
	}
	if out := e.Must("exec", "good3", "nslookup", "good1"); !bytes.Contains([]byte(out), []byte(e.Inspect("good1", "{{.NetworkSettings.IPAddress}}"))) {
		t.Errorf("good3 does not resolve good1:\n%s", out)
	}
	e.Must("rm", "-f", "bad", "good1", "good2", "good3")
	e.Must("network", "rm", "app")
}

// TestNetworkPublishedPortHeld: a port a container publishes is held on
// the host while it runs: a host program cannot bind it, another root's
// container is refused with the holder named, and the port is free again
// once the container is gone.
func TestNetworkPublishedPortHeld(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	free, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
	free.Close()
	a.Must("run", "-d", "--name", "web", "-p", "127.0.0.1:"+port+":80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
	if l, err := net.Listen("tcp4", "127.0.0.1:"+port); err == nil {
		l.Close()
		t.Errorf("a host program could bind 127.0.0.1:%s, published by a container", port)
	}
	if l, err := net.Listen("tcp4", ":"+port); err == nil {
		l.Close()
		t.Errorf("a host program could bind *:%s, published on 127.0.0.1 by a container", port)
	}
	r := b.Run("run", "-d", "--name", "clash", "-p", port+":80", "busybox", "sleep", "60")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "port is already allocated") || !strings.Contains(r.Stderr, "berth of root "+a.Root) {
		t.Errorf("another root's publication of %s: exit %d, stderr %q", port, r.ExitCode, r.Stderr)
	}
	t.Logf("other root: %s", strings.TrimSpace(r.Stderr))
	if got := httpGet(t, "http://127.0.0.1:"+port+"/hostname"); strings.TrimSpace(got) != a.Inspect("web", "{{.Config.Hostname}}") {
		t.Errorf("the publishing container lost its port: %q", got)
	}
	a.Must("rm", "-f", "web")
	l, err := net.Listen("tcp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatalf("port %s still held after its container is gone: %v", port, err)
	}
	l.Close()

	// A foreground run holds its ports itself, for its whole run.
	fg := a.Cmd("run", "--rm", "-p", "127.0.0.1:"+port+":80", "busybox", "sleep", "3")
	if err := fg.Start(); err != nil {
		t.Fatal(err)
	}
	held := testutil.WaitFor(10*time.Second, func() bool {
		l, err := net.Listen("tcp4", "127.0.0.1:"+port)
		if err == nil {
			l.Close()
		}
		return err != nil
	})
	if !held {
		t.Errorf("a foreground run's port %s was never held", port)
	}
	if r := b.Run("run", "--rm", "-p", "127.0.0.1:"+port+":80", "busybox", "true"); r.ExitCode != 125 || !strings.Contains(r.Stderr, fmt.Sprintf("held by pid %d (", fg.Process.Pid)) {
		t.Errorf("another root's publication of a foreground run's port: exit %d, stderr %q", r.ExitCode, r.Stderr)
	}
	if err := fg.Wait(); err != nil {
		t.Fatalf("foreground run: %v", err)
	}
	if l, err := net.Listen("tcp4", "127.0.0.1:"+port); err != nil {
		t.Errorf("port %s still held after the foreground run: %v", port, err)
	} else {
		l.Close()
	}
}
