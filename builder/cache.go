package builder

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

// cache is the build cache: for each step that made a layer, the key of the
// step (its parent's key, its instruction after substitution, the build
// args it sees and, for COPY, a hash of the files) and the image it made.
// The images are ordinary dangling images, so the image store keeps their
// layers; the index lives in <root>/builder/cache.json, rewritten whole
// (atomically) under a lock so that concurrent builds never lose an entry.
type cache struct{ dir string }

type cacheEntry struct {
	Image   digest.Digest `json:"image"`
	Created time.Time     `json:"created"`
}

type cacheIndex struct {
	Entries map[digest.Digest]cacheEntry `json:"entries"`
}

func newCache(root string) *cache { return &cache{dir: filepath.Join(root, "builder")} }

// locked runs fn with the index under an exclusive lock; fn's changes are
// written back when it returns true.
func (c *cache) locked(fn func(ix *cacheIndex) (write bool, err error)) error {
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
	ix := &cacheIndex{Entries: map[digest.Digest]cacheEntry{}}
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
			ix.Entries = map[digest.Digest]cacheEntry{}
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

func (c *cache) get(key digest.Digest) (digest.Digest, bool, error) {
	var e cacheEntry
	var ok bool
	err := c.locked(func(ix *cacheIndex) (bool, error) {
		e, ok = ix.Entries[key]
		return false, nil
	})
	return e.Image, ok, err
}

func (c *cache) put(key, img digest.Digest) error {
	return c.locked(func(ix *cacheIndex) (bool, error) {
		ix.Entries[key] = cacheEntry{Image: img, Created: time.Now().UTC()}
		return true, nil
	})
}

// CacheImages are the images the build cache at root keeps for its steps:
// `images` leaves the untagged ones out without -a, as Docker's classic
// builder's intermediate images.
func CacheImages(root string) (map[digest.Digest]bool, error) {
	out := map[digest.Digest]bool{}
	if _, err := os.Stat(filepath.Join(root, "builder", "cache.json")); errors.Is(err, fs.ErrNotExist) {
		return out, nil // no build yet: no lock file made for a listing
	}
	err := newCache(root).locked(func(ix *cacheIndex) (bool, error) {
		for _, e := range ix.Entries {
			out[e.Image] = true
		}
		return false, nil
	})
	return out, err
}
