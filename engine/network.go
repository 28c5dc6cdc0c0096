package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
//	start    prepare -> setUpNetwork: a netns pinned at <runroot>/netns/<id>,
//	         network.Attach for each network (veth, lease, DNAT), the /etc
//	         files written, the DNS responder told; buildSpec joins the netns
//	         by path (netNSPath) and binds the files (addEtcMounts), so the
//	         container's first instruction already has its network
//	restart  the netns and its endpoints stay (the monitor's restart loop
//	         does not prepare again)
//	exit     the monitor's final exit path -> tearDownNetwork: DetachAll,
//	         the netns unpinned, the responder told; rm does the same
//	crash    a killed CLI or monitor leaves endpoints of a container that does
//	         not run: repairNetwork, from ps, run, create, rm and the network
//	         commands (at most once per repairInterval), undoes them
//
// The network modes: "bridge" and user network names (a netns of berth's),
// "none" and "host" (the runtime makes a netns, or none), "container:ID"
// (the other container's netns, by its pinned path or /proc/PID/ns/net).

// DefaultNetworkMode is the network of a container created without
// --network, as Docker's.
const DefaultNetworkMode = network.DefaultName

// ownsNetNS reports whether a network mode gives the container a namespace
// pinned by berth: bridge and user networks.
func ownsNetNS(mode string) bool {
	return mode != "none" && mode != "host" && !strings.HasPrefix(mode, "container:")
}

// Networks returns the network store of the engine's root. The engine at
// the default root uses the default host names (table "berth", bridge
// "berth0"); any other root gets names of its own, derived from the root,
// so that two roots (tests, a second engine) never share a bridge or table.
func (e *Engine) Networks() *network.Store {
	opts := network.Options{Root: e.root, RunRoot: e.runroot}
	if filepath.Clean(e.root) != "/var/lib/berth" {
		sum := sha256.Sum256([]byte(filepath.Clean(e.root)))
		h := hex.EncodeToString(sum[:])[:8]
		opts.Table, opts.DefaultBridge = "berth_"+h, "berth"+h
	}
	// Tests that never need forwarding leave the host's sysctl alone.
	opts.SkipIPForward = os.Getenv("BERTH_SKIP_IP_FORWARD") == "1"
	return network.New(opts)
}

// networkConfig checks create's network flags and records them.
func (ops *Network) config(o CreateOptions, hc *HostConfig) error {
	if hc.NetworkMode == "" || hc.NetworkMode == "default" {
		hc.NetworkMode = DefaultNetworkMode
	}
	mode := hc.NetworkMode
	n := o.NetworkOptions
	nc := NetworkConfig{ExtraHosts: n.AddHosts, DNS: n.DNS, DNSSearch: n.DNSSearch, DNSOptions: n.DNSOptions,
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
	published := len(n.Publish) > 0 || n.PublishAll
	switch {
	case strings.HasPrefix(mode, "container:"):
		ref := strings.TrimPrefix(mode, "container:")
		other, err := ops.e.db.get(ref)
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
		net, _, err := ops.e.Networks().Inspect(mode)
		if err != nil && !(errors.Is(err, network.ErrNotFound) && mode == DefaultNetworkMode) {
			if errors.Is(err, network.ErrNotFound) {
				return fmt.Errorf("network %s not found", mode)
			}
			return err
		}
		if err == nil {
			hc.NetworkMode = net.Name
		}
		ep := EndpointSettings{IP: n.IP, Aliases: n.Aliases}
		if n.IP != "" {
			if _, err := netip.ParseAddr(n.IP); err != nil {
				return fmt.Errorf("invalid IPv4 address: %s", n.IP)
			}
			if hc.NetworkMode == DefaultNetworkMode {
				return errors.New("user specified IP address is supported on user defined networks only")
			}
		}
		if len(n.Aliases) > 0 && hc.NetworkMode == DefaultNetworkMode {
			return errors.New("network-scoped alias is supported only for containers in user defined networks")
		}
		nc.Networks = map[string]EndpointSettings{hc.NetworkMode: ep}
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
			hc.PortBindings = map[string][]PortBinding{}
		}
		for _, m := range ms {
			key := fmt.Sprintf("%d/%s", m.ContainerPort, m.Protocol)
			b := PortBinding{HostPort: ""}
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
func requestedPorts(c *Container) ([]portmap.Mapping, error) {
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
func joinedNetworks(c *Container) []string {
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

func (ops *Network) netnsPath(id string) string {
	return filepath.Join(ops.e.Networks().NetNSDir(), id)
}

// setUpNetwork gives a starting container its network namespace, wired to
// its networks, and writes its /etc files. On error nothing is left.
func (ops *Network) setUp(ctx context.Context, c *Container) (err error) {
	// The marker keeps a concurrent repair off this container until its
	// monitor records it running.
	if f, ferr := os.OpenFile(ops.setupMarker(c.ID), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); ferr == nil {
		f.Close()
	}
	ops.RepairSoon(ctx)
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return ops.writeEtcFiles(c, nil)
	}
	s := ops.e.Networks()
	path := ops.netnsPath(c.ID)
	if _, serr := os.Lstat(path); serr == nil {
		// Left by a run whose monitor was killed: start afresh.
		if err := ops.tearDown(c); err != nil {
			return err
		}
	}
	ops.e.ph.mark("network: repair")
	if path, err = netns.Create(s.NetNSDir(), c.ID); err != nil {
		return err
	}
	ops.e.ph.mark("network: netns")
	defer func() {
		if err != nil {
			if terr := ops.tearDown(c); terr != nil {
				err = errors.Join(err, fmt.Errorf("tear down the network of container %s: %w", c.Name, terr))
			}
		}
	}()
	if rootless.Active() {
		return ops.rootlessNetwork(c, path)
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
			opts.Ports = ports
			opts.PortsHolder, opts.PortsHolderStart = ops.portsHolder()
		}
		ep, err := s.Attach(ctx, path, c.ID, opts)
		if err != nil {
			return portError(c, err)
		}
		if err := ops.holdOwnPorts(c, ep); err != nil {
			return err
		}
		ips = append(ips, ep.IP)
		// The responder serves user networks' names and holds the
		// published ports this process does not (network_ports.go).
		user = user || ep.NetworkName != network.DefaultName || responder.Holds(ep)
	}
	ops.e.ph.mark("network: attach")
	if err := ops.writeEtcFiles(c, ips); err != nil {
		return err
	}
	ops.e.ph.mark("network: /etc files")
	if user {
		err := portError(c, ops.syncDNS(c.ID))
		ops.e.ph.mark("network: responder")
		return err
	}
	return nil
}

// portError gives a taken port Docker's wording, without the attach
// step's container ID.
func portError(c *Container, err error) error {
	if !errors.Is(err, portmap.ErrPortInUse) {
		return err
	}
	msg := err.Error()
	if i := strings.Index(msg, "publish "); i >= 0 {
		msg = msg[i:]
	}
	return fmt.Errorf("driver failed programming external connectivity on endpoint %s: %s", c.Name, msg)
}

// tearDownNetwork detaches a container from every network and unpins its
// namespace. It is idempotent: the monitor's exit path and rm both call it.
func (ops *Network) tearDown(c *Container) error {
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return nil
	}
	if rootless.Active() { // pasta's, not the host's bridge
		return errors.Join(netns.Remove(ops.netnsPath(c.ID)), rootless.StopPasta(ops.e.runroot, c.ID))
	}
	s := ops.e.Networks()
	path := ops.netnsPath(c.ID)
	eps, err := s.Endpoints(c.ID)
	if err != nil {
		return err
	}
	if len(eps) == 0 {
		if _, serr := os.Lstat(path); serr != nil {
			return nil
		}
	}
	// Unpinned first, the namespace takes the veths with it (network's
	// undo), sparing a synchronous veth deletion.
	errs := []error{netns.Remove(path), s.DetachAll(context.Background(), c.ID)}
	ops.releaseOwnPorts()
	ops.e.ph.mark("network: detach")
	for _, ep := range eps {
		if ep.NetworkName != network.DefaultName || responder.Holds(ep) {
			errs = append(errs, ops.syncDNS(""))
			break
		}
	}
	return errors.Join(errs...)
}

// sharedNetNS is the namespace path of a running container whose network
// another joins (--network container:ID).
func (ops *Network) sharedNetNS(ref string) (string, error) {
	other, err := ops.e.Get(ref)
	if err != nil {
		return "", fmt.Errorf("joining network of container %s: %w", ref, err)
	}
	if !other.Running() {
		return "", fmt.Errorf("cannot join network of a non running container: %s", other.ID)
	}
	switch mode := other.HostConfig.NetworkMode; {
	case mode == "host":
		return "", fmt.Errorf("cannot join network of container %s: it uses the host's network (use --network host)", other.Name)
	case ownsNetNS(mode) && netns.IsNetNS(ops.netnsPath(other.ID)):
		return ops.netnsPath(other.ID), nil
	case strings.HasPrefix(mode, "container:"):
		return ops.sharedNetNS(strings.TrimPrefix(mode, "container:"))
	}
	return fmt.Sprintf("/proc/%d/ns/net", other.State.Pid), nil
}
