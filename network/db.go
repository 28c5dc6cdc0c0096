package network

import (
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-containers/berth/internal/boltdb"
)

// Records live in metadata.db under the top-level bucket "networks", with
// two nested buckets: "defs" (network name -> Network) and "endpoints"
// (network ID + "/" + container ID -> Endpoint). The database is opened per
// operation, as image/store does, so
// concurrent berth commands take turns instead of failing.
var (
	bucketNetworks  = []byte("networks")
	bucketDefs      = []byte("defs")
	bucketEndpoints = []byte("endpoints")
)

type tx struct {
	defs, eps *bolt.Bucket
}

func (s *Store) update(fn func(t tx) error) error {
	return boltdb.Update(s.dbPath, func(btx *bolt.Tx) error {
		top, err := btx.CreateBucketIfNotExists(bucketNetworks)
		if err != nil {
			return fmt.Errorf("metadata %s: %w", s.dbPath, err)
		}
		defs, err := top.CreateBucketIfNotExists(bucketDefs)
		if err != nil {
			return fmt.Errorf("metadata %s: %w", s.dbPath, err)
		}
		eps, err := top.CreateBucketIfNotExists(bucketEndpoints)
		if err != nil {
			return fmt.Errorf("metadata %s: %w", s.dbPath, err)
		}
		return fn(tx{defs: defs, eps: eps})
	})
}

func (t tx) networks() ([]Network, error) {
	var out []Network
	err := t.defs.ForEach(func(k, v []byte) error {
		var n Network
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("network record %s: %w", k, err)
		}
		out = append(out, n)
		return nil
	})
	return out, err
}

// network finds a network by name, full ID or unique ID prefix.
func (t tx) network(ref string) (Network, error) {
	if v := t.defs.Get([]byte(ref)); v != nil {
		var n Network
		if err := json.Unmarshal(v, &n); err != nil {
			return Network{}, fmt.Errorf("network record %s: %w", ref, err)
		}
		return n, nil
	}
	all, err := t.networks()
	if err != nil {
		return Network{}, err
	}
	var found []Network
	for _, n := range all {
		if ref != "" && strings.HasPrefix(n.ID, ref) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Network{}, &NotFoundError{Ref: ref}
	default:
		return Network{}, fmt.Errorf("network %s: ID prefix matches %d networks", ref, len(found))
	}
}

func (t tx) putNetwork(n Network) error {
	v, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("network record %s: %w", n.Name, err)
	}
	return t.defs.Put([]byte(n.Name), v)
}

func epKey(netID, containerID string) []byte { return []byte(netID + "/" + containerID) }

// endpoints lists the endpoints of one network, or of all if netID is "".
func (t tx) endpoints(netID string) ([]Endpoint, error) {
	var out []Endpoint
	c := t.eps.Cursor()
	prefix := []byte(netID)
	if netID != "" {
		prefix = append(prefix, '/')
	}
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		var e Endpoint
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("endpoint record %s: %w", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (t tx) putEndpoint(e Endpoint) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("endpoint record %s/%s: %w", e.NetworkName, e.ContainerID, err)
	}
	return t.eps.Put(epKey(e.Network, e.ContainerID), v)
}
