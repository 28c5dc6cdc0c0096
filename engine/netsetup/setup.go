// Package netsetup is the container side of networking: it gives a
// starting container its network namespace joined to its networks (or
// slirp4netns's, rootless), writes its /etc/hostname, /etc/hosts and
// /etc/resolv.conf, records the ports it publishes, connects and
// disconnects it later, and undoes what a killed berth process left
// (Repair). The networks themselves (bridges, leases, nft) are package
// network's; the engine drives this package through a Setup.
package netsetup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/etcfiles"
	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/network/portmap"
	"github.com/berth-containers/berth/network/responder"
	"github.com/berth-containers/berth/rootless"
)

// A container's network, from create to rm:
//
//	create   flags checked; the record keeps the mode (HostConfig.NetworkMode),
//	         the networks to join with --ip/--network-alias (Networks), the
//	         requested ports (PortBindings) and the /etc options
//	start    prepare -> SetUp: a netns pinned at <runroot>/netns/<id>,
//	         network.Attach for each network (veth, lease, DNAT), the /etc
//	         files written, the DNS responder told; buildSpec joins the netns
//	         by path (NetNSPath) and binds the files (AddEtcMounts), so the
//	         container's first instruction already has its network
//	restart  the netns and its endpoints stay (the monitor's restart loop
//	         does not prepare again)
//	exit     the monitor's final exit path -> TearDown: DetachAll,
//	         the netns unpinned, the responder told; rm does the same
//	crash    a killed CLI or monitor leaves endpoints of a container that does
//	         not run: Repair, from ps, run, create, rm and the network
//	         commands (at most once per repairInterval), undoes them
//
// The network modes: "bridge" and user network names (a netns of berth's),
// "none" and "host" (the runtime makes a netns, or none), "container:ID"
// (the other container's netns, by its pinned path or /proc/PID/ns/net).

// DefaultMode is the network of a container created without --network,
// as Docker's.
const DefaultMode = network.DefaultName

// Setup is the container side of networking under one root: it joins a
// container's namespace to its networks, writes its /etc files and
// records the ports it publishes. A Setup is used by one process; the
// ports it holds itself (OwnPorts) are released by its TearDown.
type Setup struct {
	Root, RunRoot string
	// Records are the container records of the root.
	Records *store.Store
	// ContainerDir and RunDir are a container's directories under Root
	// and RunRoot (its /etc files, its set-up marker).
	ContainerDir, RunDir func(id string) string
	// Mark logs a step's timing; nil for none.
	Mark func(step string)
	// OwnPorts is set in a foreground run, whose process is the
	// container's monitor: it holds the published ports itself (held),
	// sparing a responder start (ports.go).
	OwnPorts bool
	held     []io.Closer
}

func (s *Setup) mark(step string) {
	if s.Mark != nil {
		s.Mark(step)
	}
}

// get is a record with its status checked against the running system.
func (s *Setup) get(ref string) (*record.Container, error) {
	c, err := s.Records.Get(ref)
	if err != nil {
		return nil, err
	}
	c.Refresh()
	return c, nil
}

func (s *Setup) networks() *network.Store { return Networks(s.Root, s.RunRoot) }

// ownsNetNS reports whether a network mode gives the container a namespace
// pinned by berth: bridge and user networks.
func ownsNetNS(mode string) bool {
	return mode != "none" && mode != "host" && !strings.HasPrefix(mode, "container:")
}

// Networks returns the network store of a root. The root /var/lib/berth
// uses the default host names (table "berth", bridge "berth0"); any other
// root gets names of its own, derived from the root, so that two roots
// (tests, a second engine) never share a bridge or table.
func Networks(root, runroot string) *network.Store {
	opts := network.Options{Root: root, RunRoot: runroot}
	if filepath.Clean(root) != "/var/lib/berth" {
		sum := sha256.Sum256([]byte(filepath.Clean(root)))
		h := hex.EncodeToString(sum[:])[:8]
		opts.Table, opts.DefaultBridge = "berth_"+h, "berth"+h
	}
	// Tests that never need forwarding leave the host's sysctl alone.
	opts.SkipIPForward = os.Getenv("BERTH_SKIP_IP_FORWARD") == "1"
	if rootless.Active() {
		// A user's networks live in a namespace of its own (usernet.go),
		// where no other root allocates: its lock is the user's.
		opts.Namespace = userNetNS{runroot}
		opts.HostLock = filepath.Join(runroot, "network.lock")
		opts.Reserved = []network.Reserved{{Prefix: rootless.SlirpNet, Why: "slirp4netns's network, the egress of rootless user networks"}}
	}
	return network.New(opts)
}

// Config checks create's network flags and records them.
func (s *Setup) Config(o options.CreateOptions, hc *record.HostConfig) error {
	if hc.NetworkMode == "" || hc.NetworkMode == "default" || isRootlessBridge(hc.NetworkMode) {
		hc.NetworkMode = DefaultMode // rootless, by its ID too
	}
	mode := hc.NetworkMode
	n := o.NetworkOptions
	nc := record.NetworkConfig{ExtraHosts: n.AddHosts, DNS: n.DNS, DNSSearch: n.DNSSearch, DNSOptions: n.DNSOptions,
		PublishAllPorts: n.PublishAll}
	for _, h := range n.AddHosts {
		if _, err := etcfiles.ParseAddHost(h); err != nil {
			return fmt.Errorf("invalid argument %q for \"--add-host\" flag: %w", h, err)
		}
	}
	for _, s := range n.DNS {
		if _, err := netip.ParseAddr(s); err != nil {
			return fmt.Errorf("invalid argument %q for \"--dns\" flag: not an IP address", s)
		}
	}
	if err := checkIP6(n.IP6); err != nil {
		return err
	}
	published := len(n.Publish) > 0 || n.PublishAll
	switch {
	case strings.HasPrefix(mode, "container:"):
		ref := strings.TrimPrefix(mode, "container:")
		other, err := s.Records.Get(ref)
		if err != nil {
			return fmt.Errorf("no such container: %s", ref)
		}
		hc.NetworkMode = "container:" + other.ID
		switch {
		case o.Hostname != "":
			return errors.New("conflicting options: hostname and the network mode")
		case len(n.AddHosts) > 0:
			return errors.New("conflicting options: custom host-to-IP mapping and the network mode")
		case len(n.DNS)+len(n.DNSSearch)+len(n.DNSOptions) > 0:
			return errors.New("conflicting options: dns and the network mode")
		case published:
			return errors.New("conflicting options: port publishing and the container type network mode")
		}
	case mode == "none" || mode == "host":
		if published && mode == "host" {
			// Docker warns and ignores; the ports are the host's anyway.
			published = false
			n.Publish, nc.PublishAllPorts = nil, false
		}
		if published {
			return errors.New("conflicting options: port publishing and the container type network mode")
		}
	default:
		net, _, err := s.networks().Inspect(mode)
		if err != nil && !(errors.Is(err, network.ErrNotFound) && mode == DefaultMode) {
			if errors.Is(err, network.ErrNotFound) {
				return fmt.Errorf("network %s not found", mode)
			}
			return err
		}
		if err == nil {
			hc.NetworkMode = net.Name
		}
		ep := record.EndpointSettings{IP: n.IP, Aliases: n.Aliases}
		if n.IP != "" {
			ip, perr := netip.ParseAddr(n.IP)
			if perr != nil {
				return fmt.Errorf("invalid IPv4 address: %s", n.IP)
			}
			if hc.NetworkMode == DefaultMode {
				return errors.New("user specified IP address is supported on user defined networks only")
			}
			// Refused before the container is made, as Docker 25 does;
			// an address taken is known only at start.
			if err := net.CheckAddress(ip); err != nil {
				return err
			}
		}
		if len(n.Aliases) > 0 && hc.NetworkMode == DefaultMode {
			return errors.New("network-scoped alias is supported only for containers in user defined networks")
		}
		nc.Networks = map[string]record.EndpointSettings{hc.NetworkMode: ep}
	}
	if !ownsNetNS(mode) && (n.IP != "" || len(n.Aliases) > 0) {
		return errors.New("conflicting options: --ip and --network-alias need a bridge or user network")
	}
	for _, p := range n.Publish {
		ms, err := portmap.Parse(p)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"-p, --publish\" flag: %w", p, err)
		}
		if hc.PortBindings == nil {
			hc.PortBindings = map[string][]record.PortBinding{}
		}
		for _, m := range ms {
			key := fmt.Sprintf("%d/%s", m.ContainerPort, m.Protocol)
			b := record.PortBinding{HostPort: ""}
			if m.HostIP.IsValid() {
				b.HostIP = m.HostIP.String()
			}
			if m.HostPort != 0 {
				b.HostPort = fmt.Sprint(m.HostPort)
				if m.HostPortEnd != 0 {
					b.HostPort += fmt.Sprintf("-%d", m.HostPortEnd)
				}
			}
			hc.PortBindings[key] = append(hc.PortBindings[key], b)
		}
	}
	hc.NetworkConfig = nc
	return nil
}

// requestedPorts turns the record's port bindings (and -P's exposed ports)
// back into mappings for network.Attach.
func requestedPorts(c *record.Container) ([]portmap.Mapping, error) {
	var out []portmap.Mapping
	keys := make([]string, 0, len(c.HostConfig.PortBindings))
	for k := range c.HostConfig.PortBindings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bound := map[string]bool{}
	for _, k := range keys {
		port, proto, _ := strings.Cut(k, "/")
		bound[k] = true
		for _, b := range c.HostConfig.PortBindings[k] {
			spec := port + "/" + proto
			if b.HostIP != "" || b.HostPort != "" {
				spec = b.HostIP + ":" + b.HostPort + ":" + spec
				if b.HostIP == "" {
					spec = b.HostPort + ":" + port + "/" + proto
				}
			}
			ms, err := portmap.Parse(spec)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
	}
	if c.HostConfig.PublishAllPorts {
		var exposed []string
		for p := range c.Config.ExposedPorts {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			if !bound[p] {
				exposed = append(exposed, p)
			}
		}
		sort.Strings(exposed)
		for _, p := range exposed {
			ms, err := portmap.Parse(p)
			if err != nil {
				return nil, fmt.Errorf("exposed port %s of the image: %w", p, err)
			}
			out = append(out, ms...)
		}
	}
	return out, nil
}

// joinedNetworks lists the networks a container joins at start, its mode's
// first.
func joinedNetworks(c *record.Container) []string {
	var names []string
	for n := range c.HostConfig.Networks {
		if n != c.HostConfig.NetworkMode {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if _, ok := c.HostConfig.Networks[c.HostConfig.NetworkMode]; ok {
		names = append([]string{c.HostConfig.NetworkMode}, names...)
	}
	return names
}

// NetNSPath is where a container's namespace is pinned.
func (s *Setup) NetNSPath(id string) string {
	return filepath.Join(s.networks().NetNSDir(), id)
}

// SetUp gives a starting container its network namespace, wired to
// its networks, and writes its /etc files. On error nothing is left.
func (s *Setup) SetUp(ctx context.Context, c *record.Container) (err error) {
	// The marker keeps a concurrent repair off this container until its
	// monitor records it running.
	if f, ferr := os.OpenFile(s.setupMarker(c.ID), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); ferr == nil {
		f.Close()
	}
	s.RepairSoon(ctx)
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return s.writeEtcFiles(c, nil)
	}
	nets := s.networks()
	path := s.NetNSPath(c.ID)
	if _, serr := os.Lstat(path); serr == nil {
		// Left by a run whose monitor was killed: start afresh.
		if err := s.TearDown(c); err != nil {
			return err
		}
	}
	s.mark("network: repair")
	if path, err = netns.Create(nets.NetNSDir(), c.ID); err != nil {
		return err
	}
	s.mark("network: netns")
	defer func() {
		if err != nil {
			if terr := s.TearDown(c); terr != nil {
				err = errors.Join(err, fmt.Errorf("tear down the network of container %s: %w", c.Name, terr))
			}
		}
	}()
	if rootless.Active() && c.HostConfig.NetworkMode == DefaultMode {
		return s.rootlessNetwork(c, path)
	}
	ports, err := requestedPorts(c)
	if err != nil {
		return err
	}
	var ips []netip.Addr
	user := false
	for i, name := range joinedNetworks(c) {
		set := c.HostConfig.Networks[name]
		opts := network.AttachOptions{Network: name, Name: c.Name, Aliases: set.Aliases, Hostname: c.Config.Hostname}
		if set.IP != "" {
			opts.IP, _ = netip.ParseAddr(set.IP)
		}
		if i == 0 {
			opts.MAC = c.HostConfig.MacAddress
		}
		// Rootless, the user's namespace has no host port to DNAT:
		// the forwarder publishes them (rootlessPublish).
		if i == 0 && !rootless.Active() {
			opts.Ports = ports
			opts.PortsHolder, opts.PortsHolderStart = s.portsHolder()
		}
		ep, err := nets.Attach(ctx, path, c.ID, opts)
		if err != nil {
			return portError(c, err)
		}
		if err := s.holdOwnPorts(c, ep); err != nil {
			return err
		}
		ips = append(ips, ep.IP)
		// The responder serves user networks' names and holds the
		// published ports this process does not (ports.go).
		user = user || ep.NetworkName != network.DefaultName || responder.Holds(ep)
	}
	s.mark("network: attach")
	if rootless.Active() && len(ips) > 0 {
		if err := s.rootlessPublish(c, path, ips[0], ports); err != nil {
			return err
		}
	}
	if err := s.writeEtcFiles(c, ips); err != nil {
		return err
	}
	s.mark("network: /etc files")
	if user {
		err := portError(c, s.syncDNS(c.ID))
		s.mark("network: responder")
		return err
	}
	return nil
}

// portError gives a taken port Docker's wording, without the attach
// step's container ID.
func portError(c *record.Container, err error) error {
	if !errors.Is(err, portmap.ErrPortInUse) {
		return err
	}
	msg := err.Error()
	if i := strings.Index(msg, "publish "); i >= 0 {
		msg = msg[i:]
	}
	return fmt.Errorf("driver failed programming external connectivity on endpoint %s: %s", c.Name, msg)
}

// TearDown detaches a container from every network and unpins its
// namespace. It is idempotent: the monitor's exit path and rm both call it.
func (s *Setup) TearDown(c *record.Container) error {
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return nil
	}
	var errs []error
	if rootless.Active() { // its slirp4netns or its forwarder
		errs = append(errs, rootless.StopNetwork(s.RunRoot, c.ID))
		if !onUserNetwork(c) { // nothing in the network store: spare it a look
			return errors.Join(append(errs, netns.Remove(s.NetNSPath(c.ID)))...)
		}
	}
	nets := s.networks()
	path := s.NetNSPath(c.ID)
	eps, err := nets.Endpoints(c.ID)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if len(eps) == 0 {
		if _, serr := os.Lstat(path); serr != nil {
			return errors.Join(errs...)
		}
	}
	// Unpinned first, the namespace takes the veths with it (network's
	// undo), sparing a synchronous veth deletion.
	errs = append(errs, netns.Remove(path), nets.DetachAll(context.Background(), c.ID))
	s.releaseOwnPorts()
	s.mark("network: detach")
	for _, ep := range eps {
		if ep.NetworkName != network.DefaultName || responder.Holds(ep) {
			errs = append(errs, s.syncDNS(""))
			break
		}
	}
	return errors.Join(errs...)
}

// onUserNetwork says whether a container's record joins a user network.
func onUserNetwork(c *record.Container) bool {
	for name := range c.HostConfig.Networks {
		if name != DefaultMode {
			return true
		}
	}
	return false
}

// SharedNetNS is the namespace path of a running container whose network
// another joins (--network container:ID).
func (s *Setup) SharedNetNS(ref string) (string, error) {
	other, err := s.get(ref)
	if err != nil {
		return "", fmt.Errorf("joining network of container %s: %w", ref, err)
	}
	if !other.Running() {
		return "", fmt.Errorf("cannot join network of a non running container: %s", other.ID)
	}
	switch mode := other.HostConfig.NetworkMode; {
	case mode == "host":
		return "", fmt.Errorf("cannot join network of container %s: it uses the host's network (use --network host)", other.Name)
	case ownsNetNS(mode) && netns.IsNetNS(s.NetNSPath(other.ID)):
		return s.NetNSPath(other.ID), nil
	case strings.HasPrefix(mode, "container:"):
		return s.SharedNetNS(strings.TrimPrefix(mode, "container:"))
	}
	return fmt.Sprintf("/proc/%d/ns/net", other.State.Pid), nil
}

// checkIP6 refuses --ip6: the network package allocates and routes IPv4
// only (network create --ipv6 is refused too), so no network could take an
// IPv6 address. A malformed one gets Docker's message.
func checkIP6(ip6 string) error {
	if ip6 == "" {
		return nil
	}
	if a, err := netip.ParseAddr(ip6); err != nil || !a.Is6() || a.Is4In6() {
		return fmt.Errorf("invalid IPv6 address: %s", ip6)
	}
	return fmt.Errorf("--ip6 %s is not supported: berth's networks are IPv4 only", ip6)
}
