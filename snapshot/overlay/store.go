package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-containers/berth/snapshot"
)

// The metadata db has two buckets. "snapshots" maps a key to its record;
// "children" holds parent+"\x00"+child for every snapshot that has a parent,
// so that Remove can tell in one seek whether a snapshot is a parent.
var (
	bucketSnapshots = []byte("snapshots")
	bucketChildren  = []byte("children")
)

// record is what the db keeps of one snapshot.
type record struct {
	ID      uint64            `json:"id"`
	Kind    snapshot.Kind     `json:"kind"`
	Parent  string            `json:"parent,omitempty"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
	Labels  map[string]string `json:"labels,omitempty"`
	// Usage of a committed snapshot, measured once at Commit: it cannot
	// change afterwards.
	Size   int64 `json:"size,omitempty"`
	Inodes int64 `json:"inodes,omitempty"`
}

func (r record) info(name string) snapshot.Info {
	return snapshot.Info{
		Name: name, Parent: r.Parent, Kind: r.Kind,
		Created: r.Created, Updated: r.Updated, Labels: maps.Clone(r.Labels),
	}
}

func getRecord(tx *bolt.Tx, key string) (record, error) {
	var r record
	b := tx.Bucket(bucketSnapshots).Get([]byte(key))
	if b == nil {
		return r, fmt.Errorf("snapshot %q: %w", key, snapshot.ErrNotFound)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("decode metadata of snapshot %q: %w", key, err)
	}
	return r, nil
}

func putRecord(tx *bolt.Tx, key string, r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode metadata of snapshot %q: %w", key, err)
	}
	if err := tx.Bucket(bucketSnapshots).Put([]byte(key), b); err != nil {
		return fmt.Errorf("store metadata of snapshot %q: %w", key, err)
	}
	return nil
}

func childKey(parent, child string) []byte {
	return []byte(parent + "\x00" + child)
}

func addChild(tx *bolt.Tx, parent, child string) error {
	if parent == "" {
		return nil
	}
	if err := tx.Bucket(bucketChildren).Put(childKey(parent, child), nil); err != nil {
		return fmt.Errorf("link snapshot %q to parent %q: %w", child, parent, err)
	}
	return nil
}

func removeChild(tx *bolt.Tx, parent, child string) error {
	if parent == "" {
		return nil
	}
	if err := tx.Bucket(bucketChildren).Delete(childKey(parent, child)); err != nil {
		return fmt.Errorf("unlink snapshot %q from parent %q: %w", child, parent, err)
	}
	return nil
}

func hasChildren(tx *bolt.Tx, parent string) bool {
	prefix := []byte(parent + "\x00")
	k, _ := tx.Bucket(bucketChildren).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// parentIDs returns the IDs of the committed snapshots below r, nearest
// first: the order of overlay's lowerdir.
func parentIDs(tx *bolt.Tx, r record) ([]uint64, error) {
	var ids []uint64
	for p := r.Parent; p != ""; {
		pr, err := getRecord(tx, p)
		if err != nil {
			return nil, fmt.Errorf("parent chain: %w", err)
		}
		ids = append(ids, pr.ID)
		p = pr.Parent
	}
	return ids, nil
}

// createBuckets makes a fresh db usable.
func createBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSnapshots, bucketChildren} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// liveIDs is the set of IDs that some record uses.
func liveIDs(tx *bolt.Tx) (map[uint64]bool, error) {
	ids := map[uint64]bool{}
	err := tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode metadata of snapshot %q: %w", k, err)
		}
		ids[r.ID] = true
		return nil
	})
	return ids, err
}

var errDBLocked = errors.New("metadata db is locked by another process")
