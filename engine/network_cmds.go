package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/network"
)

// repairInterval spaces out crash repairs: each costs a database read, a
// link dump and an nft listing, too much for every command.
const repairInterval = 10 * time.Second

// setupGrace is how long a container being started keeps its namespace
// and endpoints before it is recorded as running.
const setupGrace = time.Minute

func (ops *Network) setupMarker(id string) string {
	return filepath.Join(ops.e.dirs.runDir(id), "network-setup")
}

// RepairNetworksSoon undoes what killed berth processes left (network.Repair):
// endpoints and namespaces of containers that are gone or no longer run,
// at most once per repairInterval. Errors are only logged: a repair must
// never fail the command that happened to run it.
func (ops *Network) RepairSoon(ctx context.Context) {
	stamp := filepath.Join(ops.e.runroot, "network-repair")
	if st, err := os.Stat(stamp); err == nil && time.Since(st.ModTime()) < repairInterval {
		return
	}
	if _, err := os.Stat(ops.e.Networks().NetNSDir()); err != nil {
		return // no container ever had a network here
	}
	now := time.Now()
	if f, err := os.OpenFile(stamp, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		f.Close()
		if err := os.Chtimes(stamp, now, now); err != nil {
			slog.Debug("network repair: touch the stamp", "path", stamp, "error", err)
		}
	}
	if _, err := ops.Repair(ctx); err != nil {
		slog.Warn("network repair", "error", err)
	}
}

// RepairNetworks runs network.Repair now, keeping the network of every
// container that runs or is being started.
func (ops *Network) Repair(ctx context.Context) (network.Repaired, error) {
	list, err := ops.e.db.list()
	if err != nil {
		return network.Repaired{}, err
	}
	// A container is judged when repair meets its leftovers, not when the
	// records were listed: a concurrent `run` may add its record, marker,
	// namespace and endpoints in between.
	live := map[string]bool{}
	started := map[string]time.Time{}
	for _, c := range list {
		c.Refresh()
		if c.Running() || c.State.Status == StatusRestarting || proc.Alive(c.State.MonitorPid, c.State.MonitorStart) {
			live[c.ID] = true
		}
		started[c.ID] = c.State.StartedAt
	}
	// Being started: network set-up began lately (its marker is written
	// before the namespace and endpoints) and no start was recorded since;
	// a recorded start hands protection to the checks above.
	exists := func(id string) bool { return live[id] || ops.settingUp(id, started[id]) }
	r, err := ops.e.Networks().Repair(ctx, exists)
	if !r.Empty() {
		slog.Info("network repair", "endpoints", r.Endpoints, "veths", r.Veths, "ports", r.Ports, "netns", r.NetNS)
	}
	if !r.Empty() || err == nil {
		err = errors.Join(err, ops.syncDNS(""))
	}
	return r, err
}

// settingUp says whether container id began network set-up lately and has
// not been recorded as started since.
func (ops *Network) settingUp(id string, startedAt time.Time) bool {
	st, err := os.Stat(ops.setupMarker(id))
	return err == nil && time.Since(st.ModTime()) < setupGrace && startedAt.Before(st.ModTime())
}

// ConnectOptions are `network connect`'s flags.
type ConnectOptions struct {
	IP      string
	Aliases []string
}

// containerAndNetwork looks up both sides of a connect or disconnect, once
// the networks have been judged after a crash.
func (ops *Network) containerAndNetwork(ctx context.Context, ref, netRef string) (*Container, network.Network, error) {
	ops.RepairSoon(ctx)
	c, err := ops.e.Get(ref)
	if err != nil {
		return nil, network.Network{}, err
	}
	n, _, err := ops.e.Networks().Inspect(netRef)
	if err != nil {
		return nil, network.Network{}, err
	}
	return c, n, nil
}

// Connect joins a container to a network: recorded for its next starts,
// and attached now if it runs.
func (ops *Network) Connect(ctx context.Context, netRef, ref string, o ConnectOptions) error {
	c, n, err := ops.containerAndNetwork(ctx, ref, netRef)
	if err != nil {
		return err
	}
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return fmt.Errorf("container sharing network namespace with another container or host cannot be connected to any other network")
	}
	if _, ok := c.HostConfig.Networks[n.Name]; ok {
		return fmt.Errorf("endpoint with name %s already exists in network %s", c.Name, n.Name)
	}
	if err := options.ValidateAliases(o.Aliases); err != nil {
		return err
	}
	set := EndpointSettings(o)
	var ip netip.Addr
	if o.IP != "" {
		if ip, err = netip.ParseAddr(o.IP); err != nil {
			return fmt.Errorf("invalid IPv4 address: %s", o.IP)
		}
	}
	if c.Running() {
		ep, err := ops.e.Networks().Attach(ctx, ops.netnsPath(c.ID), c.ID, network.AttachOptions{
			Network: n.ID, Name: c.Name, IP: ip, Aliases: o.Aliases, Hostname: c.Config.Hostname})
		if err != nil {
			return err
		}
		ops.appendHosts(c, ep.IP)
		if n.Name != network.DefaultName {
			if err := ops.syncDNS(c.ID); err != nil {
				return err
			}
		}
	}
	_, err = ops.e.db.modify(c.ID, func(r *Container) error {
		if r.HostConfig.Networks == nil {
			r.HostConfig.Networks = map[string]EndpointSettings{}
		}
		r.HostConfig.Networks[n.Name] = set
		return nil
	})
	return err
}

// appendHosts adds a newly connected address to a running container's
// /etc/hosts, in place (the file is bind-mounted: a rename would not show).
func (ops *Network) appendHosts(c *Container, ip netip.Addr) {
	f, err := os.OpenFile(filepath.Join(ops.e.dirs.containerDir(c.ID), "hosts"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	// The connect is done; only name lookups through /etc/hosts miss it.
	if _, err := fmt.Fprintf(f, "%s\t%s\n", ip, c.Config.Hostname); err != nil {
		slog.Warn("network connect: append to /etc/hosts", "id", c.ID, "error", err)
	}
}

// Disconnect removes a container from a network, now and for later starts.
func (ops *Network) Disconnect(ctx context.Context, netRef, ref string, force bool) error {
	c, n, err := ops.containerAndNetwork(ctx, ref, netRef)
	if err != nil {
		return err
	}
	if _, ok := c.HostConfig.Networks[n.Name]; !ok && !force {
		return fmt.Errorf("container %s is not connected to network %s", c.ID, n.Name)
	}
	if err := ops.e.Networks().Detach(ctx, c.ID, n.ID); err != nil {
		return err
	}
	// Always: the default network's endpoint may have held ports.
	if err := ops.syncDNS(""); err != nil {
		return err
	}
	_, err = ops.e.db.modify(c.ID, func(r *Container) error {
		delete(r.HostConfig.Networks, n.Name)
		return nil
	})
	return err
}

// NetworkContainers names the containers of a network's endpoints, for
// `network inspect`.
func (ops *Network) Containers(eps []network.Endpoint) map[string]string {
	out := map[string]string{}
	for _, ep := range eps {
		if c, err := ops.e.db.get(ep.ContainerID); err == nil {
			out[ep.ContainerID] = c.Name
		}
	}
	return out
}

// containerNetworks is NetworkSettings of inspect: live endpoints of a
// running container, the recorded networks of a stopped one.
func (ops *Network) containerNetworks(c *Container) NetworkSettings {
	ns := NetworkSettings{Networks: map[string]map[string]any{}, Ports: map[string]any{}}
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		ns.Networks[c.HostConfig.NetworkMode] = map[string]any{}
		return ns
	}
	var eps []network.Endpoint
	if c.Running() {
		eps, _ = ops.e.Networks().Endpoints(c.ID)
	}
	for name := range c.HostConfig.Networks {
		ns.Networks[name] = map[string]any{}
	}
	for _, ep := range eps {
		ns.Networks[ep.NetworkName] = map[string]any{
			"NetworkID": ep.Network, "EndpointID": ep.HostVeth, "Gateway": addrString(ep.Gateway),
			"IPAddress": ep.IP.String(), "IPPrefixLen": ep.Prefix, "MacAddress": ep.MAC,
		}
		if ns.IPAddress == "" {
			ns.IPAddress, ns.Gateway, ns.MacAddress = ep.IP.String(), addrString(ep.Gateway), ep.MAC
			ns.IPPrefixLen = ep.Prefix
		}
		for _, m := range ep.Ports {
			key := fmt.Sprintf("%d/%s", m.ContainerPort, m.Protocol)
			ip := "0.0.0.0"
			if m.HostIP.IsValid() {
				ip = m.HostIP.String()
			}
			b, _ := ns.Ports[key].([]PortBinding)
			ns.Ports[key] = append(b, PortBinding{HostIP: ip, HostPort: fmt.Sprint(m.HostPort)})
		}
	}
	for p := range c.Config.ExposedPorts {
		if _, ok := ns.Ports[p]; !ok {
			ns.Ports[p] = nil
		}
	}
	return ns
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// publishedPorts are a running container's ports as published (host ports
// picked), "80/tcp" -> bindings; none for a stopped one, as Docker's.
func (ops *Network) publishedPorts(c *Container) map[string][]PortBinding {
	out := map[string][]PortBinding{}
	if !c.Running() || !ownsNetNS(c.HostConfig.NetworkMode) {
		return out
	}
	eps, _ := ops.e.Networks().Endpoints(c.ID)
	for _, ep := range eps {
		for _, m := range ep.Ports {
			key := fmt.Sprintf("%d/%s", m.ContainerPort, m.Protocol)
			ip := "0.0.0.0"
			if m.HostIP.IsValid() {
				ip = m.HostIP.String()
			}
			out[key] = append(out[key], PortBinding{HostIP: ip, HostPort: fmt.Sprint(m.HostPort)})
		}
	}
	return out
}

// PortsColumn is ps's PORTS: "127.0.0.1:8080->80/tcp, 53/udp".
func (ops *Network) PortsColumn(c *Container) string {
	var parts []string
	for key, bs := range ops.publishedPorts(c) {
		for _, b := range bs {
			parts = append(parts, b.HostIP+":"+b.HostPort+"->"+key)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// NetworksColumn is ps's NETWORKS: the mode, or the networks joined.
func NetworksColumn(c *Container) string {
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return c.HostConfig.NetworkMode
	}
	return strings.Join(joinedNetworks(c), ",")
}
