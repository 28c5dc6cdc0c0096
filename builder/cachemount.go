package builder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/cachemount"
	"github.com/berth-containers/berth/builder/stepdir"
	"github.com/berth-containers/berth/image"
)

// cacheMountsDir holds the RUN --mount=type=cache directories.
func cacheMountsDir(root string) string { return filepath.Join(root, "builder", "cachemounts") }

// cacheMount binds the cache of the mount's id (its target when it has
// none) at target. A private cache that another step holds is replaced by
// an empty directory of this step's own.
//
// With from= (a stage or an image) and source=, a new cache starts as a
// copy of that directory, as BuildKit's does; the cache is then one of its
// own for that id and that base, which later steps change freely.
func (bd *build) cacheMount(ctx context.Context, sm *stepMounts, m *instructions.Mount, target string) error {
	id := m.CacheID
	if id == "" {
		id = target
	}
	mode, uid, gid := fileInfo(m, 0o755)
	o := cachemount.Options{Sharing: string(m.CacheSharing), Mode: mode, UID: uid, GID: gid}
	if m.From != "" {
		img, err := bd.fromImage(ctx, m.From)
		if err != nil {
			return fmt.Errorf("RUN --mount=type=cache,from=%s: %w", m.From, err)
		}
		if img == nil {
			return fmt.Errorf("RUN --mount=type=cache,from=%s: the stage has no files", m.From)
		}
		id += "\x00from=" + img.ID.String() + ":" + path.Clean("/"+m.Source)
		o.Seed = func(dir string) error { return bd.seedCache(ctx, img, m, dir) }
	}
	dir, release, err := cachemount.Acquire(cacheMountsDir(bd.Root), id, o)
	if errors.Is(err, cachemount.ErrBusy) {
		dir = filepath.Join(sm.dir.Path, "cache-"+digest.FromString(id).Encoded()[:12])
		err = cachemount.MakeDir(dir, o)
		release = func() error { return nil }
	}
	if err != nil {
		return fmt.Errorf("RUN --mount=type=cache,id=%s: %w", strings.Split(id, "\x00")[0], err)
	}
	sm.dir.OnRemove(release)
	sm.mounts = append(sm.mounts, bindSpec(dir, target, m.ReadOnly))
	return nil
}

// seedCache copies source= of img into a new cache dir: real copies, not
// links, as the steps write to the cache; owners and modes kept.
func (bd *build) seedCache(ctx context.Context, img *image.Image, m *instructions.Mount, dir string) error {
	view, release, err := bd.mountImage(ctx, img)
	if err != nil {
		return err
	}
	defer release()
	src, err := securejoin.SecureJoin(view, m.Source)
	if err != nil {
		return fmt.Errorf("source %s of %s: %w", m.Source, m.From, err)
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return fmt.Errorf("source %s of %s: not a directory", m.Source, m.From)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil // dir itself: the mount's own mode and owner
		}
		to := filepath.Join(dir, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			err = os.Mkdir(to, info.Mode().Perm())
			if err == nil {
				err = os.Chmod(to, info.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
			}
		case d.Type()&fs.ModeSymlink != 0:
			var l string
			if l, err = os.Readlink(p); err == nil {
				err = os.Symlink(l, to)
			}
		case d.Type().IsRegular():
			err = stepdir.CopyFile(p, to, info.Mode())
		default:
			return nil // devices, fifos and sockets stay out of a cache
		}
		if err == nil {
			err = lchownAs(to, info)
		}
		return err
	})
}

// lchownAs gives p the owner of info's file.
func lchownAs(p string, info fs.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return os.Lchown(p, int(st.Uid), int(st.Gid))
}
