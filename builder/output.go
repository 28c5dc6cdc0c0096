package builder

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/berth-containers/berth/builder/export"
	"github.com/berth-containers/berth/engine/fsops"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/archive"
)

// output writes the built image img to the --output destination.
func (bd *build) output(ctx context.Context, img *image.Image, o *export.Output) error {
	v := bd.out.Begin("exporting to " + o.Type)
	err := bd.writeOutput(ctx, img, o)
	if err != nil {
		v.Fail(err)
		return fmt.Errorf("--output type=%s,dest=%s: %w", o.Type, o.Dest, err)
	}
	v.Done()
	return nil
}

func (bd *build) writeOutput(ctx context.Context, img *image.Image, o *export.Output) error {
	if o.Type == "oci" {
		refs := []string{img.ID.String()}
		if len(bd.opts.Tags) > 0 {
			refs = []string{bd.opts.Tags[0]} // the layout names it, as BuildKit's
		}
		return o.Write(func(w io.Writer) error { return bd.Images.Save(ctx, w, refs, archive.FormatOCI) })
	}
	view, release, err := bd.mountImage(ctx, img)
	if err != nil {
		return err
	}
	defer release()
	if o.Type == "tar" {
		return o.Write(func(w io.Writer) error { return fsops.Export(view, w) })
	}
	if err := os.MkdirAll(o.Dest, 0o755); err != nil {
		return err
	}
	return fsops.CopyOut(view, "/.", o.Dest, fsops.CopyOptions{Archive: true}, "", nil)
}
