package engine

import (
	"github.com/berth-containers/berth/engine/inspect"
)

// NetworkSettings is inspect's, under the name the network's files return
// it by.
type NetworkSettings = inspect.NetworkSettings

// Inspect describes a container as `docker inspect` shows it: the record
// and what the engine knows of it now (paths, rootfs mounts, endpoints).
func (e *Engine) Inspect(ref string) (*inspect.Container, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	return inspect.Of(c, inspect.Facts{
		Dir:            e.c.ContainerDir(c.ID),
		LogPath:        e.c.LogPath(c.ID),
		DefaultNetwork: DefaultNetworkMode,
		GraphDriver:    e.rt.graphDriver(c),
		Network:        e.Network().containerNetworks(c),
	}), nil
}
