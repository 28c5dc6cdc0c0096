package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/berth-containers/berth/network"
)

// Docker's predefined networks besides bridge: host and none are modes of
// berth's, not records, but ls and inspect list them as Docker does, and
// rm refuses them and bridge.
var predefinedDrivers = map[string]string{"host": "host", "none": "null"}

// predefinedNetworks are host and none, with IDs stable for a host.
func predefinedNetworks() []network.Network {
	return []network.Network{predefined("host"), predefined("none")}
}

func predefined(name string) network.Network {
	sum := sha256.Sum256([]byte("berth predefined network " + name))
	return network.Network{Name: name, ID: hex.EncodeToString(sum[:]), Driver: predefinedDrivers[name]}
}

// lookupPredefined finds host or none by name or ID prefix.
func lookupPredefined(ref string) (network.Network, bool) {
	for _, n := range predefinedNetworks() {
		if ref == n.Name || (len(ref) >= 3 && strings.HasPrefix(n.ID, ref)) {
			return n, true
		}
	}
	return network.Network{}, false
}

// predefinedInspect is host or none as network inspect shows it: no
// subnet, no containers berth tracks.
func predefinedInspect(n network.Network) networkInspect {
	return networkInspect{Name: n.Name, ID: n.ID, Created: "0001-01-01T00:00:00Z", Scope: "local", Driver: n.Driver,
		Attachable: false, Containers: map[string]networkContainer{}, Options: map[string]string{}, Labels: map[string]string{},
		IPAM: networkIPAM{Driver: "default", Options: map[string]string{}, Config: []map[string]string{}}}
}

// refusePredefinedRemove is Docker's refusal to remove bridge, host or none.
func refusePredefinedRemove(ref string) error {
	if _, ok := lookupPredefined(ref); ok || ref == network.DefaultName {
		return fmt.Errorf("%s is a pre-defined network and cannot be removed", ref)
	}
	return nil
}
