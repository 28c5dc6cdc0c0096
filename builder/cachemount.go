package builder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/statedir"
)

// Cache mounts (RUN --mount=type=cache) are directories under
// <root>/builder/cachemounts, one per id (the target when no id is
// given), that outlive builds. Each has a lock file beside it: a step holds
// it shared while it uses the directory (sharing=shared), exclusively with
// sharing=locked; sharing=private takes a fresh directory when another step
// holds it. builder prune removes the ones no step holds.
func cacheMountsDir(root string) string { return filepath.Join(root, "builder", "cachemounts") }

func (bd *build) cacheMount(sm *stepMounts, m *instructions.Mount, target string) error {
	if m.From != "" {
		return errors.New("RUN --mount=type=cache,from=... is not supported by berth build: the cache starts empty")
	}
	id := m.CacheID
	if id == "" {
		id = target
	}
	base := cacheMountsDir(bd.Root)
	if err := statedir.MkdirAll(base, 0o700); err != nil {
		return fmt.Errorf("cache mount %s: %w", id, err)
	}
	dir := filepath.Join(base, digest.FromString(id).Encoded())
	how := unix.LOCK_SH
	switch m.CacheSharing {
	case instructions.MountSharingLocked:
		how = unix.LOCK_EX
	case instructions.MountSharingPrivate:
		how = unix.LOCK_EX | unix.LOCK_NB
	}
	unlock, err := lockFile(dir+".lock", how)
	if errors.Is(err, unix.EWOULDBLOCK) {
		// private and in use: a directory of this step's own.
		dir, unlock, err = filepath.Join(sm.dir, "cache-"+digest.FromString(id).Encoded()[:12]), func() error { return nil }, nil
	}
	if err != nil {
		return fmt.Errorf("cache mount %s: %w", id, err)
	}
	sm.release = append(sm.release, unlock)
	mode, uid, gid := fileInfo(m, 0o755)
	switch err := os.Mkdir(dir, mode); {
	case err == nil:
		// A new cache is the mount's owner and mode; an existing one
		// keeps what the steps made of it.
		if err := os.Chown(dir, uid, gid); err != nil {
			return fmt.Errorf("cache mount %s: %w", id, err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			return fmt.Errorf("cache mount %s: %w", id, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("cache mount %s: %w", id, err)
	}
	sm.mounts = append(sm.mounts, bindSpec(dir, target, m.ReadOnly))
	return nil
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

// pruneCacheMounts removes the cache mounts no step holds, and returns
// the bytes they took.
func pruneCacheMounts(root string) (int64, []string, error) {
	base := cacheMountsDir(root)
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
