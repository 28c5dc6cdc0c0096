package network

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berth-containers/berth/network/etcfiles"
)

// CreateOptions are `network create`'s flags.
type CreateOptions struct {
	Name     string
	Driver   string // "" or "bridge"
	Subnet   string // CIDR; "" picks a free one
	Gateway  string // "" is the subnet's first address
	Internal bool
	Labels   map[string]string
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// predefined are Docker's names of networks that always exist: the
// default one (made on first use) and the network modes.
var predefined = map[string]bool{DefaultName: true, "default": true, "host": true, "none": true}

// Create records a network and sets up its bridge and firewall entries.
func (s *Store) Create(opts CreateOptions) (Network, error) {
	if !validName.MatchString(opts.Name) {
		return Network{}, fmt.Errorf("create network %q: invalid name, want [a-zA-Z0-9][a-zA-Z0-9_.-]*", opts.Name)
	}
	if predefined[opts.Name] {
		return Network{}, fmt.Errorf("operation is not permitted on predefined %s network", opts.Name)
	}
	return s.create(opts, "")
}

// parseSubnet checks --subnet as Docker does: an IPv4 CIDR with no host
// bits set, and not an address range that cannot be a bridge's.
func parseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		return p, fmt.Errorf("invalid subnet %s: invalid CIDR block notation", s)
	case !p.Addr().Is4() || p.Bits() > 30:
		return p, fmt.Errorf("invalid subnet %s: want an IPv4 CIDR of /30 or wider", s)
	case p != p.Masked():
		return p, fmt.Errorf("invalid network config:\ninvalid subnet %s: it should be %s", p, p.Masked())
	case p.Overlaps(multicast):
		return p, fmt.Errorf("invalid subnet %s: multicast addresses cannot be a network's", p)
	case p.Overlaps(loopback) || p.Overlaps(thisNet):
		return p, fmt.Errorf("invalid subnet %s: loopback and 0.0.0.0/8 addresses cannot be a network's", p)
	}
	return p, nil
}

var (
	multicast = netip.MustParsePrefix("224.0.0.0/4")
	loopback  = netip.MustParsePrefix("127.0.0.0/8")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
)

func (s *Store) create(opts CreateOptions, bridge string) (Network, error) {
	if opts.Driver != "" && opts.Driver != "bridge" {
		return Network{}, fmt.Errorf("create network %s: driver %q is not supported (only bridge)", opts.Name, opts.Driver)
	}
	var want netip.Prefix
	if opts.Subnet != "" {
		p, err := parseSubnet(opts.Subnet)
		if err != nil {
			return Network{}, fmt.Errorf("create network %s: %w", opts.Name, err)
		}
		want = p
	}
	var gw netip.Addr
	if opts.Gateway != "" {
		a, err := netip.ParseAddr(opts.Gateway)
		if err != nil || !want.IsValid() || !usable(want, a) {
			return Network{}, fmt.Errorf("create network %s: gateway %q must be a host address of --subnet", opts.Name, opts.Gateway)
		}
		gw = a
	}
	unlock, err := s.lockHost()
	if err != nil {
		return Network{}, fmt.Errorf("create network %s: %w", opts.Name, err)
	}
	defer unlock()
	host, err := readHostState()
	if err != nil {
		return Network{}, err
	}
	// A namespace of the store's own has routes of its own (its other
	// bridges, slirp4netns's tap): a subnet must miss those and the
	// host's, which its containers reach through it.
	if err := s.inNS(false, func() error {
		own, err := readHostState()
		host.prefixes = append(host.prefixes, own.prefixes...)
		return err
	}); err != nil {
		return Network{}, err
	}
	host.prefixes = append(host.prefixes, s.resolverPrefixes()...)
	idb := make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return Network{}, fmt.Errorf("create network %s: id: %w", opts.Name, err)
	}
	n := Network{Name: opts.Name, Driver: "bridge", Internal: opts.Internal, Labels: opts.Labels,
		ID: hex.EncodeToString(idb), Created: time.Now().UTC()}
	n.Bridge = bridge
	if n.Bridge == "" {
		n.Bridge = "bt-" + n.ID[:10]
	}
	err = s.update(func(t tx) error {
		if t.defs.Get([]byte(n.Name)) != nil {
			return fmt.Errorf("create network %s: %w", n.Name, ErrExists)
		}
		all, err := t.networks()
		if err != nil {
			return err
		}
		if n.Subnet, err = s.chooseSubnet(want, host.prefixes, all); err != nil {
			return fmt.Errorf("create network %s: %w", n.Name, err)
		}
		n.Gateway = gw
		if !n.Gateway.IsValid() {
			n.Gateway = n.Subnet.Addr().Next()
		}
		return t.putNetwork(n)
	})
	if err != nil {
		return Network{}, err
	}
	if err := s.inNS(true, func() error { return s.setUpLocked(n) }); err != nil {
		_ = s.tearDown(n)
		_ = s.update(func(t tx) error { return t.defs.Delete([]byte(n.Name)) })
		// The store's namespace, made for this network, goes with it
		// when it was the first.
		return Network{}, errors.Join(err, s.releaseNamespace())
	}
	s.emit("create", n.ID, n.Name, "")
	return n, nil
}

// chooseSubnet returns want, unless it overlaps a reserved subnet, another
// network or a host prefix (checked in that order: a store's own namespace
// routes its other networks, which are better named as such), or else the
// first pool free of all three.
func (s *Store) chooseSubnet(want netip.Prefix, host []netip.Prefix, all []Network) (netip.Prefix, error) {
	if !want.IsValid() {
		taken := append([]netip.Prefix(nil), host...)
		for _, r := range s.opts.Reserved {
			taken = append(taken, r.Prefix)
		}
		for _, o := range all {
			taken = append(taken, o.Subnet)
		}
		return pickSubnet(s.opts.Pools, taken)
	}
	for _, r := range s.opts.Reserved {
		if r.Prefix.Overlaps(want) {
			return want, fmt.Errorf("subnet %s overlaps %s, %s: pick another --subnet", want, r.Prefix, r.Why)
		}
	}
	for _, o := range all {
		if o.Subnet.Overlaps(want) {
			return want, fmt.Errorf("subnet %s overlaps network %s (%s)", want, o.Name, o.Subnet)
		}
	}
	for _, h := range host {
		if h.Overlaps(want) {
			return want, fmt.Errorf("subnet %s overlaps %s, a route, address or resolver of the host", want, h)
		}
	}
	return want, nil
}

// resolverPrefixes keeps the host's nameservers out of berth's subnets: a
// bridge route over them would cut the host off from DNS.
func (s *Store) resolverPrefixes() []netip.Prefix {
	r, _ := etcfiles.HostResolv(s.opts.ResolvConf)
	var out []netip.Prefix
	for _, ns := range r.Nameservers {
		if a, err := netip.ParseAddr(ns); err == nil && a.Is4() {
			out = append(out, netip.PrefixFrom(a, 32))
		}
	}
	return out
}

// pickSubnet returns the first pool that overlaps nothing taken.
func pickSubnet(pools, taken []netip.Prefix) (netip.Prefix, error) {
next:
	for _, p := range pools {
		for _, t := range taken {
			if p.Overlaps(t) {
				continue next
			}
		}
		return p, nil
	}
	return netip.Prefix{}, ErrNoSubnet
}

// usable reports whether a is a host address of p (not network or broadcast).
func usable(p netip.Prefix, a netip.Addr) bool {
	if !p.Contains(a) || a == p.Addr() {
		return false
	}
	return a != lastAddr(p)
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// setUp makes the network's host objects; it is idempotent, so Attach calls
// it too and a network recorded before a reboot comes back, unless its
// subnet was taken meanwhile (checked under the host-wide lock).
func (s *Store) setUp(n Network) error {
	if _, err := netlink.LinkByName(n.Bridge); err == nil {
		return s.setUpLocked(n)
	}
	unlock, err := s.lockHost()
	if err != nil {
		return fmt.Errorf("network %s: %w", n.Name, err)
	}
	defer unlock()
	if _, err := netlink.LinkByName(n.Bridge); err != nil {
		if err := checkSubnetFree(n); err != nil {
			return err
		}
	}
	return s.setUpLocked(n)
}

// setUpLocked is setUp for a caller that holds the host lock, or whose
// bridge exists (the subnet is claimed).
//
// The table's entries come before the bridge: a bridge, once there, always
// has them (isolation, masquerade), so an existing bridge means the rest is
// there and an attach pays no nft exec. A kill between the two leaves no
// bridge, and the next setUp does both again (adding an element twice is
// no error). Forwarding is turned on last, once the rules hold.
func (s *Store) setUpLocked(n Network) error {
	if _, err := netlink.LinkByName(n.Bridge); err != nil {
		if err := (firewall{s.opts.Table}).addNetwork(n); err != nil {
			return err
		}
		// A namespace of the store's own forwards whatever the host
		// does: its sysctl is its own.
		if !n.Internal && (!s.opts.SkipIPForward || s.opts.Namespace != nil) {
			if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
				return err
			}
		}
	}
	_, err := ensureBridge(n)
	return err
}

// tearDown removes the network's bridge and firewall entries; the table
// goes with the last network of this store.
func (s *Store) tearDown(n Network) error {
	var last bool
	if err := s.update(func(t tx) error {
		all, err := t.networks()
		last = len(all) == 0 || len(all) == 1 && all[0].ID == n.ID
		return err
	}); err != nil {
		return err
	}
	err := s.inNS(false, func() error {
		errBr := deleteLink(n.Bridge)
		errRt := deleteUnreachable(n)
		errFw := firewall{s.opts.Table}.removeNetwork(n, last)
		return errors.Join(errBr, errRt, errFw)
	})
	_ = os.RemoveAll(s.namesDir(n.ID))
	return err
}

// List returns every network, sorted by name.
func (s *Store) List() ([]Network, error) {
	var out []Network
	err := s.update(func(t tx) (err error) {
		out, err = t.networks()
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Inspect returns a network by name or ID (prefix) and its endpoints.
func (s *Store) Inspect(ref string) (Network, []Endpoint, error) {
	var n Network
	var eps []Endpoint
	err := s.update(func(t tx) (err error) {
		if n, err = t.network(ref); err != nil {
			return err
		}
		eps, err = t.endpoints(n.ID)
		return err
	})
	return n, eps, err
}

// Remove deletes a network with no endpoints, and its host objects.
func (s *Store) Remove(ref string) error {
	n, eps, err := s.Inspect(ref)
	if err != nil {
		return fmt.Errorf("remove network: %w", err)
	}
	if len(eps) > 0 {
		return fmt.Errorf("remove network %s: %w (%d containers; disconnect or remove them first)", n.Name, ErrInUse, len(eps))
	}
	if err := s.tearDown(n); err != nil {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	err = s.update(func(t tx) error {
		if left, err := t.endpoints(n.ID); err != nil || len(left) > 0 {
			return errors.Join(err, fmt.Errorf("remove network %s: %w (attached while removing)", n.Name, ErrInUse))
		}
		return t.defs.Delete([]byte(n.Name))
	})
	if err != nil {
		return err
	}
	s.emit("destroy", n.ID, n.Name, "")
	if err := s.releaseNamespace(); err != nil {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	return nil
}

// Prune removes every network without endpoints, the default one included
// (it is made again on first use), so that an idle host keeps no bridge
// and no berth table. It returns the names removed.
func (s *Store) Prune() ([]string, error) {
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, n := range all {
		err := s.Remove(n.ID)
		switch {
		case err == nil:
			removed = append(removed, n.Name)
		case !errors.Is(err, ErrInUse):
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// createDefault makes the default network on first use.
func (s *Store) createDefault() (Network, error) {
	n, err := s.create(CreateOptions{Name: DefaultName}, s.opts.DefaultBridge)
	if errors.Is(err, ErrExists) {
		// Another berth command made it first.
		n, _, err = s.Inspect(DefaultName)
	}
	return n, err
}
