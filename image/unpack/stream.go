package unpack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/image/layer"
	"github.com/berth-containers/berth/snapshot"
)

// Pending is a layer being unpacked while it is written (berth build's
// COPY: the tar goes to the content store and into its snapshot in one
// pass, not written and then read back). Its diff ID is known only at the
// end, so the active snapshot is committed under its chain ID by Commit.
// Like Unpack, it must run with the content store's GC lock held shared:
// GC removes the active snapshots of a killed one by ExtractPrefix.
type Pending struct {
	sn     snapshot.Snapshotter
	key    string
	parent string
	upper  string
	lowers []string
	done   bool
}

// Begin prepares the active snapshot of a layer on parent (a chain ID of
// committed snapshots; empty for a first layer).
func Begin(ctx context.Context, sn snapshot.Snapshotter, parent string) (*Pending, error) {
	key := ExtractPrefix + randomHex() + "-stream"
	mounts, err := sn.Prepare(ctx, key, parent, nil)
	if err != nil {
		return nil, err
	}
	p := &Pending{sn: sn, key: key, parent: parent}
	if p.upper, p.lowers, err = upperDir(mounts); err != nil {
		p.Abort(ctx)
		return nil, err
	}
	return p, nil
}

// Apply writes the uncompressed layer tar read from r into the snapshot,
// then reads r to its end (past the tar's end-of-archive blocks), so a
// writer teeing into r is never left blocked.
func (p *Pending) Apply(ctx context.Context, r io.Reader) error {
	if _, err := layer.Apply(ctx, p.upper, r, layer.ApplyOptions{Parents: p.lowers}); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, r)
	return err
}

// Commit commits the snapshot under the chain ID of diffID (the digest of
// the tar Apply read) on the parent, and returns that chain ID. If one
// exists already (the same layer unpacked by another build), ours is
// removed: that copy is as good.
func (p *Pending) Commit(ctx context.Context, diffID digest.Digest) (digest.Digest, error) {
	if err := diffID.Validate(); err != nil {
		p.Abort(ctx)
		return "", fmt.Errorf("unpack: diff ID %q: %w", diffID, err)
	}
	chain := diffID
	if p.parent != "" {
		chain = digest.FromString(p.parent + " " + diffID.String())
	}
	err := p.sn.Commit(ctx, chain.String(), p.key, nil)
	if err == nil {
		p.done = true
		return chain, nil
	}
	p.Abort(ctx) // a duplicate, or a failed commit: ours goes
	if errors.Is(err, snapshot.ErrExists) {
		return chain, nil
	}
	return "", err
}

// Abort removes the snapshot unless it was committed; it is safe to call
// after Commit, and more than once.
func (p *Pending) Abort(ctx context.Context) {
	if p.done {
		return
	}
	p.done = true
	if err := p.sn.Remove(context.WithoutCancel(ctx), p.key); err != nil && !errors.Is(err, snapshot.ErrNotFound) {
		// GC removes what is left: its name starts with ExtractPrefix.
		slog.Debug("unpack: remove an abandoned snapshot", "key", p.key, "error", err)
	}
}
