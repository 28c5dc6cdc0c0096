// Package store keeps the engine's container records in berth's metadata
// database (<root>/metadata.db, bbolt, shared with the image, network and
// volume records) and resolves the references users give: a full ID, a
// name (with or without Docker's leading "/") or a unique ID prefix.
//
// Two buckets hold them:
//
//	containers       ID -> the record, JSON (engine/record.Container)
//	container-names  name -> ID
//
// A record and its name change in one transaction, so two concurrent
// creates cannot both take a name. The database is opened per operation
// and closed at once (internal/boltdb): many berth processes take turns on
// it rather than fail.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/boltdb"
	"github.com/berth-containers/berth/internal/statedir"
)

var (
	bucketContainers = []byte("containers")
	bucketNames      = []byte("container-names")
)

// ErrNotFound is returned for a name or ID that matches no container.
var ErrNotFound = errors.New("no such container")

// NotFoundError names the reference that matched no container, so the CLI
// can word it as Docker does; errors.Is(err, ErrNotFound) holds for it.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string        { return ErrNotFound.Error() + ": " + e.Ref }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ErrNameInUse is returned when a name is taken by another container.
var ErrNameInUse = errors.New("name already in use")

// Store is the container records of one database file.
type Store struct {
	path string
}

// New is the store of the database at path, created at its first write.
func New(path string) *Store { return &Store{path: path} }

func (s *Store) update(fn func(recs, names *bolt.Bucket) error) error {
	if err := statedir.MkdirAll(filepath.Dir(s.path), statedir.Mode); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(s.path), err)
	}
	return boltdb.Update(s.path, func(tx *bolt.Tx) error {
		recs, err := tx.CreateBucketIfNotExists(bucketContainers)
		if err != nil {
			return fmt.Errorf("metadata %s: %w", s.path, err)
		}
		names, err := tx.CreateBucketIfNotExists(bucketNames)
		if err != nil {
			return fmt.Errorf("metadata %s: %w", s.path, err)
		}
		return fn(recs, names)
	})
}

// view reads in a read-only transaction. A missing database means no
// containers; bbolt's read-only open takes a shared lock, so readers do not
// wait for each other.
func (s *Store) view(fn func(recs, names *bolt.Bucket) error) error {
	if _, err := os.Stat(s.path); errors.Is(err, os.ErrNotExist) {
		return fn(nil, nil)
	}
	return boltdb.View(s.path, func(tx *bolt.Tx) error {
		return fn(tx.Bucket(bucketContainers), tx.Bucket(bucketNames))
	})
}

func getRecord(recs *bolt.Bucket, id string) (*record.Container, error) {
	if recs == nil {
		return nil, &NotFoundError{Ref: id}
	}
	v := recs.Get([]byte(id))
	if v == nil {
		return nil, &NotFoundError{Ref: id}
	}
	var c record.Container
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("container record %s: %w (remove it with berth rm -f)", id, err)
	}
	return &c, nil
}

func putRecord(recs *bolt.Bucket, c *record.Container) error {
	v, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode container record %s: %w", c.ID, err)
	}
	return recs.Put([]byte(c.ID), v)
}

// resolve finds a container by full ID, name or unique ID prefix, as
// Docker does.
func resolve(recs, names *bolt.Bucket, ref string) (*record.Container, error) {
	if recs == nil {
		return nil, &NotFoundError{Ref: ref}
	}
	if id := names.Get([]byte(strings.TrimPrefix(ref, "/"))); id != nil {
		return getRecord(recs, string(id))
	}
	if v := recs.Get([]byte(ref)); v != nil {
		return getRecord(recs, ref)
	}
	var match string
	c := recs.Cursor()
	for k, _ := c.Seek([]byte(ref)); k != nil && strings.HasPrefix(string(k), ref); k, _ = c.Next() {
		if match != "" {
			return nil, fmt.Errorf("multiple containers match %q: use more of the ID", ref)
		}
		match = string(k)
	}
	if match == "" || ref == "" {
		return nil, &NotFoundError{Ref: ref}
	}
	return getRecord(recs, match)
}

// Insert adds a new record, taking its name in the same transaction so two
// concurrent creates cannot both get it.
func (s *Store) Insert(c *record.Container) error {
	return s.update(func(recs, names *bolt.Bucket) error {
		if id := names.Get([]byte(c.Name)); id != nil {
			return fmt.Errorf("conflict: the container name %q is already in use by container %q: %w (remove or rename that container to reuse the name)", "/"+c.Name, string(id), ErrNameInUse)
		}
		if err := names.Put([]byte(c.Name), []byte(c.ID)); err != nil {
			return err
		}
		return putRecord(recs, c)
	})
}

// Get returns a record by ID, name or ID prefix.
func (s *Store) Get(ref string) (*record.Container, error) {
	var c *record.Container
	err := s.view(func(recs, names *bolt.Bucket) (err error) {
		c, err = resolve(recs, names, ref)
		return err
	})
	return c, err
}

// Modify applies fn to the current record of id in one transaction.
func (s *Store) Modify(id string, fn func(c *record.Container) error) (*record.Container, error) {
	var out *record.Container
	err := s.update(func(recs, names *bolt.Bucket) error {
		c, err := getRecord(recs, id)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		out = c
		return putRecord(recs, c)
	})
	return out, err
}

// Rename moves a record to a new name.
func (s *Store) Rename(ref, name string) error {
	return s.update(func(recs, names *bolt.Bucket) error {
		c, err := resolve(recs, names, ref)
		if err != nil {
			return err
		}
		if id := names.Get([]byte(name)); id != nil {
			return fmt.Errorf("conflict: the container name %q is already in use by container %q: %w", "/"+name, string(id), ErrNameInUse)
		}
		if err := names.Delete([]byte(c.Name)); err != nil {
			return err
		}
		if err := names.Put([]byte(name), []byte(c.ID)); err != nil {
			return err
		}
		c.Name = name
		return putRecord(recs, c)
	})
}

// Remove deletes a record and frees its name.
func (s *Store) Remove(id string) error {
	return s.update(func(recs, names *bolt.Bucket) error {
		c, err := getRecord(recs, id)
		if err != nil {
			return err
		}
		if string(names.Get([]byte(c.Name))) == c.ID {
			if err := names.Delete([]byte(c.Name)); err != nil {
				return err
			}
		}
		return recs.Delete([]byte(id))
	})
}

// List returns every record, newest first.
func (s *Store) List() ([]*record.Container, error) {
	var out []*record.Container
	err := s.view(func(recs, _ *bolt.Bucket) error {
		if recs == nil {
			return nil
		}
		return recs.ForEach(func(k, v []byte) error {
			var c record.Container
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("container record %s: %w", k, err)
			}
			out = append(out, &c)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, err
}
