package clients_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestDocker runs dockerd 20.10 (with the containerd it starts itself) with
// a private data root, exec root, socket and pid file, no bridge and no
// iptables, and the runtime under test registered as "berth" in a private
// daemon.json (the README's snippet); containers run with --runtime berth
// and --network none. Beyond podman's scenarios, docker top, update and
// pause go through the shim to the runtime's ps, update and pause.
func TestDocker(t *testing.T) {
	requireBinaries(t, "dockerd", "docker-init")
	c := startDocker(t)
	rootfs, _ := testImages(t)
	c.must(t, "import", rootfs, imageRef)
	c.testScenarios(t)
}

func startDocker(t *testing.T) *dockerCLI {
	t.Helper()
	e := testutil.NewDaemonEnv(t, "dk")
	// dockerd 20.10 writes its identity key to /etc/docker/key.json and
	// its containerd's shims their sockets to /run/containerd/s.
	e.HostPath("/etc/docker")
	e.HostPath("/etc/docker/key.json")
	e.HostPath("/run/containerd")
	e.HostPath("/run/containerd/s")
	daemonJSON := fmt.Sprintf(`{"runtimes": {"berth": {"path": %q}}}`, runtimeBinary(t))
	if err := os.WriteFile(e.Path("daemon.json"), []byte(daemonJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := e.Path("docker.sock")
	c := &dockerCLI{
		// The docker CLI of docker.io, which matches the daemon.
		client:   &client{bin: "/usr/bin/docker", args: []string{"-H", "unix://" + sock}, env: []string{"DOCKER_CONFIG=" + e.Path("cli")}},
		runFlags: []string{"--runtime", "berth", "--network", "none"},
	}
	d := e.StartDaemon(t, "dockerd", func() bool {
		_, err := os.Stat(sock)
		return err == nil && c.command(t, "version").Run() == nil
	}, "dockerd",
		"--config-file", e.Path("daemon.json"),
		"--data-root", e.Path("data"),
		"--exec-root", e.Path("x"),
		"--pidfile", e.Path("docker.pid"),
		"-H", "unix://"+sock,
		// Nothing of the host's network may change: no bridge, no
		// iptables rules, no ip_forward or masquerading.
		"--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
		"--userland-proxy=false",
		"--exec-opt", "native.Cgroupdriver=cgroupfs",
		"--cgroup-parent", "/"+e.Cgroup,
		"--storage-driver", "overlay2")
	c.logs = append(c.logs, d.Log)
	t.Cleanup(func() {
		ids, err := c.command(t, "ps", "-aq").Output()
		if err != nil {
			t.Errorf("cleanup: docker ps: %v", err)
			return
		}
		if f := strings.Fields(string(ids)); len(f) > 0 {
			if out, err := c.command(t, append([]string{"rm", "-f"}, f...)...).CombinedOutput(); err != nil {
				t.Errorf("cleanup: docker rm -f: %v: %s", err, out)
			}
		}
	})
	return c
}
