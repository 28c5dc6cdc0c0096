package builder

import (
	"errors"
	"path/filepath"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/cachemount"
)

// cacheMountsDir holds the RUN --mount=type=cache directories.
func cacheMountsDir(root string) string { return filepath.Join(root, "builder", "cachemounts") }

// cacheMount binds the cache of the mount's id (its target when it has
// none) at target. A private cache that another step holds is replaced by
// an empty directory of this step's own.
func (bd *build) cacheMount(sm *stepMounts, m *instructions.Mount, target string) error {
	if m.From != "" {
		return errors.New("RUN --mount=type=cache,from=... is not supported by berth build: the cache starts empty")
	}
	id := m.CacheID
	if id == "" {
		id = target
	}
	mode, uid, gid := fileInfo(m, 0o755)
	o := cachemount.Options{Sharing: string(m.CacheSharing), Mode: mode, UID: uid, GID: gid}
	dir, release, err := cachemount.Acquire(cacheMountsDir(bd.Root), id, o)
	if errors.Is(err, cachemount.ErrBusy) {
		dir = filepath.Join(sm.dir.Path, "cache-"+digest.FromString(id).Encoded()[:12])
		err = cachemount.MakeDir(dir, o)
		release = func() error { return nil }
	}
	if err != nil {
		return err
	}
	sm.dir.OnRemove(release)
	sm.mounts = append(sm.mounts, bindSpec(dir, target, m.ReadOnly))
	return nil
}
