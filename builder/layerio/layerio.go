// Package layerio is how a build writes a layer and looks into an image
// with the least I/O: a COPY's tar goes to the content store and into its
// snapshot in one pass (Write), and a COPY's look into its base image is
// a read-only mount with no record in the snapshot database (MountReadOnly).
package layerio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/snapshot"
)

// Write stores the uncompressed tar that write writes in cs and, in the
// same pass, unpacks it into its snapshot on the layers of diffIDs (the
// image so far), so that writing the step's image does not read the blob
// back to unpack it. Where the parent has no snapshot to build on, the
// blob alone is written and the image's write unpacks it.
func Write(ctx context.Context, cs *content.Store, sn snapshot.Snapshotter, diffIDs []digest.Digest, write func(io.Writer) error) (ocispec.Descriptor, error) {
	release, err := cs.Use(ctx) // GC keeps off the active snapshot
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer release()
	p, err := begin(ctx, sn, diffIDs)
	if err != nil {
		slog.Debug("build: layer unpacked after it is written", "error", err)
		return ingest(ctx, cs, write)
	}
	ar, aw := io.Pipe()
	applied := make(chan error, 1)
	go func() {
		err := p.Apply(ctx, ar)
		ar.CloseWithError(errors.Join(err, errors.New("layer unpack ended")))
		applied <- err
	}()
	desc, err := ingest(ctx, cs, func(w io.Writer) error {
		err := write(io.MultiWriter(w, aw))
		aw.CloseWithError(err) // nil: EOF for the unpack
		return err
	})
	aw.CloseWithError(errors.New("layer ingest ended")) // if the tar never started
	if aerr := <-applied; err == nil && aerr != nil {
		err = fmt.Errorf("unpack the layer: %w", aerr)
	}
	if err != nil {
		p.Abort(ctx)
		return ocispec.Descriptor{}, err
	}
	if _, err := p.Commit(ctx, desc.Digest); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("commit the layer's snapshot: %w", err)
	}
	return desc, nil
}

// begin prepares the snapshot a layer on diffIDs unpacks into.
func begin(ctx context.Context, sn snapshot.Snapshotter, diffIDs []digest.Digest) (*unpack.Pending, error) {
	parent := ""
	if chain := unpack.ChainIDs(diffIDs); len(chain) > 0 {
		parent = chain[len(chain)-1].String()
		if _, err := sn.Stat(ctx, parent); err != nil {
			return nil, err
		}
	}
	return unpack.Begin(ctx, sn, parent)
}

// ingest stores the uncompressed tar that write writes.
func ingest(ctx context.Context, cs *content.Store, write func(io.Writer) error) (ocispec.Descriptor, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	d, size, err := cs.IngestUnknown(ctx, pr)
	pr.CloseWithError(errors.New("layer ingest ended"))
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write the layer: %w", err)
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: size}, nil
}

// Mount mounts a read-only view of the committed snapshot top at dir: with
// no record when recordless and the snapshotter can (MountReadOnly), else
// as a view named after dir, which release removes with the mount.
func Mount(ctx context.Context, cs *content.Store, sn snapshot.Snapshotter, top, dir string, recordless bool) (release func(), err error) {
	if recordless {
		if release, err := MountReadOnly(ctx, cs, sn, top, dir); err == nil {
			return release, nil
		}
	}
	key := "build-" + filepath.Base(dir) // removeStale finds a killed build's by the name
	mounts, err := sn.View(ctx, key, top, nil)
	if err != nil {
		return nil, fmt.Errorf("view of %s: %w", top, err)
	}
	if err := snapshot.MountAll(mounts, dir); err != nil {
		sn.Remove(context.WithoutCancel(ctx), key)
		return nil, fmt.Errorf("mount at %s: %w", dir, err)
	}
	return func() {
		snapshot.UnmountAll(dir)
		sn.Remove(context.WithoutCancel(ctx), key)
		os.Remove(dir)
	}, nil
}

// readOnlyMounter is a snapshotter that mounts a committed snapshot
// read-only without recording a view (snapshot/overlay).
type readOnlyMounter interface {
	ReadOnlyMounts(ctx context.Context, name string) ([]snapshot.Mount, error)
}

// MountReadOnly mounts the committed snapshot top at dir with no view
// record, so that looking into an image writes nothing to the snapshot
// database (a view and its removal are two transactions, four fsyncs).
// The content store's GC lock, held shared until release, is what keeps
// the layers: only GC removes them. It fails, leaving dir as it was, if
// the snapshotter cannot (the caller then makes a view).
func MountReadOnly(ctx context.Context, cs *content.Store, sn snapshot.Snapshotter, top, dir string) (release func(), err error) {
	ro, ok := sn.(readOnlyMounter)
	if !ok {
		return nil, errors.New("the snapshotter has no read-only mounts")
	}
	unlock, err := cs.Use(ctx)
	if err != nil {
		return nil, err
	}
	mounts, err := ro.ReadOnlyMounts(ctx, top)
	if err == nil {
		err = snapshot.MountAll(mounts, dir)
	}
	if err != nil {
		unlock()
		return nil, err
	}
	return func() {
		snapshot.UnmountAll(dir)
		os.Remove(dir)
		unlock()
	}, nil
}
