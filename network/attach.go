package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/berth-containers/berth/network/etcfiles"
	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/network/portmap"
)

// AttachOptions say how a container joins a network (`run --network`,
// `network connect`).
type AttachOptions struct {
	Network  string     // name or ID; "" is the default network
	Name     string     // container name, resolvable by other containers
	IP       netip.Addr // --ip; zero picks the next free address
	Aliases  []string   // --network-alias
	MAC      string     // --mac-address (checked by the caller); "" lets the kernel pick
	Hostname string
	Ports    []portmap.Mapping // --publish, parsed by portmap.Parse
	// PortsHolder and PortsHolderStart name the process that holds the
	// ports' host sockets, if not the root's responder (Endpoint's).
	PortsHolder      int
	PortsHolderStart uint64
}

// Attach plugs the network namespace at netnsPath into a network and
// publishes its ports. It returns the endpoint with the container's
// address. Either everything is set up or nothing is left: a failure
// undoes what was done, and a crash midway leaves a record that Repair
// undoes.
//
// Order: (1) one transaction checks and reserves the ports and the address
// and writes the endpoint record; (2) veth; (3) DNAT elements; (4) names.
func (s *Store) Attach(ctx context.Context, netnsPath, containerID string, opts AttachOptions) (Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return Endpoint{}, err
	}
	// Names become words of the names file: a blank or newline would
	// forge records for the whole network.
	for _, n := range append([]string{opts.Name}, opts.Aliases...) {
		if err := etcfiles.ValidateAlias(n); n != "" && err != nil {
			return Endpoint{}, fmt.Errorf("attach %s: %w", shortID(containerID), err)
		}
	}
	ref := opts.Network
	if ref == "" {
		ref = DefaultName
	}
	ep := Endpoint{ContainerID: containerID, Name: opts.Name, Aliases: opts.Aliases, Hostname: opts.Hostname,
		MAC: opts.MAC, NetNS: netnsPath, PortsHolder: opts.PortsHolder, PortsHolderStart: opts.PortsHolderStart, Created: time.Now().UTC()}
	var n Network
	reserveTx := func(t tx) (err error) {
		n, err = reserve(t, ref, &ep, opts)
		return err
	}
	err := s.update(reserveTx)
	if errors.Is(err, ErrNotFound) && ref == DefaultName {
		if _, err = s.createDefault(); err == nil {
			err = s.update(reserveTx)
		}
	}
	if err != nil {
		// reserve's errors name the network and what was refused; the
		// container is the one the user named (or is running).
		return Endpoint{}, err
	}
	if err := s.inNS(true, func() error { return s.wire(n, &ep) }); err != nil {
		if derr := s.undo(ep); derr != nil {
			err = errors.Join(err, derr)
		}
		return Endpoint{}, err
	}
	s.emit("connect", n.ID, n.Name, containerID)
	return ep, nil
}

// reserve checks and records, in one transaction, the endpoint's ports and
// address, so that two berth commands cannot take the same ones.
func reserve(t tx, ref string, ep *Endpoint, opts AttachOptions) (Network, error) {
	n, err := t.network(ref)
	if err != nil {
		return n, err
	}
	if n.Internal && len(opts.Ports) > 0 {
		return n, fmt.Errorf("network %s is --internal: it cannot publish ports", n.Name)
	}
	if t.eps.Get(epKey(n.ID, ep.ContainerID)) != nil {
		return n, fmt.Errorf("network %s: %w", n.Name, ErrAttached)
	}
	ep.Network, ep.NetworkName, ep.Prefix = n.ID, n.Name, n.Subnet.Bits()
	ep.HostVeth = hostVethName(n.ID, ep.ContainerID)
	if !n.Internal {
		ep.Gateway = n.Gateway
	}
	all, err := t.endpoints("")
	if err != nil {
		return n, err
	}
	var taken []portmap.Mapping
	for _, o := range all {
		taken = append(taken, o.Ports...)
	}
	if ep.Ports, err = portmap.Reserve(opts.Ports, taken); err != nil {
		return n, err
	}
	used := map[netip.Addr]string{n.Gateway: "the network's gateway"}
	for _, o := range all {
		if o.Network == n.ID {
			used[o.IP] = "container " + endpointOwner(o)
		}
	}
	if opts.IP.IsValid() {
		if err := checkIP(n, opts.IP, used); err != nil {
			return n, err
		}
		ep.IP = opts.IP
	} else if ep.IP, err = nextFree(n, used); err != nil {
		return n, err
	}
	n.LastIP = ep.IP
	if err := t.putNetwork(n); err != nil {
		return n, err
	}
	return n, t.putEndpoint(*ep)
}

// CheckAddress says, naming the network by name, why ip cannot be a
// container's --ip on n whoever holds its other addresses: Docker's
// "Invalid address ... does not belong to any of this network's subnets",
// with the subnet said. create and connect call it before anything is
// recorded; Attach again, with the addresses taken.
func (n Network) CheckAddress(ip netip.Addr) error {
	why := ""
	switch {
	case !n.Subnet.Contains(ip):
		why = "is outside its subnet " + n.Subnet.String()
	case ip == n.Subnet.Addr():
		why = "is the network address of its subnet " + n.Subnet.String()
	case ip == lastAddr(n.Subnet):
		why = "is the broadcast address of its subnet " + n.Subnet.String()
	case ip == n.Gateway:
		why = "is the network's gateway"
	default:
		return nil
	}
	return fmt.Errorf("network %s: address %s %s", n.Name, ip, why)
}

// checkIP is CheckAddress, and Docker's "Address already in use" with the
// holder named.
func checkIP(n Network, ip netip.Addr, used map[netip.Addr]string) error {
	if err := n.CheckAddress(ip); err != nil {
		return err
	}
	if used[ip] != "" {
		return fmt.Errorf("network %s: address %s is already in use by %s", n.Name, ip, used[ip])
	}
	return nil
}

// endpointOwner names an endpoint's container: its name, else its short ID.
func endpointOwner(ep Endpoint) string {
	if ep.Name != "" {
		return ep.Name
	}
	return shortID(ep.ContainerID)
}

// shortID is an ID as Docker prints it: its first 12 characters.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// nextFree returns the first unused host address after n.LastIP, wrapping.
func nextFree(n Network, used map[netip.Addr]string) (netip.Addr, error) {
	start := n.LastIP
	if !n.Subnet.Contains(start) {
		start = n.Subnet.Addr()
	}
	a := start
	for {
		a = a.Next()
		if !n.Subnet.Contains(a) {
			a = n.Subnet.Addr()
		}
		if usable(n.Subnet, a) && used[a] == "" {
			return a, nil
		}
		if a == start {
			return netip.Addr{}, fmt.Errorf("network %s: no free address left in %s", n.Name, n.Subnet)
		}
	}
}

// wire makes the kernel objects of a reserved endpoint.
func (s *Store) wire(n Network, ep *Endpoint) error {
	if err := s.setUp(n); err != nil {
		return err
	}
	if err := plugVeth(n, ep); err != nil {
		return err
	}
	if err := (firewall{s.opts.Table}).addPorts(ep.IP, ep.Ports); err != nil {
		return fmt.Errorf("publish ports of %s: %w", ep.ContainerID, err)
	}
	var names []byte
	if err := s.update(func(t tx) (err error) {
		if err = t.putEndpoint(*ep); err == nil {
			names, err = t.names(n)
		}
		return err
	}); err != nil {
		return err
	}
	return s.writeNames(n, names)
}

// Detach unplugs a container from one network and unpublishes its ports.
// Detaching what is not attached is not an error.
func (s *Store) Detach(ctx context.Context, containerID, network string) error {
	var ep Endpoint
	var found bool
	err := s.update(func(t tx) error {
		n, err := t.network(network)
		if err != nil {
			return err
		}
		eps, err := t.endpoints(n.ID)
		for _, e := range eps {
			if e.ContainerID == containerID {
				ep, found = e, true
			}
		}
		return err
	})
	if err != nil || !found {
		return err
	}
	s.emit("disconnect", ep.Network, ep.NetworkName, containerID)
	return s.undo(ep)
}

// DetachAll unplugs a container from every network, as when it stops.
func (s *Store) DetachAll(ctx context.Context, containerID string) error {
	eps, err := s.Endpoints(containerID)
	if err != nil {
		return err
	}
	var errs []error
	for _, ep := range eps {
		s.emit("disconnect", ep.Network, ep.NetworkName, containerID)
		errs = append(errs, s.undo(ep))
	}
	return errors.Join(errs...)
}

// Endpoints lists a container's attachments ("" for all containers).
func (s *Store) Endpoints(containerID string) ([]Endpoint, error) {
	var out []Endpoint
	err := s.update(func(t tx) error {
		all, err := t.endpoints("")
		for _, e := range all {
			if containerID == "" || e.ContainerID == containerID {
				out = append(out, e)
			}
		}
		return err
	})
	return out, err
}

// undo removes an endpoint's DNAT elements and veth, then its record (the
// lease): the record goes last so that a crash midway is still repairable.
//
// A veth is deleted only while its namespace is still pinned: deleting
// one waits for an RCU grace period (17 ms here, most of a teardown),
// whereas a namespace that the engine unpinned first and no process holds
// takes its veth pair with it in the kernel's asynchronous cleanup. A veth
// that outlives its record that way is still on the bridge for a moment;
// Repair removes any that would stay.
func (s *Store) undo(ep Endpoint) error {
	if err := s.inNS(false, func() error {
		if err := (firewall{s.opts.Table}).removePorts(ep.IP, ep.Ports); err != nil {
			return err
		}
		if ep.NetNS == "" || netns.IsNetNS(ep.NetNS) {
			return deleteLink(ep.HostVeth)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("detach %s: %w", ep.ContainerID, err)
	}
	var n Network
	var names []byte
	if err := s.update(func(t tx) (err error) {
		if err = t.eps.Delete(epKey(ep.Network, ep.ContainerID)); err != nil {
			return err
		}
		if n, err = t.network(ep.Network); err != nil {
			return err
		}
		names, err = t.names(n)
		return err
	}); err != nil {
		return err
	}
	return s.writeNames(n, names)
}
