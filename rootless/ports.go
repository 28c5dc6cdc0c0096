package rootless

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/rootless/portfwd"
)

// A rootless container's published ports live beside its helpers' pid
// files, host ports picked: root's port records (network's endpoint
// store) are not the user's to write, and `berth port`, ps and inspect
// need the host ports picked for `-p 80`.
func portsFile(runroot, id string) string { return filepath.Join(netDir(runroot), id+".ports") }

// listen binds every published port on the host, in this process's (the
// host's) network namespace, as the user: a port given as 0 (-p 80, -P)
// gets the kernel's pick, a range its first free port. It returns the
// sockets and the ports as bound; on error the sockets bound so far are
// returned too, for the caller to close.
func listen(ports []Port) ([]portfwd.Listener, []Port, error) {
	var ls []portfwd.Listener
	out := make([]Port, 0, len(ports))
	for _, p := range ports {
		end := max(p.HostPortEnd, p.HostPort)
		var f *os.File
		var port uint16
		var err error
		for hp := int(p.HostPort); hp <= int(end); hp++ {
			if f, port, err = bind(p.Proto, p.HostIP, uint16(hp)); err == nil {
				break
			}
		}
		if err != nil {
			return ls, nil, fmt.Errorf("rootless berth: publish %s: %w", portString(p), err)
		}
		ls = append(ls, portfwd.Listener{File: f, Proto: p.Proto, ContainerPort: p.ContainerPort})
		p.HostPort, p.HostPortEnd = port, 0
		out = append(out, p)
	}
	return ls, out, nil
}

func portString(p Port) string {
	host := ""
	if p.HostIP.IsValid() {
		host = p.HostIP.String()
	}
	hp := strconv.Itoa(int(p.HostPort))
	if p.HostPortEnd > p.HostPort {
		hp += "-" + strconv.Itoa(int(p.HostPortEnd))
	}
	return fmt.Sprintf("%s:%s:%d/%s", host, hp, p.ContainerPort, p.Proto)
}

// bind returns the socket's file (a dup, for the forwarder) and its port.
func bind(proto string, ip netip.Addr, port uint16) (*os.File, uint16, error) {
	host := ""
	if ip.IsValid() {
		host = ip.String()
	}
	addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, 0, err
		}
		defer c.Close()
		f, err := c.(*net.UDPConn).File()
		return f, uint16(c.LocalAddr().(*net.UDPAddr).Port), err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	defer l.Close()
	f, err := l.(*net.TCPListener).File()
	return f, uint16(l.Addr().(*net.TCPAddr).Port), err
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
// network is gone.
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
