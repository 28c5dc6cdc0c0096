// Package unpack turns an image's layers into committed snapshots, one per
// layer, each named by its chain ID so that images sharing a prefix of
// layers share the snapshots.
//
// A layer is applied straight into the upper directory of an active
// snapshot, without mounting it: the tar's whiteouts are converted to
// overlayfs's own, so the directory is a valid overlay layer as written.
// The uncompressed stream is hashed on the way and must equal the layer's
// diff ID before the snapshot is committed; on any failure the active
// snapshot is removed, so no partial layer is ever visible under a chain ID.
package unpack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/image/layer"
	"github.com/berth-containers/berth/snapshot"
)

// The readahead between decompression and Apply: 4 MiB in flight.
const (
	readaheadDepth = 4
	readaheadChunk = 1 << 20
)

// ExtractPrefix starts the key of the active snapshot a layer is unpacked
// into. Unpacks run with the content store's GC lock held shared, so GC
// removes those a killed unpack left.
const ExtractPrefix = "extract-"

// Layer is one layer of an image.
type Layer struct {
	DiffID digest.Digest                 // digest of the uncompressed tar
	Open   func() (io.ReadCloser, error) // the blob, compressed or not
}

// ChainIDs returns the OCI chain ID of each prefix of diffIDs:
// ChainID(L0) = DiffID(L0), ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).
func ChainIDs(diffIDs []digest.Digest) []digest.Digest {
	out := make([]digest.Digest, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		out[i] = digest.FromString(out[i-1].String() + " " + d.String())
	}
	return out
}

// Unpack makes sure a committed snapshot exists for every prefix of
// layers and returns the chain ID of the whole, the parent to Prepare a
// container's root filesystem on. Layers already unpacked (by this or
// another image, by this or another process) are not opened.
func Unpack(ctx context.Context, sn snapshot.Snapshotter, layers []Layer) (digest.Digest, error) {
	if len(layers) == 0 {
		return "", errors.New("unpack: image has no layers")
	}
	diffIDs := make([]digest.Digest, len(layers))
	for i, l := range layers {
		if err := l.DiffID.Validate(); err != nil {
			return "", fmt.Errorf("unpack: layer %d: diff ID %q: %w", i, l.DiffID, err)
		}
		diffIDs[i] = l.DiffID
	}
	chain := ChainIDs(diffIDs)
	parent := ""
	for i, l := range layers {
		if err := unpackLayer(ctx, sn, l, chain[i].String(), parent); err != nil {
			return "", fmt.Errorf("unpack: layer %d (%s): %w", i, l.DiffID, err)
		}
		parent = chain[i].String()
	}
	return chain[len(chain)-1], nil
}

// unpackLayer commits layer l on parent under chainID unless it exists.
func unpackLayer(ctx context.Context, sn snapshot.Snapshotter, l Layer, chainID, parent string) (err error) {
	if _, err := sn.Stat(ctx, chainID); err == nil {
		return nil
	} else if !errors.Is(err, snapshot.ErrNotFound) {
		return err
	}
	key := ExtractPrefix + randomHex() + "-" + chainID
	mounts, err := sn.Prepare(ctx, key, parent, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// The caller's context may be what failed; removal must still run.
			if rerr := sn.Remove(context.WithoutCancel(ctx), key); rerr != nil {
				err = errors.Join(err, fmt.Errorf("remove partial snapshot %s: %w", key, rerr))
			}
		}
	}()
	upper, lowers, err := upperDir(mounts)
	if err != nil {
		return err
	}
	if err := apply(ctx, l, upper, lowers); err != nil {
		return err
	}
	err = sn.Commit(ctx, chainID, key, nil)
	if errors.Is(err, snapshot.ErrExists) {
		// Another process unpacked the same layer first; its copy is as
		// good as ours.
		if rerr := sn.Remove(ctx, key); rerr != nil {
			return fmt.Errorf("remove duplicate snapshot %s: %w", key, rerr)
		}
		return nil
	}
	return err
}

// apply decompresses l into upper, checking the diff ID on the way.
func apply(ctx context.Context, l Layer, upper string, lowers []string) error {
	rc, err := l.Open()
	if err != nil {
		return fmt.Errorf("open blob: %w", err)
	}
	defer rc.Close()
	dr, _, err := layer.Decompress(rc)
	if err != nil {
		return err
	}
	verifier := l.DiffID.Algorithm().Digester()
	ra := newReadahead(dr, verifier.Hash(), readaheadDepth, readaheadChunk)
	defer ra.Stop()
	if _, err := layer.Apply(ctx, upper, ra, layer.ApplyOptions{Parents: lowers}); err != nil {
		return err
	}
	if got := verifier.Digest(); got != l.DiffID {
		return fmt.Errorf("uncompressed layer is %s, but the image says its diff ID is %s", got, l.DiffID)
	}
	return nil
}

// upperDir finds, in an active snapshot's mounts, the directory to write
// into and the lower layers below it, nearest first.
func upperDir(mounts []snapshot.Mount) (string, []string, error) {
	if len(mounts) == 1 {
		m := mounts[0]
		switch m.Type {
		case "bind":
			return m.Source, nil, nil
		case "overlay":
			var upper string
			var lowers []string
			for _, o := range m.Options {
				if v, ok := strings.CutPrefix(o, "upperdir="); ok {
					upper = v
				}
				if v, ok := strings.CutPrefix(o, "lowerdir="); ok {
					lowers = strings.Split(v, ":")
				}
			}
			if upper != "" {
				return upper, lowers, nil
			}
		}
	}
	return "", nil, fmt.Errorf("no upper directory to apply into in mounts %+v", mounts)
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24): it crashes instead
	return hex.EncodeToString(b)
}
