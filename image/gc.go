package image

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/image/store"
	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/snapshot"
)

// GCReport says what a collection removed.
type GCReport struct {
	Blobs     []digest.Digest
	Snapshots []string
	Reclaimed int64 // bytes of blobs removed
}

// GC removes blobs and layer snapshots no image record references. It
// takes the content store's GC lock, so pulls in other processes wait.
func (s *Service) GC(ctx context.Context) (GCReport, error) {
	var rep GCReport
	blobs, size, err := s.Content.Sweep(ctx, func() (map[digest.Digest]bool, error) {
		keep, chains, err := s.mark()
		if err != nil {
			return nil, err
		}
		rep.Snapshots, err = s.sweepSnapshots(ctx, chains)
		return keep, err
	})
	rep.Blobs, rep.Reclaimed = blobs, size
	return rep, err
}

// mark returns the blobs and layer snapshots (chain IDs) of every record.
func (s *Service) mark() (map[digest.Digest]bool, map[string]bool, error) {
	recs, err := s.Records.List()
	if err != nil {
		return nil, nil, err
	}
	keep, chains := map[digest.Digest]bool{}, map[string]bool{}
	for _, r := range recs {
		keep[r.Target.Digest] = true
		if r.RepoDigest != "" {
			keep[r.RepoDigest] = true // the index it was pulled by
		}
		img, err := s.load(r.Target)
		if err != nil {
			// Keep what we can reach: a broken record must not make GC
			// delete the blobs of every other image.
			return nil, nil, fmt.Errorf("mark image %s: %w", store.Key(r), err)
		}
		keep[img.Manifest.Config.Digest] = true
		for _, l := range img.Manifest.Layers {
			keep[l.Digest] = true
		}
		for _, c := range unpack.ChainIDs(img.Config.RootFS.DiffIDs) {
			chains[c.String()] = true
		}
	}
	return keep, chains, nil
}

// sweepSnapshots removes committed layer snapshots not in keep, leaves
// first: a parent goes once its children are gone. Active snapshots
// (containers, unpacks in progress) are never touched.
func (s *Service) sweepSnapshots(ctx context.Context, keep map[string]bool) ([]string, error) {
	sn, err := s.Snapshotter()
	if err != nil {
		return nil, err
	}
	removed, err := sweepExtracts(ctx, sn)
	if err != nil {
		return removed, err
	}
	for {
		var cands []string
		err := sn.Walk(ctx, func(i snapshot.Info) error {
			if i.Kind == snapshot.KindCommitted && strings.HasPrefix(i.Name, "sha256:") && !keep[i.Name] {
				cands = append(cands, i.Name)
			}
			return nil
		})
		if err != nil {
			return removed, fmt.Errorf("list snapshots: %w", err)
		}
		progress := false
		for _, c := range cands {
			err := sn.Remove(ctx, c)
			switch {
			case err == nil:
				removed = append(removed, c)
				progress = true
			case errors.Is(err, snapshot.ErrInUse), errors.Is(err, snapshot.ErrNotFound):
			default:
				return removed, fmt.Errorf("remove snapshot %s: %w", c, err)
			}
		}
		if !progress {
			if len(cands) > 0 {
				slog.Debug("snapshots kept: a container or kept layer is on them", "count", len(cands))
			}
			return removed, nil
		}
	}
}

// sweepExtracts removes the active snapshots of unpacks that were killed
// before they committed or removed them. Every unpack runs with the
// content store's GC lock held shared (pull, load, import, the built-in
// image), and GC holds it exclusively: none is in flight now.
func sweepExtracts(ctx context.Context, sn snapshot.Snapshotter) ([]string, error) {
	var keys []string
	err := sn.Walk(ctx, func(i snapshot.Info) error {
		if i.Kind == snapshot.KindActive && strings.HasPrefix(i.Name, unpack.ExtractPrefix) {
			keys = append(keys, i.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var removed []string
	for _, k := range keys {
		if err := sn.Remove(ctx, k); err != nil && !errors.Is(err, snapshot.ErrNotFound) {
			return removed, fmt.Errorf("remove partial snapshot %s: %w", k, err)
		}
		removed = append(removed, k)
	}
	return removed, nil
}

// PruneReport says what image prune did.
type PruneReport struct {
	Deleted   []digest.Digest // image IDs
	Untagged  []string
	Reclaimed int64
}

// Prune removes dangling images, or with all every image no container
// uses, then collects blobs and snapshots.
func (s *Service) Prune(ctx context.Context, all bool) (PruneReport, error) {
	var rep PruneReport
	imgs, err := s.List(ctx)
	if err != nil {
		return rep, err
	}
	for _, img := range imgs {
		dangling := len(img.RepoTags) == 0 && len(img.RepoDigests) == 0
		if !dangling && !all {
			continue
		}
		users, err := s.inUse.ContainersUsing(ctx, img.ID)
		if err != nil {
			return rep, err
		}
		if len(users) > 0 {
			continue
		}
		removed, err := s.Records.DeleteImage(img.Target.Digest)
		if err != nil {
			return rep, err
		}
		for _, r := range removed {
			if r.Name != "" {
				rep.Untagged = append(rep.Untagged, Familiar(r.Name))
			}
		}
		if !slices.Contains(rep.Deleted, img.ID) {
			rep.Deleted = append(rep.Deleted, img.ID)
		}
	}
	gc, err := s.GC(ctx)
	rep.Reclaimed = gc.Reclaimed
	return rep, err
}
