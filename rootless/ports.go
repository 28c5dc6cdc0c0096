package rootless

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// A rootless container's published ports live beside its pasta's pid
// file, as pasta was told them: root's port records (network's endpoint
// store) are not the user's to write, and `berth port`, ps and inspect
// need the host ports picked for `-p 80`.
func portsFile(runroot, id string) string { return filepath.Join(runroot, "pasta", id+".ports") }

// pickHostPorts gives each port published without a host port (-p 80 or
// -P) a free one, as the kernel's ephemeral pick on its host address. The
// port is free when picked; pasta binds it right after.
func pickHostPorts(ports []Port) ([]Port, error) {
	out := make([]Port, 0, len(ports))
	for _, p := range ports {
		if p.HostPort == 0 {
			port, err := freePort(p.Proto, p.HostIP)
			if err != nil {
				return nil, fmt.Errorf("rootless berth: publish %d/%s: pick a free host port: %w", p.ContainerPort, p.Proto, err)
			}
			p.HostPort, p.HostPortEnd = port, 0
		}
		out = append(out, p)
	}
	return out, nil
}

func freePort(proto string, ip netip.Addr) (uint16, error) {
	host := ""
	if ip.IsValid() {
		host = ip.String()
	}
	addr := net.JoinHostPort(host, "0")
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}

func writePorts(runroot, id string, ports []Port) error {
	data, err := json.Marshal(ports)
	if err != nil {
		return fmt.Errorf("rootless berth: record the ports of %s: %w", id, err)
	}
	if err := atomicfile.WriteFile(portsFile(runroot, id), data, 0o600); err != nil {
		return fmt.Errorf("rootless berth: record the ports of %s: %w", id, err)
	}
	return nil
}

// PublishedPorts is what a running rootless container publishes, host
// ports picked; none for a container that publishes nothing or whose
// pasta is gone.
func PublishedPorts(runroot, id string) ([]Port, error) {
	data, err := os.ReadFile(portsFile(runroot, id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rootless berth: read the ports of %s: %w", id, err)
	}
	var ports []Port
	if err := json.Unmarshal(data, &ports); err != nil {
		return nil, fmt.Errorf("rootless berth: read the ports of %s: %s: %w", id, portsFile(runroot, id), err)
	}
	return ports, nil
}
