package netsetup

import (
	"errors"
	"net/netip"

	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/rootless"
)

// A rootless user's default network is no bridge record: each container
// on it gets a slirp4netns of its own (rootless.StartNetwork), 10.0.2.100
// on 10.0.2.0/24 behind slirp's 10.0.2.2. It is still the network Docker
// names "bridge", listed, inspected and refused removal as root's is, so
// that scripts written for docker work unchanged: Docker rootless lists
// its bridge (real, inside rootlesskit's namespace), podman its "podman"
// network. As on Docker's default bridge, containers on it do not resolve
// each other by name (each is alone on its slirp4netns, as unreachable to
// the others as to the host); user networks do.

// slirpGateway is slirp4netns's gateway on SlirpNet (--configure's).
var slirpGateway = netip.AddrFrom4([4]byte{10, 0, 2, 2})

// rootlessBridge is the record-less bridge network of a rootless user.
func rootlessBridge() network.Network {
	return network.Network{Name: DefaultMode, ID: network.PredefinedID(DefaultMode), Driver: "bridge",
		Subnet: rootless.SlirpNet, Gateway: slirpGateway}
}

// Predefined are the networks listed that are not records: host and none,
// and rootless, the default bridge too.
func (s *Setup) Predefined() []network.Network {
	ps := network.Predefined()
	if rootless.Active() {
		ps = append([]network.Network{rootlessBridge()}, ps...)
	}
	return ps
}

// LookupPredefined finds one of Predefined by name or ID prefix, with the
// endpoints of the containers running on it (rootless bridge's only).
func (s *Setup) LookupPredefined(ref string) (network.Network, []network.Endpoint, bool) {
	n, ok := network.Lookup(s.Predefined(), ref)
	if !ok || n.Name != DefaultMode {
		return n, nil, ok
	}
	cs, err := s.Records.List()
	if err != nil {
		return n, nil, true // the network is there; only its list is not
	}
	var eps []network.Endpoint
	for _, c := range cs {
		c.Refresh()
		if c.HostConfig.NetworkMode == DefaultMode && c.Running() {
			eps = append(eps, slirpEndpoint(c.ID, c.Name))
		}
	}
	return n, eps, true
}

// slirpEndpoint is a rootless container's place on its slirp4netns.
func slirpEndpoint(id, name string) network.Endpoint {
	return network.Endpoint{Network: network.PredefinedID(DefaultMode), NetworkName: DefaultMode, ContainerID: id,
		Name: name, IP: rootless.SlirpAddr, Prefix: rootless.SlirpNet.Bits(), Gateway: slirpGateway}
}

// errNoRootlessBridgeChange: a container's slirp4netns is made at its
// start, for its whole life, and another network's cannot be added later.
var errNoRootlessBridgeChange = errors.New("rootless berth: the default network (bridge, a slirp4netns per container) is joined only at create or run (--network bridge), not by network connect or disconnect")

// isRootlessBridge says whether a network reference is the rootless
// default network, which only run and create can join.
func isRootlessBridge(ref string) bool {
	if !rootless.Active() {
		return false
	}
	n, ok := network.Lookup([]network.Network{rootlessBridge()}, ref)
	return ok && n.Name == DefaultMode
}
