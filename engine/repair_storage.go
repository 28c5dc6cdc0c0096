package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/dirlock"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/volume"
)

// RepairStorage removes what killed creates, runs and removals left of
// containers that no record names: the container dir, the run dir (and
// the rootfs mounted there) and the writable snapshot; and volume dirs a
// killed volume create left. A create in flight in another process holds
// its dir's lock (or the volumes' db) and is left alone.
func (ops *System) RepairStorage(ctx context.Context) error {
	svc, err := ops.e.c.Images()
	if err != nil {
		return err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return err
	}
	// Run dirs are made by start, after the record, and rm removes the
	// record last: only the root's own dirs and snapshots can be orphans.
	cands := map[string]bool{}
	dir := filepath.Join(ops.e.c.Root, "containers")
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, en := range entries {
		cands[en.Name()] = true
	}
	err = sn.Walk(ctx, func(i snapshot.Info) error {
		if i.Kind == snapshot.KindActive && !strings.HasPrefix(i.Name, unpack.ExtractPrefix) {
			cands[i.Name] = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list snapshots: %w", err)
	}
	var errs []error
	if vols, err := volume.New(ops.e.c.Root).RemoveOrphans(); err != nil {
		errs = append(errs, err)
	} else if len(vols) > 0 {
		slog.Info("removed volume dirs with no record", "volumes", vols)
	}
	for id := range cands {
		if !core.IsContainerID(id) {
			continue
		}
		removed, err := ops.removeOrphan(ctx, sn, id)
		if err != nil {
			errs = append(errs, err)
		} else if removed {
			slog.Info("removed the leftovers of a container with no record", "id", id)
		}
	}
	return errors.Join(errs...)
}

// removeOrphan removes container id's files and snapshot if it has no
// record and no create holds its dir.
func (ops *System) removeOrphan(ctx context.Context, sn snapshot.Snapshotter, id string) (bool, error) {
	if _, err := ops.e.c.Records.Get(id); !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	f, busy, err := dirlock.TryLock(ops.e.c.ContainerDir(id))
	switch {
	case err != nil:
		return false, err
	case busy:
		return false, nil // a create in flight
	case f != nil:
		defer f.Close()
		// The create may have finished between the look-up and the lock.
		if _, err := ops.e.c.Records.Get(id); !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	var errs []error
	if err := bundle.UnmountRootfs(ops.e.c, id); err != nil {
		errs = append(errs, err)
	}
	if err := sn.Remove(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, snapshot.ErrNotFound) {
		errs = append(errs, fmt.Errorf("remove snapshot of container %s: %w", id, err))
	}
	for _, dir := range []string{ops.e.c.RunDir(id), ops.e.c.ContainerDir(id)} {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove leftover %s: %w", dir, err))
		}
	}
	return true, errors.Join(errs...)
}
