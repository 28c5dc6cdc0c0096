// Package filesum keeps the content checksums of a build context's files
// from one build to the next, so that a rebuild with nothing changed reads
// no file's content: only its metadata, as git's index and BuildKit's
// content-hash cache do.
//
// A checksum is reused only while the file's path, device, inode, size,
// modification time and change time are all as they were when it was
// computed. The change time cannot be set by a user, and any write moves
// it. What no stat can show is a write in the same clock tick as the read
// that made the checksum (the kernel's file times are coarse), so, as git
// does with "racily clean" entries, a checksum of a file changed just
// before it was read is not kept: within a second on a filesystem whose
// times are whole seconds (ext3, FAT, some network ones: both times with
// no nanoseconds), within 100ms where they are finer (ext4, xfs, btrfs,
// tmpfs), which is ten kernel clock ticks at the coarsest (HZ=100).
package filesum

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// How recent a change may be for its checksum not to be kept: on a
// filesystem with times in whole seconds, and on one with finer times.
const (
	racyWindowCoarse = time.Second
	racyWindow       = 100 * time.Millisecond
)

type stamp struct {
	Dev, Ino           uint64
	Size, Mtime, Ctime int64 // Mtime and Ctime in nanoseconds
}

type entry struct {
	stamp
	Sum []byte
}

// Cache is one build's view of the checksum file. Builds at the same time
// each read it and write it back whole (atomically): one's new entries may
// be lost to the other's write, which costs a read of those files next
// time and never a wrong checksum.
type Cache struct {
	path  string
	mu    sync.Mutex
	old   map[string]entry
	used  map[string]entry
	dirty bool
	now   func() time.Time
}

// Open reads the cache file at path; a missing or unreadable one is an
// empty cache.
func Open(path string) *Cache {
	c := &Cache{path: path, old: map[string]entry{}, now: time.Now}
	data, err := os.ReadFile(path)
	if err == nil {
		c.old, err = decode(data)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		slog.Debug("build file checksums: starting afresh", "path", path, "error", err)
	}
	if c.old == nil {
		c.old = map[string]entry{}
	}
	c.used = make(map[string]entry, len(c.old))
	return c
}

func stampOf(info fs.FileInfo) (stamp, bool) {
	if info == nil {
		return stamp{}, false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, false
	}
	return stamp{Dev: st.Dev, Ino: st.Ino, Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano()}, true
}

// Sum is the SHA-256 of the regular file at p, whose lstat is info: the
// kept one if the file is as it was, else read and kept.
func (c *Cache) Sum(p string, info fs.FileInfo) ([]byte, error) {
	s, ok := stampOf(info)
	if ok {
		c.mu.Lock()
		e, hit := c.old[p]
		c.mu.Unlock()
		if hit && e.stamp == s {
			c.mu.Lock()
			c.used[p] = e
			c.mu.Unlock()
			return e.Sum, nil
		}
	}
	sum, err := Read(p)
	if err != nil {
		return nil, err
	}
	if ok && !c.racy(s) {
		c.mu.Lock()
		c.used[p], c.dirty = entry{stamp: s, Sum: sum}, true
		c.mu.Unlock()
	}
	return sum, nil
}

// racy tells whether a change time this recent could hide a later write.
func (c *Cache) racy(s stamp) bool {
	window := racyWindow
	if s.Mtime%int64(time.Second) == 0 && s.Ctime%int64(time.Second) == 0 {
		window = racyWindowCoarse
	}
	limit := c.now().Add(-window).UnixNano()
	return s.Mtime > limit || s.Ctime > limit
}

// Read is the SHA-256 of the file at p, read now.
func Read(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("checksum %s: %w", p, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("checksum %s: %w", p, err)
	}
	return h.Sum(nil), nil
}

// Name is the cache file's name for the context directory dir: one file
// per context, so a build reads only its own context's entries.
func Name(dir string) string {
	h := sha256.Sum256([]byte(filepath.Clean(dir)))
	return hex.EncodeToString(h[:16]) + ".sums"
}

// Save writes the cache back if this build added to it, with the entries
// this build used: what a build no longer copies leaves the file with it.
func (c *Cache) Save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return fmt.Errorf("build file checksums: %w", err)
	}
	if err := atomicfile.WriteFileUnsynced(c.path, encode(c.used), 0o600); err != nil {
		return fmt.Errorf("build file checksums: %w", err)
	}
	// The JSON file of berth before this format, if any: unread now.
	if legacy, ok := strings.CutSuffix(c.path, ".sums"); ok {
		if err := os.Remove(legacy + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			slog.Debug("build file checksums: remove the old file", "error", err)
		}
	}
	c.dirty = false
	return nil
}
