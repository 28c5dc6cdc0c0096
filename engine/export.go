package engine

import (
	"archive/tar"
	"context"
	"io"
)

// Export writes a tar of the container's root filesystem, its image's
// layers merged with its writable layer, without its volumes and mounts.
func (e *Engine) Export(ctx context.Context, ref string, w io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	return e.rt.withRootfs(ctx, c, false, func(dir string) error {
		root, err := openRoot(dir)
		if err != nil {
			return err
		}
		defer root.Close()
		tw := tar.NewWriter(w)
		if err := root.writeTar(tw, "/", "."); err != nil {
			return err
		}
		return tw.Close()
	})
}
