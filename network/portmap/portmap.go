// Package portmap parses Docker's -p/--publish syntax into port mappings and
// picks concrete host ports for them. It knows nothing of the firewall: the
// network package turns mappings into DNAT map elements.
//
// Accepted forms (each optionally suffixed /tcp or /udp; tcp is the default):
//
//	80                        container port 80 on a free host port, all addresses
//	8080:80                   host port 8080 -> container port 80
//	127.0.0.1:8080:80         only on 127.0.0.1
//	127.0.0.1::80             127.0.0.1, a free host port
//	8000-8002:80-82           a range, one to one
//	8000-8010:80              the first free host port in 8000-8010
package portmap

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Mapping publishes one container port on the host.
type Mapping struct {
	HostIP        netip.Addr `json:"hostIP,omitzero"` // zero: every host address
	HostPort      uint16     `json:"hostPort"`        // 0: pick a free one
	HostPortEnd   uint16     `json:"hostPortEnd,omitempty"`
	ContainerPort uint16     `json:"containerPort"`
	Protocol      string     `json:"protocol"` // "tcp" or "udp"
}

// String formats m as Docker's `port` command does: 80/tcp -> 0.0.0.0:8080.
func (m Mapping) String() string {
	ip := "0.0.0.0"
	if m.HostIP.IsValid() {
		ip = m.HostIP.String()
	}
	return fmt.Sprintf("%d/%s -> %s", m.ContainerPort, m.Protocol, net.JoinHostPort(ip, strconv.Itoa(int(m.HostPort))))
}

// Overlaps reports whether m and o claim the same host socket: same protocol
// and port, and the same address or either on every address.
func (m Mapping) Overlaps(o Mapping) bool {
	return m.Protocol == o.Protocol && m.HostPort == o.HostPort &&
		(!m.HostIP.IsValid() || !o.HostIP.IsValid() || m.HostIP == o.HostIP)
}

// Parse reads one --publish value.
func Parse(spec string) ([]Mapping, error) {
	rest, proto := spec, "tcp"
	if i := strings.LastIndexByte(spec, '/'); i >= 0 {
		rest, proto = spec[:i], strings.ToLower(spec[i+1:])
	}
	if proto != "tcp" && proto != "udp" {
		return nil, fmt.Errorf("publish %q: protocol %q is not tcp or udp", spec, proto)
	}
	var ipPart, hostPart, ctrPart string
	if strings.HasPrefix(rest, "[") {
		return nil, fmt.Errorf("publish %q: IPv6 host addresses are not supported yet", spec)
	}
	switch parts := strings.Split(rest, ":"); len(parts) {
	case 1:
		ctrPart = parts[0]
	case 2:
		hostPart, ctrPart = parts[0], parts[1]
	case 3:
		ipPart, hostPart, ctrPart = parts[0], parts[1], parts[2]
	default:
		return nil, fmt.Errorf("publish %q: want [[ip:][hostPort]:]containerPort[/proto]", spec)
	}
	var hostIP netip.Addr
	if ipPart != "" {
		a, err := netip.ParseAddr(ipPart)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("publish %q: host address %q is not an IPv4 address", spec, ipPart)
		}
		if !a.IsUnspecified() {
			hostIP = a
		}
	}
	cLo, cHi, err := parseRange(ctrPart)
	if err != nil {
		return nil, fmt.Errorf("publish %q: container port: %w", spec, err)
	}
	var hLo, hHi uint16
	if hostPart != "" {
		if hLo, hHi, err = parseRange(hostPart); err != nil {
			return nil, fmt.Errorf("publish %q: host port: %w", spec, err)
		}
	}
	var out []Mapping
	switch {
	case hostPart == "":
		for p := int(cLo); p <= int(cHi); p++ {
			out = append(out, Mapping{HostIP: hostIP, ContainerPort: uint16(p), Protocol: proto})
		}
	case cLo == cHi && hHi > hLo:
		out = append(out, Mapping{HostIP: hostIP, HostPort: hLo, HostPortEnd: hHi, ContainerPort: cLo, Protocol: proto})
	case hHi-hLo != cHi-cLo:
		return nil, fmt.Errorf("publish %q: host range %d-%d and container range %d-%d differ in length", spec, hLo, hHi, cLo, cHi)
	default:
		for i := 0; i <= int(cHi-cLo); i++ {
			out = append(out, Mapping{HostIP: hostIP, HostPort: hLo + uint16(i), ContainerPort: cLo + uint16(i), Protocol: proto})
		}
	}
	return out, nil
}

func parseRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = parsePort(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = parsePort(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %q ends before it starts", s)
	}
	return lo, hi, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return uint16(n), nil
}

// ErrPortInUse is wrapped by Reserve's error for a host port already taken.
var ErrPortInUse = errors.New("port is already allocated")

// Reserve gives every mapping a concrete host port, checking that no mapping
// of taken (other containers' published ports) and no socket of the host
// already holds it. A fixed port that is taken is an error; a range gives its
// first free port; port 0 gets a free port from the kernel. Nothing is held
// after Reserve returns: the caller records the result in the same
// transaction so that concurrent callers of its root see it, and then
// holds the ports (Hold) against everyone else.
func Reserve(ms []Mapping, taken []Mapping) ([]Mapping, error) {
	out := make([]Mapping, 0, len(ms))
	used := append([]Mapping(nil), taken...)
	for _, m := range ms {
		r, err := reserveOne(m, used)
		if err != nil {
			return nil, err
		}
		used = append(used, r)
		out = append(out, r)
	}
	return out, nil
}

func reserveOne(m Mapping, used []Mapping) (Mapping, error) {
	if m.HostPort == 0 {
		// The kernel's ephemeral pick may still collide with a DNAT'd port
		// nobody binds: retry a few times.
		for range 16 {
			p, err := freePort(m.Protocol, m.HostIP)
			if err != nil {
				return Mapping{}, err
			}
			c := m
			c.HostPort = p
			if !overlapsAny(c, used) {
				return c, nil
			}
		}
		return Mapping{}, fmt.Errorf("publish %s: no free host port: %w", m, ErrPortInUse)
	}
	end := m.HostPortEnd
	if end == 0 {
		end = m.HostPort
	}
	var lastErr error
	for p := int(m.HostPort); p <= int(end); p++ {
		c := m
		c.HostPort, c.HostPortEnd = uint16(p), 0
		if overlapsAny(c, used) {
			lastErr = fmt.Errorf("publish %s: %w by another container", c, ErrPortInUse)
			continue
		}
		if err := probe(c.Protocol, c.HostIP, c.HostPort); err != nil {
			lastErr = fmt.Errorf("publish %s: %w on the host%s (%v)", c, ErrPortInUse, heldBy(c.Protocol, c.HostPort), err)
			continue
		}
		return c, nil
	}
	return Mapping{}, lastErr
}

func overlapsAny(m Mapping, used []Mapping) bool {
	for _, u := range used {
		if m.Overlaps(u) {
			return true
		}
	}
	return false
}

func addr(ip netip.Addr, port uint16) string {
	s := ""
	if ip.IsValid() {
		s = ip.String()
	}
	return net.JoinHostPort(s, strconv.Itoa(int(port)))
}

// probe binds the host socket a mapping would shadow, to find a program that
// already serves it before DNAT silently steals its traffic.
func probe(proto string, ip netip.Addr, port uint16) error {
	if proto == "udp" {
		c, err := net.ListenPacket("udp4", addr(ip, port))
		if err != nil {
			return err
		}
		return c.Close()
	}
	l, err := net.Listen("tcp4", addr(ip, port))
	if err != nil {
		return err
	}
	return l.Close()
}

func freePort(proto string, ip netip.Addr) (uint16, error) {
	if proto == "udp" {
		c, err := net.ListenPacket("udp4", addr(ip, 0))
		if err != nil {
			return 0, fmt.Errorf("find a free udp port: %w", err)
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp4", addr(ip, 0))
	if err != nil {
		return 0, fmt.Errorf("find a free tcp port: %w", err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}
