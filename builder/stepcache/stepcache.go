// Package stepcache is berth build's step cache: for each step that made a
// layer, the key of the step (its parent's key, its instruction after
// substitution, the build args it sees and, for COPY, a hash of the files)
// and the image it made. The images are ordinary dangling images, so the
// image store keeps their layers; the index lives in
// <root>/builder/cache.json, rewritten whole (atomically) under a lock so
// that concurrent builds never lose an entry.
package stepcache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/statedir"
)

// Cache is the step cache of one root.
type Cache struct{ dir string }

// Entry is a step's image and when it was made.
type Entry struct {
	Image   digest.Digest `json:"image"`
	Created time.Time     `json:"created"`
}

// Index is the cache's content: the entries by step key.
type Index struct {
	Entries map[digest.Digest]Entry `json:"entries"`
}

// Open is the step cache under root (the engine's).
func Open(root string) *Cache { return &Cache{dir: filepath.Join(root, "builder")} }

// Locked runs fn with the index under an exclusive lock; fn's changes are
// written back when it returns true.
func (c *Cache) Locked(fn func(ix *Index) (write bool, err error)) error {
	if err := statedir.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("build cache %s: %w", c.dir, err)
	}
	fd, err := unix.Open(filepath.Join(c.dir, "cache.lock"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("build cache lock: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return fmt.Errorf("build cache lock: %w", err)
	}
	ix := &Index{Entries: map[digest.Digest]Entry{}}
	path := filepath.Join(c.dir, "cache.json")
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("build cache: %w", err)
	default:
		if err := json.Unmarshal(data, ix); err != nil {
			return fmt.Errorf("build cache %s: %w", path, err)
		}
		if ix.Entries == nil {
			ix.Entries = map[digest.Digest]Entry{}
		}
	}
	write, err := fn(ix)
	if err != nil || !write {
		return err
	}
	if data, err = json.Marshal(ix); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

// Get is the image of the step with key, if the cache has one.
func (c *Cache) Get(key digest.Digest) (digest.Digest, bool, error) {
	var e Entry
	var ok bool
	err := c.Locked(func(ix *Index) (bool, error) {
		e, ok = ix.Entries[key]
		return false, nil
	})
	return e.Image, ok, err
}

// Put records img as the image of the step with key. An entry that
// already says so is left as it is: a cache hit writes nothing (no
// rewrite and fsync of the index per step of a rebuild).
func (c *Cache) Put(key, img digest.Digest) error {
	return c.Locked(func(ix *Index) (bool, error) {
		if e, ok := ix.Entries[key]; ok && e.Image == img {
			return false, nil
		}
		ix.Entries[key] = Entry{Image: img, Created: time.Now().UTC()}
		return true, nil
	})
}

// Images are the images the step cache at root keeps for its steps.
func Images(root string) (map[digest.Digest]bool, error) {
	out := map[digest.Digest]bool{}
	if _, err := os.Stat(filepath.Join(root, "builder", "cache.json")); errors.Is(err, fs.ErrNotExist) {
		return out, nil // no build yet: no lock file made for a listing
	}
	err := Open(root).Locked(func(ix *Index) (bool, error) {
		for _, e := range ix.Entries {
			out[e.Image] = true
		}
		return false, nil
	})
	return out, err
}
