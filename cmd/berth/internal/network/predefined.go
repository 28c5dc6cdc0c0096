package network

import (
	"github.com/berth-containers/berth/network"
)

// predefinedInspect is host or none as network inspect shows it: no
// subnet, no containers berth tracks.
func predefinedInspect(n network.Network) networkInspect {
	return networkInspect{Name: n.Name, ID: n.ID, Created: "0001-01-01T00:00:00Z", Scope: "local", Driver: n.Driver,
		Attachable: false, Containers: map[string]networkContainer{}, Options: map[string]string{}, Labels: map[string]string{},
		IPAM: networkIPAM{Driver: "default", Options: map[string]string{}, Config: []map[string]string{}}}
}
