// Package netdev moves host network interfaces into a container's network
// namespace (runtime-spec 1.3 linux.netDevices), renamed if asked, as
// runc 1.5 does: the device keeps its MTU and MAC address, which the kernel
// carries over, and its global-scope addresses, which the kernel drops on
// the move and which are added again inside.
//
// The device then belongs to the namespace: when it is destroyed, the
// kernel returns a physical device to the host and deletes a virtual one.
package netdev

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Check refuses what runc refuses: devices without a network namespace of
// the container's own, for a rootless runtime, or with names the kernel
// cannot take.
func Check(l *specs.Linux) error {
	if l == nil || len(l.NetDevices) == 0 {
		return nil
	}
	netns := false
	for _, n := range l.Namespaces {
		netns = netns || n.Type == specs.NetworkNamespace
	}
	if !netns {
		return errors.New("linux.netDevices: unable to move network devices without a network namespace of the container's own")
	}
	if os.Geteuid() != 0 {
		return errors.New("linux.netDevices: network devices are not supported for rootless containers")
	}
	for host, d := range l.NetDevices {
		for _, name := range []string{host, d.Name} {
			if name != "" && !validName(name) {
				return fmt.Errorf("linux.netDevices: invalid network device name %q (at most 15 bytes, no '/', ':' or white space, not . or ..)", name)
			}
		}
	}
	return nil
}

func validName(n string) bool {
	return len(n) < unix.IFNAMSIZ && n != "." && n != ".." && !strings.ContainsAny(n, "/: \t\n\r\v\f")
}

// moved is one device in the container's namespace, for Return.
type moved struct{ host, inside string }

// Moved are the devices Move put into a container's namespace.
type Moved struct {
	pid  int
	devs []moved
}

// Move moves l.NetDevices into the network namespace of process pid. On
// an error the devices already moved are given back.
func Move(l *specs.Linux, pid int) (*Moved, error) {
	if l == nil || len(l.NetDevices) == 0 {
		return nil, nil
	}
	target, err := netns.GetFromPath("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		return nil, fmt.Errorf("linux.netDevices: open the container's network namespace: %w", err)
	}
	defer target.Close()
	inside, err := netlink.NewHandleAt(target)
	if err != nil {
		return nil, fmt.Errorf("linux.netDevices: netlink in the container's network namespace: %w", err)
	}
	defer inside.Close()
	m := &Moved{pid: pid}
	hosts := make([]string, 0, len(l.NetDevices))
	for h := range l.NetDevices {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		name := l.NetDevices[h].Name
		if name == "" {
			name = h
		}
		if err := moveOne(inside, target, h, name); err != nil {
			return nil, errors.Join(fmt.Errorf("linux.netDevices: move %s into the container as %s: %w", h, name, err), m.Return())
		}
		m.devs = append(m.devs, moved{host: h, inside: name})
	}
	return m, nil
}

func moveOne(inside *netlink.Handle, target netns.NsHandle, host, name string) error {
	link, err := netlink.LinkByName(host)
	if err != nil {
		return fmt.Errorf("find host device: %w", err)
	}
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list its addresses: %w", err)
	}
	if err := netlink.LinkSetNsFd(link, int(target)); err != nil {
		return err
	}
	link, err = inside.LinkByName(host)
	if err != nil {
		return fmt.Errorf("find it in the container: %w", err)
	}
	if name != host {
		if err := rename(inside, link, name); err != nil {
			return fmt.Errorf("rename: %w", err)
		}
	}
	for _, a := range addrs {
		if a.Scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		a.Label = "" // a label carries the old name
		if err := inside.AddrAdd(link, &a); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add address %s: %w", a.IPNet, err)
		}
	}
	return nil
}

// rename renames link, taking it down meanwhile if it is up: the kernel
// renames only devices that are down.
func rename(h *netlink.Handle, link netlink.Link, name string) error {
	up := link.Attrs().Flags&net.FlagUp != 0
	if up {
		if err := h.LinkSetDown(link); err != nil {
			return err
		}
	}
	if err := h.LinkSetName(link, name); err != nil {
		return err
	}
	if up {
		return h.LinkSetUp(link)
	}
	return nil
}

// Return gives the devices back to the host's network namespace under
// their host names, for a create that failed after the move.
func (m *Moved) Return() error {
	if m == nil || len(m.devs) == 0 {
		return nil
	}
	target, err := netns.GetFromPath("/proc/" + strconv.Itoa(m.pid) + "/ns/net")
	if err != nil {
		return fmt.Errorf("linux.netDevices: give devices back: %w", err)
	}
	defer target.Close()
	inside, err := netlink.NewHandleAt(target)
	if err != nil {
		return fmt.Errorf("linux.netDevices: give devices back: %w", err)
	}
	defer inside.Close()
	host, err := netns.Get()
	if err != nil {
		return fmt.Errorf("linux.netDevices: give devices back: %w", err)
	}
	defer host.Close()
	var errs []error
	for _, d := range m.devs {
		link, err := inside.LinkByName(d.inside)
		if err == nil && d.inside != d.host {
			err = rename(inside, link, d.host)
		}
		if err == nil {
			err = inside.LinkSetNsFd(link, int(host))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("give %s back to the host as %s: %w", d.inside, d.host, err))
		}
	}
	m.devs = nil
	return errors.Join(errs...)
}
