// Package cachemount keeps the directories of RUN --mount=type=cache: one
// per id under a base directory, kept across builds until pruned. Each has
// a lock file beside it that a step holds while it uses the directory:
// shared (sharing=shared, BuildKit's default), exclusive (sharing=locked,
// which waits), or exclusive without waiting (sharing=private, whose
// caller takes a directory of its own when another step holds it). Prune
// removes the directories no step holds.
package cachemount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// Sharing modes, as BuildKit names them.
const (
	Shared  = "shared"
	Private = "private"
	Locked  = "locked"
)

// Options are a cache mount's: how it is shared, and the mode and owner a
// new directory gets (an existing one keeps what the steps made of it).
type Options struct {
	Sharing  string
	Mode     fs.FileMode
	UID, GID int
	// Seed, when set, fills a new directory (RUN --mount=type=cache,from=)
	// before it takes its name, so that a failed seed leaves no cache.
	Seed func(dir string) error
}

// ErrBusy is a private cache that another step holds.
var ErrBusy = errors.New("cache mount in use")

// Acquire returns the directory of the cache id under base, made if new,
// and held until release.
func Acquire(base, id string, o Options) (dir string, release func() error, err error) {
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", nil, fmt.Errorf("cache mount %s: %w", id, err)
	}
	dir = filepath.Join(base, digest.FromString(id).Encoded())
	how := unix.LOCK_SH
	switch o.Sharing {
	case "", Shared:
	case Locked:
		how = unix.LOCK_EX
	case Private:
		how = unix.LOCK_EX | unix.LOCK_NB
	default:
		return "", nil, fmt.Errorf("cache mount %s: unknown sharing %q", id, o.Sharing)
	}
	release, err = lockFile(dir+".lock", how)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return "", nil, ErrBusy
	}
	if err != nil {
		return "", nil, fmt.Errorf("cache mount %s: %w", id, err)
	}
	if err := MakeDir(dir, o); err != nil {
		release()
		return "", nil, fmt.Errorf("cache mount %s: %w", id, err)
	}
	return dir, release, nil
}

// MakeDir makes dir with o's mode and owner (and o.Seed's files) unless
// it exists.
func MakeDir(dir string, o Options) error {
	if _, err := os.Lstat(dir); err == nil {
		return nil
	}
	if o.Seed == nil {
		return mkdir(dir, o)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".new-")
	if err != nil {
		return err
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	err = mkdir(tmp, o)
	if err == nil {
		err = o.Seed(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dir)
		if errors.Is(err, fs.ErrExist) || errors.Is(err, unix.ENOTEMPTY) {
			err = nil // another step seeded it first: theirs it is
		}
	}
	if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func mkdir(dir string, o Options) error {
	switch err := os.Mkdir(dir, o.Mode); {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return err
	}
	if err := os.Chown(dir, o.UID, o.GID); err != nil {
		return err
	}
	return os.Chmod(dir, o.Mode) // the umask left out of Mkdir's
}

// lockFile flocks p (made if missing) and returns the unlock.
func lockFile(p string, how int) (func() error, error) {
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(fd, how); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return func() error { return unix.Close(fd) }, nil
}

// Prune removes the cache directories under base that no step holds, and
// returns the bytes their files took and their names (hex digests of the
// ids).
func Prune(base string) (int64, []string, error) {
	entries, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	var size int64
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(base, e.Name())
		unlock, err := lockFile(dir+".lock", unix.LOCK_EX|unix.LOCK_NB)
		if err != nil {
			continue // in use
		}
		n := dirSize(dir)
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
		} else {
			size += n
			removed = append(removed, e.Name())
			os.Remove(dir + ".lock")
		}
		unlock()
	}
	return size, removed, errors.Join(errs...)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
