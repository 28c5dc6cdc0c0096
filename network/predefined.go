package network

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Docker's predefined networks besides bridge: host and none are modes of
// berth's, not records, but the CLI's network ls and the API's list show
// them as Docker does, and removing them (or bridge) is refused.
var predefinedDrivers = map[string]string{"host": "host", "none": "null"}

// Predefined are host and none, with IDs stable for a host.
func Predefined() []Network {
	return []Network{predefinedNetwork("host"), predefinedNetwork("none")}
}

func predefinedNetwork(name string) Network {
	return Network{Name: name, ID: PredefinedID(name), Driver: predefinedDrivers[name]}
}

// PredefinedID is the ID of a predefined network, stable for a host:
// bridge's too, when it is no record (a rootless user's).
func PredefinedID(name string) string {
	sum := sha256.Sum256([]byte("berth predefined network " + name))
	return hex.EncodeToString(sum[:])
}

// LookupPredefined finds host or none by name or ID prefix.
func LookupPredefined(ref string) (Network, bool) { return Lookup(Predefined(), ref) }

// Lookup finds a network of list by name or ID prefix (3 digits or more).
func Lookup(list []Network, ref string) (Network, bool) {
	for _, n := range list {
		if ref == n.Name || (len(ref) >= 3 && strings.HasPrefix(n.ID, ref)) {
			return n, true
		}
	}
	return Network{}, false
}

// ErrPredefined is the refusal to remove bridge, host or none.
var ErrPredefined = fmt.Errorf("is a pre-defined network and cannot be removed")

// RefusePredefinedRemove is Docker's refusal to remove bridge, host or none.
func RefusePredefinedRemove(ref string) error {
	if _, ok := LookupPredefined(ref); ok || ref == DefaultName {
		return fmt.Errorf("%s %w", ref, ErrPredefined)
	}
	return nil
}
