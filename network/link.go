package network

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/kfile"
)

// vethPrefix starts every host-side veth name; Repair looks for it.
const vethPrefix = "vb"

// hostVethName is deterministic so that a retry or repair finds the link.
func hostVethName(netID, containerID string) string {
	h := sha256.Sum256([]byte(netID + "/" + containerID))
	return vethPrefix + hex.EncodeToString(h[:])[:12]
}

func ipNet(a netip.Addr, bits int) *net.IPNet {
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(bits, a.BitLen())}
}

// ensureBridge creates the network's bridge if missing (after a reboot the
// records survive but the links do not) and brings it up with its gateway.
func ensureBridge(n Network) (created bool, err error) {
	link, err := netlink.LinkByName(n.Bridge)
	if _, missing := err.(netlink.LinkNotFoundError); missing {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge}}
		if err := netlink.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
			return false, fmt.Errorf("create bridge %s: %w", n.Bridge, err)
		}
		created = true
		link, err = netlink.LinkByName(n.Bridge)
	}
	if err != nil {
		return created, fmt.Errorf("find bridge %s: %w", n.Bridge, err)
	}
	if _, ok := link.(*netlink.Bridge); !ok {
		return created, fmt.Errorf("bridge %s: a %s link has that name", n.Bridge, link.Type())
	}
	if n.Internal {
		// No host address, and an unreachable route so the host's
		// traffic to the subnet fails at once instead of leaving by the
		// default route.
		if err := netlink.RouteReplace(unreachableRoute(n)); err != nil {
			return created, fmt.Errorf("bridge %s: unreachable route %s: %w", n.Bridge, n.Subnet, err)
		}
	} else {
		addr := &netlink.Addr{IPNet: ipNet(n.Gateway, n.Subnet.Bits())}
		if err := netlink.AddrReplace(link, addr); err != nil {
			return created, fmt.Errorf("bridge %s: set address %s: %w", n.Bridge, n.Gateway, err)
		}
		// Connections to a published port on 127.0.0.1 leave through the
		// bridge with a loopback source (masqueraded in postrouting); the
		// kernel drops such packets unless the device allows it.
		if err := writeSysctl("net/ipv4/conf/"+n.Bridge+"/route_localnet", "1"); err != nil {
			return created, err
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return created, fmt.Errorf("bring up bridge %s: %w", n.Bridge, err)
	}
	return created, nil
}

func unreachableRoute(n Network) *netlink.Route {
	return &netlink.Route{Dst: ipNet(n.Subnet.Addr(), n.Subnet.Bits()), Type: unix.RTN_UNREACHABLE, Table: unix.RT_TABLE_MAIN}
}

// deleteUnreachable removes an internal network's route; gone is fine.
func deleteUnreachable(n Network) error {
	if !n.Internal {
		return nil
	}
	if err := netlink.RouteDel(unreachableRoute(n)); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("delete unreachable route %s: %w", n.Subnet, err)
	}
	return nil
}

func deleteLink(name string) error {
	link, err := netlink.LinkByName(name)
	if _, missing := err.(netlink.LinkNotFoundError); missing {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find link %s: %w", name, err)
	}
	if err := netlink.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete link %s: %w", name, err)
	}
	return nil
}

func writeSysctl(key, value string) error {
	p := "/proc/sys/" + key
	if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == value {
		return nil
	}
	if err := kfile.WriteProc("sys/"+key, []byte(value)); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", strings.ReplaceAll(key, "/", "."), value, err)
	}
	return nil
}

// plugVeth creates the endpoint's veth pair on the bridge and configures
// the container side inside the namespace at ep.NetNS. It fills ep.IfName
// and ep.MAC. On error the host side is deleted, which removes both ends.
func plugVeth(n Network, ep *Endpoint) (err error) {
	br, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		return fmt.Errorf("find bridge %s: %w", n.Bridge, err)
	}
	ns, err := vnetns.GetFromPath(ep.NetNS)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", ep.NetNS, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in netns %s: %w", ep.NetNS, err)
	}
	defer h.Close()
	ifName, err := freeIfName(h)
	if err != nil {
		return err
	}
	// The peer is created directly inside the container's namespace under
	// its final name: no temporary name in the host's namespace to leak.
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: ep.HostVeth, MasterIndex: br.Attrs().Index, MTU: br.Attrs().MTU},
		PeerName:      ifName,
		PeerNamespace: netlink.NsFd(int(ns)),
	}
	if ep.MAC != "" {
		if veth.PeerHardwareAddr, err = net.ParseMAC(ep.MAC); err != nil {
			return fmt.Errorf("mac address of %s: %w", ep.ContainerID, err)
		}
	}
	if err := addVeth(veth); err != nil {
		return fmt.Errorf("create veth %s for %s: %w", ep.HostVeth, ep.ContainerID, err)
	}
	defer func() {
		if err != nil {
			_ = deleteLink(ep.HostVeth)
		}
	}()
	if err := netlink.LinkSetUp(veth); err != nil {
		return fmt.Errorf("bring up veth %s: %w", ep.HostVeth, err)
	}
	peer, err := h.LinkByName(ifName)
	if err != nil {
		return fmt.Errorf("find %s in netns %s: %w", ifName, ep.NetNS, err)
	}
	if err := h.AddrAdd(peer, &netlink.Addr{IPNet: ipNet(ep.IP, ep.Prefix)}); err != nil {
		return fmt.Errorf("set address %s on %s in netns %s: %w", ep.IP, ifName, ep.NetNS, err)
	}
	if err := h.LinkSetUp(peer); err != nil {
		return fmt.Errorf("bring up %s in netns %s: %w", ifName, ep.NetNS, err)
	}
	if lo, err := h.LinkByName("lo"); err == nil {
		if err := h.LinkSetUp(lo); err != nil {
			return fmt.Errorf("bring up lo in netns %s: %w", ep.NetNS, err)
		}
	}
	if ep.Gateway.IsValid() {
		if err := addDefaultRoute(h, peer, ep.Gateway); err != nil {
			return fmt.Errorf("default route via %s in netns %s: %w", ep.Gateway, ep.NetNS, err)
		}
	}
	ep.IfName = ifName
	ep.MAC = peer.Attrs().HardwareAddr.String()
	return nil
}

// addVeth creates the pair. The host name is derived from the network and
// the container, so the only link that can already hold it is this
// container's previous veth: undo leaves that one to the kernel's
// asynchronous namespace cleanup, which a restart can outrun. It is
// deleted and the add tried once more.
func addVeth(veth *netlink.Veth) error {
	err := netlink.LinkAdd(veth)
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	old, lerr := netlink.LinkByName(veth.Name)
	if lerr != nil {
		return err
	}
	if old.Type() != "veth" {
		return fmt.Errorf("%w (a %s link holds the name)", err, old.Type())
	}
	if err := deleteLink(veth.Name); err != nil {
		return err
	}
	return netlink.LinkAdd(veth)
}

// addDefaultRoute routes everything via gw unless the container already
// has a default route through an earlier network, as Docker keeps the
// first network's gateway.
func addDefaultRoute(h *netlink.Handle, link netlink.Link, gw netip.Addr) error {
	routes, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return err
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() && isZeroMask(r.Dst.Mask) {
			return nil
		}
	}
	return h.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.IP(gw.AsSlice())})
}

func isZeroMask(m net.IPMask) bool {
	ones, _ := m.Size()
	return ones == 0
}

// freeIfName picks the first unused ethN in the namespace.
func freeIfName(h *netlink.Handle) (string, error) {
	links, err := h.LinkList()
	if err != nil {
		return "", fmt.Errorf("list links in netns: %w", err)
	}
	used := map[string]bool{}
	for _, l := range links {
		used[l.Attrs().Name] = true
	}
	for i := 0; ; i++ {
		if name := fmt.Sprintf("eth%d", i); !used[name] {
			return name, nil
		}
	}
}

// hostState is what the host holds of berth's links, for subnet choice.
type hostState struct {
	prefixes    []netip.Prefix // routes (any table) and addresses
	unreachable map[netip.Prefix]bool
}

func readHostState() (hostState, error) {
	var st hostState
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return st, fmt.Errorf("list host routes: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil {
			continue // a default route overlaps everything; it is no collision
		}
		if p, ok := prefixOf(r.Dst); ok && p.Bits() > 0 {
			st.prefixes = append(st.prefixes, p)
			if r.Type == unix.RTN_UNREACHABLE {
				if st.unreachable == nil {
					st.unreachable = map[netip.Prefix]bool{}
				}
				st.unreachable[p] = true
			}
		}
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return st, fmt.Errorf("list host addresses: %w", err)
	}
	for _, a := range addrs {
		if p, ok := prefixOf(a.IPNet); ok {
			st.prefixes = append(st.prefixes, p)
		}
	}
	return st, nil
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones).Masked(), true
}
