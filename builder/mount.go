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
)

// mountImage mounts a read-only view of img's files (an overlay of its
// layer snapshots) for COPY to look into: whether the destination is a
// directory, the names of --chown, the sources of --from. release unmounts
// it and removes the view.
func (bd *build) mountImage(ctx context.Context, img *image.Image) (dir string, release func(), err error) {
	return bd.mountImageFor(ctx, img, false)
}

// lookImage is mountImage for the span of one COPY step, which holds the
// content store's GC lock shared anyway while it writes its layer: the
// overlay snapshotter then mounts the image with no view record
// (layerio.MountReadOnly), writing nothing to its database. What keeps a
// mount longer (a RUN's --mount=from) takes a view, so as not to hold
// off an rmi or a prune for the whole step.
func (bd *build) lookImage(ctx context.Context, img *image.Image) (dir string, release func(), err error) {
	return bd.mountImageFor(ctx, img, true)
}

func (bd *build) mountImageFor(ctx context.Context, img *image.Image, short bool) (dir string, release func(), err error) {
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
	release, err = layerio.Mount(ctx, bd.Images.Content, sn, chain[len(chain)-1], dir, short)
	if err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("mount image %s: %w", img.ID, err)
	}
	return dir, release, nil
}
