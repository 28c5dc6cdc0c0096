package netsetup

import (
	"net/netip"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/network/portmap"
	"github.com/berth-containers/berth/rootless"
)

// rootlessNetwork wires a rootless container of the default network to
// the host with a slirp4netns of its own and berth's port forwarder
// (rootless/network.go says why): the host's bridge and nft table are
// root's. The container resolves names through slirp4netns's DNS unless
// --dns says otherwise. User networks are attached as root's are, in the
// user's namespace (usernet.go).
func (s *Setup) rootlessNetwork(c *record.Container, path string) error {
	maps, err := requestedPorts(c)
	if err != nil {
		return err
	}
	if err := rootless.StartNetwork(s.RunRoot, c.ID, path, rootlessPorts(maps)); err != nil {
		return err
	}
	s.mark("network: slirp4netns, ports")
	etc := *c
	if len(etc.HostConfig.DNS) == 0 {
		etc.HostConfig.DNS = []string{rootless.SlirpDNS}
	}
	err = s.writeEtcFiles(&etc, []netip.Addr{rootless.SlirpAddr})
	s.mark("network: /etc files")
	return err
}

// rootlessPublish publishes a rootless container's ports on a user
// network: its forwarder connects, inside the container's own namespace,
// to its address there (ip, its first network's). Into the container's
// namespace rather than the user's: the forwarder then depends on nothing
// shared, crosses no bridge or nft rule, and pins only what dies with the
// container, as on the default network.
func (s *Setup) rootlessPublish(c *record.Container, path string, ip netip.Addr, maps []portmap.Mapping) error {
	if len(maps) == 0 {
		return nil
	}
	if err := rootless.Publish(s.RunRoot, c.ID, path, ip, rootlessPorts(maps)); err != nil {
		return err
	}
	s.mark("network: forwarder")
	return nil
}

func rootlessPorts(maps []portmap.Mapping) []rootless.Port {
	ports := make([]rootless.Port, 0, len(maps))
	for _, m := range maps {
		ports = append(ports, rootless.Port{HostIP: m.HostIP, HostPort: m.HostPort, HostPortEnd: m.HostPortEnd,
			ContainerPort: m.ContainerPort, Proto: m.Protocol})
	}
	return ports
}
