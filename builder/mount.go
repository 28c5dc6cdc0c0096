package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/builder/layerio"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/snapshot"
)

// mountImage mounts a read-only view of img's files (an overlay of its
// layer snapshots) for COPY to look into: whether the destination is a
// directory, the names of --chown, the sources of --from. release unmounts
// it and removes the view. The overlay snapshotter mounts it with no view
// record (layerio.MountReadOnly); another gets a view.
func (bd *build) mountImage(ctx context.Context, img *image.Image) (dir string, release func(), err error) {
	base := filepath.Join(bd.Root, "builder", "mnt")
	if err := statedir.MkdirAll(base, 0o700); err != nil {
		return "", nil, fmt.Errorf("build mounts %s: %w", base, err)
	}
	// The name carries the build's process, for removeStale.
	dir, err = os.MkdirTemp(base, "view-"+strings.ReplaceAll(owner(), ":", ".")+"-")
	if err != nil {
		return "", nil, fmt.Errorf("build mounts: %w", err)
	}
	var chain []string
	if img != nil {
		for _, c := range unpack.ChainIDs(img.Config.RootFS.DiffIDs) {
			chain = append(chain, c.String())
		}
	}
	if len(chain) == 0 {
		return dir, func() { os.Remove(dir) }, nil
	}
	sn, err := bd.Images.Snapshotter()
	if err != nil {
		os.Remove(dir)
		return "", nil, err
	}
	top := chain[len(chain)-1]
	if release, err := layerio.MountReadOnly(ctx, bd.Images.Content, sn, top, dir); err == nil {
		return dir, release, nil
	}
	key := "build-" + filepath.Base(dir)
	mounts, err := sn.View(ctx, key, top, nil)
	if err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("view of image %s: %w", img.ID, err)
	}
	if err := snapshot.MountAll(mounts, dir); err != nil {
		sn.Remove(context.WithoutCancel(ctx), key)
		os.Remove(dir)
		return "", nil, fmt.Errorf("mount image %s at %s: %w", img.ID, dir, err)
	}
	return dir, func() {
		snapshot.UnmountAll(dir)
		sn.Remove(context.WithoutCancel(ctx), key)
		os.Remove(dir)
	}, nil
}
