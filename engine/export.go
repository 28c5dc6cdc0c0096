package engine

import (
	"context"
	"io"

	"github.com/berth-containers/berth/engine/fsops"
)

// Export writes a tar of the container's root filesystem, its image's
// layers merged with its writable layer, without its volumes and mounts.
func (f *Files) Export(ctx context.Context, ref string, w io.Writer) error {
	e := f.e
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	return e.rt.withRootfs(ctx, c, false, func(dir string) error {
		return fsops.Export(dir, w)
	})
}
