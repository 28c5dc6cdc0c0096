package netsetup

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/network"
)

// ConnectOptions are `network connect`'s flags.
type ConnectOptions struct {
	IP      string
	Aliases []string
}

// containerAndNetwork looks up both sides of a connect or disconnect, once
// the networks have been judged after a crash.
func (s *Setup) containerAndNetwork(ctx context.Context, ref, netRef string) (*record.Container, network.Network, error) {
	s.RepairSoon(ctx)
	c, err := s.get(ref)
	if err != nil {
		return nil, network.Network{}, err
	}
	n, _, err := s.networks().Inspect(netRef)
	if err != nil {
		return nil, network.Network{}, err
	}
	return c, n, nil
}

// Connect joins a container to a network: recorded for its next starts,
// and attached now if it runs.
func (s *Setup) Connect(ctx context.Context, netRef, ref string, o ConnectOptions) error {
	if isRootlessBridge(netRef) {
		return errNoRootlessBridgeChange
	}
	c, n, err := s.containerAndNetwork(ctx, ref, netRef)
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
	set := record.EndpointSettings(o)
	var ip netip.Addr
	if o.IP != "" {
		if ip, err = netip.ParseAddr(o.IP); err != nil {
			return fmt.Errorf("invalid IPv4 address: %s", o.IP)
		}
		if err := n.CheckAddress(ip); err != nil {
			return err
		}
	}
	if c.Running() {
		ep, err := s.networks().Attach(ctx, s.NetNSPath(c.ID), c.ID, network.AttachOptions{
			Network: n.ID, Name: c.Name, IP: ip, Aliases: o.Aliases, Hostname: c.Config.Hostname})
		if err != nil {
			return err
		}
		s.appendHosts(c, ep.IP)
		if n.Name != network.DefaultName {
			if err := s.syncDNS(c.ID); err != nil {
				return err
			}
		}
	}
	_, err = s.Records.Modify(c.ID, func(r *record.Container) error {
		if r.HostConfig.Networks == nil {
			r.HostConfig.Networks = map[string]record.EndpointSettings{}
		}
		r.HostConfig.Networks[n.Name] = set
		return nil
	})
	return err
}

// appendHosts adds a newly connected address to a running container's
// /etc/hosts, in place (the file is bind-mounted: a rename would not show).
func (s *Setup) appendHosts(c *record.Container, ip netip.Addr) {
	f, err := os.OpenFile(filepath.Join(s.ContainerDir(c.ID), "hosts"), os.O_WRONLY|os.O_APPEND, 0)
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
func (s *Setup) Disconnect(ctx context.Context, netRef, ref string, force bool) error {
	if isRootlessBridge(netRef) {
		return errNoRootlessBridgeChange
	}
	c, n, err := s.containerAndNetwork(ctx, ref, netRef)
	if err != nil {
		return err
	}
	if _, ok := c.HostConfig.Networks[n.Name]; !ok && !force {
		return fmt.Errorf("container %s is not connected to network %s", c.ID, n.Name)
	}
	if err := s.networks().Detach(ctx, c.ID, n.ID); err != nil {
		return err
	}
	// Always: the default network's endpoint may have held ports.
	if err := s.syncDNS(""); err != nil {
		return err
	}
	_, err = s.Records.Modify(c.ID, func(r *record.Container) error {
		delete(r.HostConfig.Networks, n.Name)
		return nil
	})
	return err
}

// Containers names the containers of a network's endpoints, for
// `network inspect`.
func (s *Setup) Containers(eps []network.Endpoint) map[string]string {
	out := map[string]string{}
	for _, ep := range eps {
		if c, err := s.Records.Get(ep.ContainerID); err == nil {
			out[ep.ContainerID] = c.Name
		}
	}
	return out
}
