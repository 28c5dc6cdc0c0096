package daemons

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// StartBerth starts `berth system service --time 0` over a root and
// runroot in dir.
func StartBerth(berth, dir string) (*Daemon, error) {
	d := &Daemon{Name: "berth", Dir: dir, Sock: filepath.Join(dir, "berth.sock")}
	return d, d.start(nil, berth, append(BerthRoots(dir), "system", "service", "--time", "0", "unix://"+d.Sock)...)
}

// BerthRoots are the --root and --runroot flags of the berth under dir.
func BerthRoots(dir string) []string {
	return []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run")}
}

// StartDockerd starts a private dockerd (docker.io 20.10 with the
// containerd it starts under its exec root) as test/compat does: its own
// data root, exec root, pid file and socket, no bridge, no iptables rules,
// no ip_forward; its containers under a cgroup parent of its own.
func StartDockerd(dir string) (*Daemon, error) {
	for _, b := range []string{"dockerd", "containerd", "runc", DockerCLI} {
		if _, err := exec.LookPath(b); err != nil {
			return nil, fmt.Errorf("%s is not installed (hack/install-deps.sh installs docker.io): %w", b, err)
		}
	}
	cg := "berthbench-dockerd-" + randHex()
	d := &Daemon{Name: "dockerd", Dir: dir, Sock: filepath.Join(dir, "docker.sock"), cgroups: []string{cg},
		// dockerd 20.10 writes its identity key to /etc/docker/key.json
		// and its containerd's shims their sockets to /run/containerd/s.
		hostPaths: []string{"/etc/docker", "/etc/docker/key.json", "/run/containerd", "/run/containerd/s"}}
	return d, d.start(nil, "dockerd",
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "x"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"-H", "unix://"+d.Sock,
		"--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
		"--userland-proxy=false",
		"--exec-opt", "native.cgroupdriver=cgroupfs",
		"--cgroup-parent", "/"+cg,
		"--storage-driver", "overlay2")
}

// StartPodman starts `podman system service --time 0` with a root,
// runroot, tmpdir and network config dir of its own (the host's podman
// storage is untouched), runc and cgroupfs (crun refuses this hybrid
// cgroup host), and file events.
func StartPodman(dir string) (*Daemon, error) {
	for _, b := range []string{"podman", "conmon", "runc", DockerCLI} {
		if _, err := exec.LookPath(b); err != nil {
			return nil, fmt.Errorf("%s is not installed (hack/install-deps.sh installs podman): %w", b, err)
		}
	}
	d := &Daemon{Name: "podman", Dir: dir, Sock: filepath.Join(dir, "podman.sock"),
		cgroups: []string{"libpod_parent"},
		// podman keeps its blob info cache here whatever its --root.
		hostPaths: []string{"/var/lib/containers", "/var/lib/containers/cache", "/var/lib/containers/cache/blob-info-cache-v1.boltdb"}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// podman's default rlimits for a container are above this sandbox's
	// hard limits (no CAP_SYS_RESOURCE); lower ones do not change its timing.
	conf := filepath.Join(dir, "containers.conf")
	if err := writeFile(conf, "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"); err != nil {
		return nil, err
	}
	env := []string{"CONTAINERS_CONF=" + conf}
	d.after = func() error {
		c := exec.Command("podman", append(PodmanFlags(dir), "system", "reset", "-f")...)
		c.Env = append(os.Environ(), env...)
		if out, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("podman system reset: %w: %s", err, out)
		}
		return nil
	}
	return d, d.start(env, "podman", append(PodmanFlags(dir), "system", "service", "--time", "0", "unix://"+d.Sock)...)
}

// PodmanFlags are the global flags of the podman under dir.
func PodmanFlags(dir string) []string {
	return []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--tmpdir", filepath.Join(dir, "tmp"), "--network-config-dir", filepath.Join(dir, "net"),
		"--cgroup-manager", "cgroupfs", "--runtime", "runc", "--storage-driver", "overlay",
		"--events-backend", "file"}
}

func randHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeFile writes a small config file of the benchmark's own.
func writeFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
