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
	sum := sha256.Sum256([]byte("berth predefined network " + name))
	return Network{Name: name, ID: hex.EncodeToString(sum[:]), Driver: predefinedDrivers[name]}
}

// LookupPredefined finds host or none by name or ID prefix.
func LookupPredefined(ref string) (Network, bool) {
	for _, n := range Predefined() {
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
