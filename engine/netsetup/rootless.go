package netsetup

import (
	"errors"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/rootless"
)

// rootlessNetwork wires a rootless container's namespace to the host with
// pasta (rootless/pasta.go says why pasta): the host's bridge and nft
// table are root's, so the default network is the only one.
func (s *Setup) rootlessNetwork(c *record.Container, path string) error {
	if c.HostConfig.NetworkMode != DefaultMode {
		return errors.New("rootless berth: only the default network (pasta), none, host and container: are available; user networks need root")
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
	if err := rootless.StartPasta(s.RunRoot, c.ID, path, ports); err != nil {
		return err
	}
	return s.writeEtcFiles(c, nil)
}
