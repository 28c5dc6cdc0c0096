// Package volume keeps berth's named volumes: directories under
// <root>/volumes/<name>/_data whose records live in the engine's bbolt
// database (<root>/metadata.db, bucket "volumes"). It knows nothing of
// containers: the engine says which volumes are in use.
package volume

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-containers/berth/internal/boltdb"
	"github.com/berth-containers/berth/internal/statedir"
)

var bucket = []byte("volumes")

// ErrNotFound is returned for a volume that does not exist.
var ErrNotFound = errors.New("no such volume")

// NotFoundError names the volume that does not exist, so the CLI can word
// it as Docker does; errors.Is(err, ErrNotFound) holds for it.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string        { return "get " + e.Name + ": " + ErrNotFound.Error() }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// Volume is one named volume, as `volume inspect` shows it: the fields in
// Docker's order, so that its JSON is Docker's byte for byte.
type Volume struct {
	CreatedAt  time.Time         `json:"CreatedAt"`
	Driver     string            `json:"Driver"`
	Labels     map[string]string `json:"Labels"`
	Mountpoint string            `json:"Mountpoint"`
	Name       string            `json:"Name"`
	// Options are the driver's options: berth's local driver takes none;
	// {} or null as Create was given them, as Docker records them.
	Options map[string]string `json:"Options"`
	Scope   string            `json:"Scope"`
}

// AnonymousLabel marks volumes made for an image's VOLUME or -v /path, as
// Docker marks them; rm -v removes them with their container.
const AnonymousLabel = "com.docker.volume.anonymous"

// Anonymous reports whether the volume was made without a name.
func (v Volume) Anonymous() bool {
	_, ok := v.Labels[AnonymousLabel]
	return ok
}

// Store is the volumes under one engine root.
type Store struct {
	root string
	db   string
}

// New returns the volume store of the engine rooted at root.
func New(root string) *Store {
	return &Store{root: filepath.Join(root, "volumes"), db: filepath.Join(root, "metadata.db")}
}

func (s *Store) update(fn func(b *bolt.Bucket) error) error {
	// Root-only: a volume's content (its setuid binaries, device nodes) is
	// the container's, reached from the host by root alone.
	if err := statedir.Ensure(s.root, statedir.Mode); err != nil {
		return fmt.Errorf("create %s: %w", s.root, err)
	}
	return boltdb.Update(s.db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

func get(b *bolt.Bucket, name string) (Volume, error) {
	v := b.Get([]byte(name))
	if v == nil {
		return Volume{}, &NotFoundError{Name: name}
	}
	var vol Volume
	if err := json.Unmarshal(v, &vol); err != nil {
		return vol, fmt.Errorf("volume record %s: %w", name, err)
	}
	return vol, nil
}

// Create makes a volume, or returns the existing one of that name, as
// `docker volume create` does. opts are the driver options recorded as
// given: `volume create` passes an empty map ({} in inspect, as Docker's CLI
// sends one), a volume made on the fly by -v passes nil (null, as Docker).
func (s *Store) Create(name string, labels, opts map[string]string, anonymous bool) (Volume, error) {
	if !validName.MatchString(name) {
		return Volume{}, fmt.Errorf("create %s: %q includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed", name, name)
	}
	var vol Volume
	made := false
	err := s.update(func(b *bolt.Bucket) error {
		var err error
		if vol, err = get(b, name); err == nil {
			return nil
		}
		made = true
		dir := filepath.Join(s.root, name, "_data")
		err = statedir.Ensure(filepath.Dir(dir), statedir.Mode)
		if err == nil {
			err = statedir.Mkdir(dir, 0o755) // the volume's root, as the container sees it
		}
		if err != nil {
			return fmt.Errorf("create volume %s: %w", name, err)
		}
		if labels == nil {
			labels = map[string]string{}
		}
		if anonymous {
			labels[AnonymousLabel] = ""
		}
		vol = Volume{Name: name, Driver: "local", Mountpoint: dir, CreatedAt: time.Now().UTC().Truncate(time.Second),
			Labels: labels, Options: opts, Scope: "local"}
		data, err := json.Marshal(vol)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), data)
	})
	if err == nil && made {
		s.emit("create", name, nil)
	}
	return vol, err
}

// Get returns a volume.
func (s *Store) Get(name string) (Volume, error) {
	var vol Volume
	err := s.update(func(b *bolt.Bucket) (err error) {
		vol, err = get(b, name)
		return err
	})
	return vol, err
}

// List returns every volume, sorted by name.
func (s *Store) List() ([]Volume, error) {
	var out []Volume
	err := s.update(func(b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			var vol Volume
			if err := json.Unmarshal(v, &vol); err != nil {
				return fmt.Errorf("volume record %s: %w", k, err)
			}
			out = append(out, vol)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Remove deletes a volume and its data. The caller checks it is unused.
func (s *Store) Remove(name string) error {
	err := s.update(func(b *bolt.Bucket) error {
		if _, err := get(b, name); err != nil {
			return err
		}
		if err := os.RemoveAll(filepath.Join(s.root, name)); err != nil {
			return fmt.Errorf("remove volume %s: %w", name, err)
		}
		return b.Delete([]byte(name))
	})
	if err == nil {
		s.emit("destroy", name, nil)
	}
	return err
}

// RemoveOrphans deletes the volume dirs no record names and returns their
// names. Create makes a volume's dir inside the transaction that writes
// its record, and this runs in one too: a dir without a record is what a
// create killed between the two left, never one under way.
func (s *Store) RemoveOrphans() ([]string, error) {
	var removed []string
	err := s.update(func(b *bolt.Bucket) error {
		entries, err := os.ReadDir(s.root)
		if err != nil {
			return fmt.Errorf("list volumes in %s: %w", s.root, err)
		}
		var errs []error
		for _, en := range entries {
			if !en.IsDir() || b.Get([]byte(en.Name())) != nil {
				continue
			}
			if err := os.RemoveAll(filepath.Join(s.root, en.Name())); err != nil {
				errs = append(errs, fmt.Errorf("remove leftover volume dir %s: %w", en.Name(), err))
				continue
			}
			removed = append(removed, en.Name())
		}
		return errors.Join(errs...)
	})
	return removed, err
}
