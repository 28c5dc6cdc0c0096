package engine

import (
	"context"

	"github.com/berth-containers/berth/engine/netsetup"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/responder"
)

// A container's network (namespace, endpoints, /etc files, published
// ports) is engine/netsetup's; these are the engine's doors to it, under
// the names cmd/berth and the API call (the Network group) and those the
// engine's create, start and exit steps call.

// DefaultNetworkMode is the network of a container created without
// --network, as Docker's.
const DefaultNetworkMode = netsetup.DefaultMode

// ConnectOptions are `network connect`'s flags.
type ConnectOptions = netsetup.ConnectOptions

// Store is the network store of the engine's root.
func (ops *Network) Store() *network.Store { return netsetup.Networks(ops.e.c.Root, ops.e.c.Runroot) }

// RepairSoon undoes what killed berth processes left, at most once per
// interval (netsetup.Setup.RepairSoon).
func (ops *Network) RepairSoon(ctx context.Context) { ops.e.c.Net.RepairSoon(ctx) }

// Repair undoes what killed berth processes left, now.
func (ops *Network) Repair(ctx context.Context) (network.Repaired, error) {
	return ops.e.c.Net.Repair(ctx)
}

// Connect joins a container to a network: recorded for its next starts,
// and attached now if it runs.
func (ops *Network) Connect(ctx context.Context, netRef, ref string, o ConnectOptions) error {
	return ops.e.c.Net.Connect(ctx, netRef, ref, o)
}

// Disconnect removes a container from a network, now and for later starts.
func (ops *Network) Disconnect(ctx context.Context, netRef, ref string, force bool) error {
	return ops.e.c.Net.Disconnect(ctx, netRef, ref, force)
}

// Predefined are the networks listed that are not records: host, none
// and, rootless, bridge (netsetup.Setup.Predefined).
func (ops *Network) Predefined() []network.Network { return ops.e.c.Net.Predefined() }

// LookupPredefined finds one of Predefined by name or ID prefix, with the
// endpoints of the containers on it.
func (ops *Network) LookupPredefined(ref string) (network.Network, []network.Endpoint, bool) {
	return ops.e.c.Net.LookupPredefined(ref)
}

// Containers names the containers of a network's endpoints, for
// `network inspect`.
func (ops *Network) Containers(eps []network.Endpoint) map[string]string {
	return ops.e.c.Net.Containers(eps)
}

// PortsColumn is ps's PORTS: "127.0.0.1:8080->80/tcp, 53/udp".
func (ops *Network) PortsColumn(c *record.Container) string { return ops.e.c.Net.PortsColumn(c) }

// Ports lists a container's published ports, all of them or those of one
// private port ("80" means 80/tcp), sorted as Docker's.
func (ops *Network) Ports(ref, private string) ([]record.PortMapping, error) {
	return ops.e.c.Net.Ports(ref, private)
}

// NetworksColumn is ps's NETWORKS: the mode, or the networks joined.
func NetworksColumn(c *record.Container) string { return netsetup.NetworksColumn(c) }

func (ops *Network) tearDown(c *record.Container) error { return ops.e.c.Net.TearDown(c) }

// containerNetworks is inspect's NetworkSettings.
func (ops *Network) containerNetworks(c *record.Container) NetworkSettings {
	return NetworkSettings(ops.e.c.Net.Settings(c))
}

// DNSEnv marks the responder process, so main routes it before flags.
const DNSEnv = responder.Env

// DNSMain is the responder's whole life (network/responder); it returns
// its exit code.
func DNSMain(args []string) int {
	return responder.Main(args, netsetup.Networks)
}
