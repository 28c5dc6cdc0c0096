package network

import "github.com/berth-containers/berth/internal/eventlog"

// emit logs a network event as dockerd's LogNetworkEventWithAttributes:
// the network's name and driver, and for connect and disconnect the
// container's ID.
func (s *Store) emit(action, netID, name, container string) {
	attrs := map[string]string{"name": name, "type": "bridge"}
	if container != "" {
		attrs["container"] = container
	}
	eventlog.Emit(s.opts.Root, eventlog.Network, action, netID, attrs)
}
