package netsetup

import (
	"errors"
	"net/netip"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/rootless"
)

// rootlessNetwork wires a rootless container's namespace to the host with
// slirp4netns and berth's port forwarder (rootless/network.go says why):
// the host's bridge and nft table are root's, so the default network is
// the only one. The container resolves names through slirp4netns's DNS
// unless --dns says otherwise.
func (s *Setup) rootlessNetwork(c *record.Container, path string) error {
	if c.HostConfig.NetworkMode != DefaultMode {
		return errors.New("rootless berth: only the default network (slirp4netns), none, host and container: are available; user networks need root")
	}
	maps, err := requestedPorts(c)
	if err != nil {
		return err
	}
	ports := make([]rootless.Port, 0, len(maps))
	for _, m := range maps {
		ports = append(ports, rootless.Port{HostIP: m.HostIP, HostPort: m.HostPort, HostPortEnd: m.HostPortEnd,
			ContainerPort: m.ContainerPort, Proto: m.Protocol})
	}
	if err := rootless.StartNetwork(s.RunRoot, c.ID, path, ports); err != nil {
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
