package testutil

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// DockerCLI is the CLI of Debian's docker.io, which matches its dockerd
// (a newer CLI on $PATH would print its own wording).
const DockerCLI = "/usr/bin/docker"

// Dockerd is a private dockerd (Debian's docker.io 20.10, with the
// containerd it starts itself under its exec root), for tests that set
// Docker's behaviour beside berth's.
type Dockerd struct {
	Env  *DaemonEnv
	Sock string // its API socket
	Data string // its --data-root
	// BridgePrefix is the /24 of its default network, as "10.213.7.".
	BridgePrefix string
}

// Host is DOCKER_HOST for the daemon.
func (d *Dockerd) Host() string { return "unix://" + d.Sock }

// CLIEnv is the environment for DockerCLI on the daemon: its host and a
// client config dir of its own.
func (d *Dockerd) CLIEnv() []string {
	return []string{"DOCKER_HOST=" + d.Host(), "DOCKER_CONFIG=" + d.Env.Path("cli")}
}

// StartDockerd starts a dockerd on a bridge of the test's own; the test's
// end stops it. Nothing of the host changes: its own data root, exec
// root, pid file and socket; no iptables rules, no ip_forward, no
// masquerading; the system's docker service, if any, is never used.
func StartDockerd(t *testing.T) *Dockerd {
	t.Helper()
	for _, b := range []string{"dockerd", "containerd", "runc", DockerCLI} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s is not installed (hack/install-deps.sh installs docker.io): %v", b, err)
		}
	}
	e := NewDaemonEnv(t, "dkd")
	// dockerd 20.10 writes its identity key to /etc/docker/key.json and
	// its containerd's shims their sockets to /run/containerd/s.
	for _, p := range []string{"/etc/docker", "/etc/docker/key.json", "/run/containerd", "/run/containerd/s"} {
		e.HostPath(p)
	}
	bridge, prefix := makeBridge(t)
	d := &Dockerd{Env: e, Sock: e.Path("docker.sock"), Data: e.Path("data"), BridgePrefix: prefix}
	e.StartDaemon(t, "dockerd", func() bool {
		_, err := os.Stat(d.Sock)
		return err == nil && exec.Command(DockerCLI, "-H", d.Host(), "version").Run() == nil
	}, "dockerd",
		"--data-root", d.Data,
		"--exec-root", e.Path("x"),
		"--pidfile", e.Path("docker.pid"),
		"-H", d.Host(),
		"--bridge", bridge,
		"--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
		"--userland-proxy=false",
		"--exec-opt", "native.cgroupdriver=cgroupfs",
		"--cgroup-parent", "/"+e.Cgroup,
		"--storage-driver", "overlay2")
	return d
}

// makeBridge creates the Linux bridge that dockerd's default network
// uses, on a /24 of 10.213.0.0/16 that no host route covers, and removes
// it when the test ends. dockerd's own --bip would name it docker0.
func makeBridge(t *testing.T) (name, prefix string) {
	t.Helper()
	id := NewID(t)
	name = "cmp" + id[len(id)-8:]
	for i := 0; i < 20; i++ {
		n := 2 + rand.IntN(250)
		prefix = fmt.Sprintf("10.213.%d.", n)
		if Routed(prefix + "1") {
			continue
		}
		for _, args := range [][]string{
			{"link", "add", name, "type", "bridge"},
			{"addr", "add", prefix + "1/24", "dev", name},
			{"link", "set", name, "up"},
		} {
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
			}
			if args[0] == "link" && args[1] == "add" {
				t.Cleanup(func() { _ = exec.Command("ip", "link", "del", name).Run() })
			}
		}
		return name, prefix
	}
	t.Fatal("no free /24 in 10.213.0.0/16 for dockerd's bridge")
	return "", ""
}

// Routed reports whether a host interface already has an address in
// ip's /24.
func Routed(ip string) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true
	}
	target := net.ParseIP(ip)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if o, _ := n.Mask.Size(); o <= 24 && n.Contains(target) {
				return true
			}
			if n.IP.To4() != nil && n.IP.Mask(net.CIDRMask(24, 32)).Equal(target.Mask(net.CIDRMask(24, 32))) {
				return true
			}
		}
	}
	return false
}
