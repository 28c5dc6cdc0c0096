package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/volume"
)

// A container is made in this order: containers/<id>, its writable
// snapshot <id>, its record. A create killed in between leaves a dir and a
// snapshot that no record names, and the snapshot pins the image's layers
// against every prune. The creator holds a flock on containers/<id> from
// its mkdir until the record is in (lockNewContainerDir), so RepairStorage
// tells a create in flight (locked) from a killed one (not locked).

// lockNewContainerDir makes containers/<id> and locks it. A repair that
// removed the dir between the mkdir and the lock is seen by the dir's
// link count (0 once removed): it is made again.
func (e *dirLayout) lockNewContainerDir(id string) (*os.File, error) {
	dir := e.containerDir(id)
	for {
		if err := e.makeContainerDir(id); err != nil {
			return nil, err
		}
		f, err := os.Open(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open container directory: %w", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock container directory %s: %w", dir, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			f.Close()
			return nil, fmt.Errorf("stat container directory %s: %w", dir, err)
		}
		if st.Nlink > 0 {
			return f, nil
		}
		f.Close()
	}
}

// RepairStorage removes what killed creates, runs and removals left of
// containers that no record names: the container dir, the run dir (and
// the rootfs mounted there) and the writable snapshot; and volume dirs a
// killed volume create left. A create in flight in another process holds
// its dir's lock (or the volumes' db) and is left alone.
func (ops *System) RepairStorage(ctx context.Context) error {
	svc, err := ops.e.imageService()
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
	dir := filepath.Join(ops.e.root, "containers")
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
	if vols, err := volume.New(ops.e.root).RemoveOrphans(); err != nil {
		errs = append(errs, err)
	} else if len(vols) > 0 {
		slog.Info("removed volume dirs with no record", "volumes", vols)
	}
	for id := range cands {
		if !isContainerID(id) {
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
	if _, err := ops.e.db.get(id); !errors.Is(err, ErrNotFound) {
		return false, err
	}
	f, err := os.Open(ops.e.dirs.containerDir(id))
	switch {
	case err == nil:
		defer f.Close()
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			if errors.Is(err, unix.EWOULDBLOCK) {
				return false, nil // a create in flight
			}
			return false, fmt.Errorf("lock container directory of %s: %w", id, err)
		}
		// The create may have finished between the look-up and the lock.
		if _, err := ops.e.db.get(id); !errors.Is(err, ErrNotFound) {
			return false, err
		}
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("open container directory of %s: %w", id, err)
	}
	var errs []error
	if err := ops.e.rt.unmountRootfs(id); err != nil {
		errs = append(errs, err)
	}
	if err := sn.Remove(context.WithoutCancel(ctx), id); err != nil && !isSnapshotNotFound(err) {
		errs = append(errs, fmt.Errorf("remove snapshot of container %s: %w", id, err))
	}
	for _, dir := range []string{ops.e.dirs.runDir(id), ops.e.dirs.containerDir(id)} {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove leftover %s: %w", dir, err))
		}
	}
	return true, errors.Join(errs...)
}

// isContainerID: 64 lower-case hex digits, as newID makes.
func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
