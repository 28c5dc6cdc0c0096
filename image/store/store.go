// Package store keeps image records (name -> manifest descriptor) in the
// engine's bbolt database, <root>/metadata.db, under the top-level bucket
// "images"; other buckets (containers, volumes) share the file.
//
// bbolt allows one read-write opener of a file at a time, so the database is
// opened per operation and closed at once: concurrent berth processes wait
// their turn (up to boltdb.Timeout) rather than failing or holding each other
// off for a whole pull.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/berth-containers/berth/internal/boltdb"
)

var bucket = []byte("images")

// ErrNotFound is returned for a name with no record.
var ErrNotFound = errors.New("image not found")

// danglingPrefix keys records of images that lost every name ("<none>").
const danglingPrefix = "<none>@"

// Record is one name of an image. An image (identified by its manifest)
// may have several names; a dangling image has one record with no name.
type Record struct {
	Name       string             `json:"name,omitempty"`
	Target     ocispec.Descriptor `json:"target"`               // the platform manifest
	RepoDigest digest.Digest      `json:"repoDigest,omitempty"` // what the registry calls it (may be an index)
	Created    time.Time          `json:"created"`
	Updated    time.Time          `json:"updated"`
}

// Dangling reports whether the record is of an image with no name.
func (r Record) Dangling() bool { return r.Name == "" }

func (r Record) key() string {
	if r.Name == "" {
		return danglingPrefix + r.Target.Digest.String()
	}
	return r.Name
}

// Store is the image record store in one bbolt file.
type Store struct {
	path string
}

// New returns the store backed by the database file at path.
func New(path string) *Store { return &Store{path: path} }

func (s *Store) update(fn func(b *bolt.Bucket) error) error {
	return boltdb.Update(s.path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return fmt.Errorf("metadata %s: %w", s.path, err)
		}
		return fn(b)
	})
}

// errNoBucket sends view to a read-write open that makes the bucket.
var errNoBucket = errors.New("no image bucket yet")

func (s *Store) view(fn func(b *bolt.Bucket) error) error {
	// Read-only where the records exist: no write lock, and no commit
	// (two fdatasyncs) for a command that only reads, such as images or
	// info. bbolt's read-only open needs an existing file, and a fresh
	// root has none yet: that first time is a read-write open.
	if _, err := os.Stat(s.path); err == nil {
		err := s.viewExisting(fn)
		if !errors.Is(err, errNoBucket) {
			return err
		}
	}
	return s.update(fn)
}

func (s *Store) viewExisting(fn func(b *bolt.Bucket) error) error {
	return boltdb.View(s.path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return errNoBucket
		}
		return fn(b)
	})
}

func get(b *bolt.Bucket, key string) (Record, error) {
	v := b.Get([]byte(key))
	if v == nil {
		return Record{}, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	var r Record
	if err := json.Unmarshal(v, &r); err != nil {
		return Record{}, fmt.Errorf("image record %s: %w", key, err)
	}
	return r, nil
}

func put(b *bolt.Bucket, r Record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("image record %s: %w", r.key(), err)
	}
	return b.Put([]byte(r.key()), v)
}

func all(b *bolt.Bucket) ([]Record, error) {
	var out []Record
	err := b.ForEach(func(k, v []byte) error {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("image record %s: %w", k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// named reports whether any named record other than skip points at d.
func named(b *bolt.Bucket, d digest.Digest, skip string) (bool, error) {
	recs, err := all(b)
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if r.Name != "" && r.Name != skip && r.Target.Digest == d {
			return true, nil
		}
	}
	return false, nil
}

// Get returns the record of a name.
func (s *Store) Get(name string) (Record, error) {
	var r Record
	err := s.view(func(b *bolt.Bucket) (err error) {
		r, err = get(b, name)
		return err
	})
	return r, err
}

// List returns every record, sorted by name; dangling ones last.
func (s *Store) List() ([]Record, error) {
	var out []Record
	err := s.view(func(b *bolt.Bucket) (err error) {
		out, err = all(b)
		return err
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dangling() != out[j].Dangling() {
			return !out[i].Dangling()
		}
		return out[i].key() < out[j].key()
	})
	return out, err
}

// Put stores r under its name, in one transaction with the bookkeeping
// Docker users expect: an image that the name pointed to before and that
// has no other name becomes dangling; a dangling record of r's image goes.
func (s *Store) Put(r Record) error {
	now := time.Now().UTC()
	r.Updated = now
	return s.update(func(b *bolt.Bucket) error {
		old, err := get(b, r.key())
		switch {
		case err == nil:
			r.Created = old.Created
		case errors.Is(err, ErrNotFound):
			r.Created = now
		default:
			return err
		}
		if r.Name != "" {
			if err := b.Delete([]byte(danglingPrefix + r.Target.Digest.String())); err != nil {
				return err
			}
		} else if ok, err := named(b, r.Target.Digest, ""); err != nil || ok {
			return err // a nameless copy of a named image is not dangling
		}
		if err := put(b, r); err != nil {
			return err
		}
		if err == nil && old.Target.Digest != r.Target.Digest && r.Name != "" {
			return orphan(b, old)
		}
		return nil
	})
}

// orphan keeps old as a dangling record if no other name points at it.
func orphan(b *bolt.Bucket, old Record) error {
	ok, err := named(b, old.Target.Digest, old.Name)
	if err != nil || ok {
		return err
	}
	old.Name = ""
	return put(b, old)
}

// Delete removes the record of name (or of a dangling image, by its key
// as listed). It returns the removed record.
func (s *Store) Delete(name string) (Record, error) {
	var r Record
	err := s.update(func(b *bolt.Bucket) (err error) {
		if r, err = get(b, name); err != nil {
			return err
		}
		return b.Delete([]byte(name))
	})
	return r, err
}

// DeleteImage removes every record (named or dangling) of the manifest d.
func (s *Store) DeleteImage(d digest.Digest) ([]Record, error) {
	var removed []Record
	err := s.update(func(b *bolt.Bucket) error {
		recs, err := all(b)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Target.Digest == d {
				if err := b.Delete([]byte(r.key())); err != nil {
					return err
				}
				removed = append(removed, r)
			}
		}
		return nil
	})
	return removed, err
}

// Key is how a record is addressed in Get and Delete.
func Key(r Record) string { return r.key() }

// IsDanglingKey reports whether a key names a dangling record.
func IsDanglingKey(k string) bool { return strings.HasPrefix(k, danglingPrefix) }
