package rootless

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A rootless container's default network is pasta's (Debian's passt),
// not slirp4netns's, though Debian has both:
//   - pasta publishes ports itself (-t/-u), binding them on the host and
//     splicing each connection into the namespace; slirp4netns needs a
//     second helper for ports (rootlesskit's port driver, or requests over
//     its API socket) and copies every byte through libslirp's user-space
//     TCP, so pasta costs one process a container and forwards at close to
//     loopback speed (the bench: throughput >= podman's, helpers'
//     memory <= half).
//   - pasta quits by itself when the namespace file it was given goes
//     (inotify), so a container's network is torn down with its netns pin
//     even if berth is killed half way.
//   - it copies the host's addresses and routes into the namespace
//     (--config-net), so the container sees the host's network, as
//     podman 5 does with pasta as its default.
// Either needs /dev/net/tun open to users (mode 0666, udev's default).

// Port is one published port: HostIP empty is every host address.
type Port struct {
	HostIP                netip.Addr
	HostPort, HostPortEnd uint16
	ContainerPort         uint16
	Proto                 string
}

// pastaSpec renders ports of one protocol as pasta's -t/-u argument.
func pastaSpec(ports []Port, proto string) (string, error) {
	var specs []string
	for _, p := range ports {
		if p.Proto != proto {
			continue
		}
		s := strconv.Itoa(int(p.HostPort))
		if p.HostPortEnd > p.HostPort {
			s += "-" + strconv.Itoa(int(p.HostPortEnd))
		}
		if p.HostIP.IsValid() {
			s = p.HostIP.String() + "/" + s
		}
		c := strconv.Itoa(int(p.ContainerPort))
		if p.HostPortEnd > p.HostPort {
			c += "-" + strconv.Itoa(int(p.ContainerPort)+int(p.HostPortEnd-p.HostPort))
		}
		specs = append(specs, s+":"+c)
	}
	if len(specs) == 0 {
		return "none", nil
	}
	return strings.Join(specs, ","), nil
}

// checkPorts refuses a host port the user could not bind outside berth.
func checkPorts(ports []Port) error {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		return nil // an old kernel: pasta's bind fails with its own error
	}
	start, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for _, p := range ports {
		if p.HostPort != 0 && int(p.HostPort) < start {
			return fmt.Errorf("rootless berth: host port %d is below net.ipv4.ip_unprivileged_port_start (%d): publish a port >= %d, or have root lower the sysctl", p.HostPort, start, start)
		}
	}
	return nil
}

func pastaPIDFile(runroot, id string) string { return filepath.Join(runroot, "pasta", id+".pid") }

// StartPasta connects the network namespace pinned at nsPath to the host
// through pasta, publishing ports. It returns once pasta is ready (pasta
// forks into the background after its set-up).
func StartPasta(runroot, id, nsPath string, ports []Port) error {
	bin, err := exec.LookPath("pasta")
	if err != nil {
		return errors.New("rootless berth: pasta is missing: install the passt package (apt-get install passt), or run with --network none or host")
	}
	if f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0); err != nil {
		return fmt.Errorf("rootless berth: pasta needs /dev/net/tun open to users (chmod 0666 /dev/net/tun, udev's default), or run with --network none or host: %w", err)
	} else {
		f.Close()
	}
	if err := checkPorts(ports); err != nil {
		return err
	}
	ports, err = pickHostPorts(ports)
	if err != nil {
		return err
	}
	tcp, err := pastaSpec(ports, "tcp")
	if err != nil {
		return err
	}
	udp, err := pastaSpec(ports, "udp")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(pastaPIDFile(runroot, id)), 0o700); err != nil {
		return fmt.Errorf("rootless berth: %w", err)
	}
	// No forwarding from the container to the host's own ports (-T, -U)
	// and the gateway not mapped to the host's loopback: the container
	// reaches the host as any other machine would.
	args := []string{"--config-net", "--quiet", "-t", tcp, "-u", udp, "-T", "none", "-U", "none",
		"--no-map-gw", "-P", pastaPIDFile(runroot, id), "--netns", nsPath}
	if err := writePorts(runroot, id, ports); err != nil {
		return err
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		err = fmt.Errorf("rootless berth: pasta %s: %w: %s", strings.Join(args, " "), err, pastaOutput(out))
		if rerr := os.Remove(portsFile(runroot, id)); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rootless berth: %w", rerr))
		}
		return err
	}
	return nil
}

// pastaOutput drops the complaints of a pasta that finds no syslog.
func pastaOutput(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		if !strings.HasPrefix(l, "Failed to send") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "; ")
}

// StopPasta ends a container's pasta, if it still runs. Unpinning the
// namespace ends it too; this is for a pin that another process holds.
func StopPasta(runroot, id string) error {
	path := pastaPIDFile(runroot, id)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.Remove(portsFile(runroot, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("rootless berth: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("rootless berth: %w", err)
	}
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
		if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); strings.TrimSpace(string(comm)) == "pasta" {
			_ = syscall.Kill(pid, syscall.SIGTERM) // gone already is fine
		}
	}
	for _, f := range []string{path, portsFile(runroot, id)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("rootless berth: %w", err)
		}
	}
	return nil
}
