package overlay

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-containers/berth/internal/userns"
	"github.com/berth-containers/berth/snapshot"
)

// Prepare creates the active snapshot key on the committed parent.
func (s *Snapshotter) Prepare(ctx context.Context, key, parent string, labels map[string]string) ([]snapshot.Mount, error) {
	return s.create(ctx, snapshot.KindActive, key, parent, labels)
}

// View creates the read-only snapshot key of the committed parent.
func (s *Snapshotter) View(ctx context.Context, key, parent string, labels map[string]string) ([]snapshot.Mount, error) {
	return s.create(ctx, snapshot.KindView, key, parent, labels)
}

func (s *Snapshotter) create(ctx context.Context, kind snapshot.Kind, key, parent string, labels map[string]string) ([]snapshot.Mount, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if key == "" || strings.Contains(key, "\x00") {
		return nil, fmt.Errorf("snapshot key %q: %w", key, snapshot.ErrInvalid)
	}
	var mounts []snapshot.Mount
	err := s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSnapshots).Get([]byte(key)) != nil {
			return fmt.Errorf("snapshot %q: %w", key, snapshot.ErrExists)
		}
		if parent != "" {
			pr, err := getRecord(tx, parent)
			if err != nil {
				return fmt.Errorf("parent of %q: %w", key, err)
			}
			if pr.Kind != snapshot.KindCommitted {
				return fmt.Errorf("parent %q of %q is %s, not committed: %w", parent, key, pr.Kind, snapshot.ErrInvalid)
			}
		}
		id, err := tx.Bucket(bucketSnapshots).NextSequence()
		if err != nil {
			return fmt.Errorf("allocate id for snapshot %q: %w", key, err)
		}
		now := time.Now().UTC()
		r := record{ID: id, Kind: kind, Parent: parent, Created: now, Updated: now, Labels: maps.Clone(labels)}
		if err := putRecord(tx, key, r); err != nil {
			return err
		}
		if err := addChild(tx, parent, key); err != nil {
			return err
		}
		if mounts, err = s.mounts(tx, r); err != nil {
			return err
		}
		// Last, so that a failure above leaves no directory; if the commit
		// fails after it, the directory is an orphan that New deletes.
		return s.makeDirs(id, kind)
	})
	if err != nil {
		return nil, err
	}
	return mounts, nil
}

func (s *Snapshotter) makeDirs(id uint64, kind snapshot.Kind) error {
	dirs := []string{s.dir(id), s.fsDir(id)}
	if kind == snapshot.KindActive {
		dirs = append(dirs, s.workDir(id))
	}
	for i, d := range dirs {
		err := os.Mkdir(d, 0o700)
		if err == nil && i == 1 {
			// fs is the container's root directory: its users enter it,
			// whatever the umask. The 0700 s.dir(id) keeps others out.
			err = os.Chmod(d, 0o755)
		}
		if err != nil {
			return errors.Join(fmt.Errorf("create snapshot dir: %w", err), os.RemoveAll(s.dir(id)))
		}
	}
	return nil
}

// Mounts returns the mounts of an active snapshot or a view.
func (s *Snapshotter) Mounts(ctx context.Context, key string) ([]snapshot.Mount, error) {
	var mounts []snapshot.Mount
	err := s.view(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		if r.Kind == snapshot.KindCommitted {
			return fmt.Errorf("snapshot %q is committed, mount a view of it: %w", key, snapshot.ErrInvalid)
		}
		mounts, err = s.mounts(tx, r)
		return err
	})
	return mounts, err
}

// mounts builds the mount list. One directory needs no overlay: a bind of
// it. An active snapshot on parents is an overlay with its own upper and
// work dirs; index=off because the same lower dirs are shared by many
// overlays, which the index forbids.
func (s *Snapshotter) mounts(tx *bolt.Tx, r record) ([]snapshot.Mount, error) {
	parents, err := parentIDs(tx, r)
	if err != nil {
		return nil, err
	}
	if r.Kind == snapshot.KindView {
		switch len(parents) {
		case 0:
			return []snapshot.Mount{bind(s.fsDir(r.ID), "ro")}, nil
		case 1:
			return []snapshot.Mount{bind(s.fsDir(parents[0]), "ro")}, nil
		}
		return []snapshot.Mount{{Type: "overlay", Source: "overlay", Options: withUserXattr([]string{"ro", s.lowerDirs(parents)})}}, nil
	}
	if len(parents) == 0 {
		return []snapshot.Mount{bind(s.fsDir(r.ID), "rw")}, nil
	}
	return []snapshot.Mount{{Type: "overlay", Source: "overlay", Options: withUserXattr([]string{
		"index=off",
		"workdir=" + s.workDir(r.ID),
		"upperdir=" + s.fsDir(r.ID),
		s.lowerDirs(parents),
	})}}, nil
}

// withUserXattr adds userxattr in a user namespace (rootless berth's
// store), where overlay can keep whiteouts and opaque dirs only in
// user.overlay.* xattrs; the layers were unpacked with the same prefix.
func withUserXattr(opts []string) []string {
	if userns.Inside() {
		return append(opts, "userxattr")
	}
	return opts
}

func bind(dir, mode string) snapshot.Mount {
	return snapshot.Mount{Type: "bind", Source: dir, Options: []string{mode, "rbind"}}
}

func (s *Snapshotter) lowerDirs(ids []uint64) string {
	dirs := make([]string, len(ids))
	for i, id := range ids {
		dirs[i] = s.fsDir(id)
	}
	return "lowerdir=" + strings.Join(dirs, ":")
}

// Commit turns the active snapshot key into the committed snapshot name.
func (s *Snapshotter) Commit(ctx context.Context, name, key string, labels map[string]string) error {
	if name == "" || strings.Contains(name, "\x00") {
		return fmt.Errorf("snapshot name %q: %w", name, snapshot.ErrInvalid)
	}
	// Measured before the transaction so as not to hold the lock over a
	// tree walk; an active snapshot is not written while being committed.
	var id uint64
	if err := s.view(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, key)
		id = r.ID
		return err
	}); err != nil {
		return err
	}
	usage, err := diskUsage(s.fsDir(id))
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		if r.Kind != snapshot.KindActive {
			return fmt.Errorf("commit %q: it is %s, not active: %w", key, r.Kind, snapshot.ErrInvalid)
		}
		if r.ID != id {
			return fmt.Errorf("commit %q: replaced while committing: %w", key, snapshot.ErrNotFound)
		}
		if tx.Bucket(bucketSnapshots).Get([]byte(name)) != nil {
			return fmt.Errorf("commit %q as %q: %w", key, name, snapshot.ErrExists)
		}
		now := time.Now().UTC()
		r.Kind, r.Created, r.Updated, r.Labels = snapshot.KindCommitted, now, now, maps.Clone(labels)
		r.Size, r.Inodes = usage.Size, usage.Inodes
		if err := tx.Bucket(bucketSnapshots).Delete([]byte(key)); err != nil {
			return fmt.Errorf("delete active snapshot %q: %w", key, err)
		}
		if err := errors.Join(removeChild(tx, r.Parent, key), addChild(tx, r.Parent, name)); err != nil {
			return err
		}
		return putRecord(tx, name, r)
	})
}

// Remove deletes the snapshot key unless it is a parent.
func (s *Snapshotter) Remove(ctx context.Context, key string) error {
	var id uint64
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		if hasChildren(tx, key) {
			return fmt.Errorf("remove snapshot %q: it is the parent of others: %w", key, snapshot.ErrInUse)
		}
		if err := tx.Bucket(bucketSnapshots).Delete([]byte(key)); err != nil {
			return fmt.Errorf("delete snapshot %q: %w", key, err)
		}
		if err := removeChild(tx, r.Parent, key); err != nil {
			return err
		}
		id = r.ID
		// Renamed under the lock so no other process can mount it any more;
		// deleted after, so a big tree does not hold the lock.
		if err := os.Rename(s.dir(id), s.trashDir(id)); err != nil {
			return fmt.Errorf("remove snapshot %q: move %s aside: %w", key, s.dir(id), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.deleteDirs([]string{s.trashDir(id)})
}

// Usage returns the space the snapshot itself takes: measured for an active
// snapshot, remembered from Commit for a committed one.
func (s *Snapshotter) Usage(ctx context.Context, key string) (snapshot.Usage, error) {
	var r record
	if err := s.view(func(tx *bolt.Tx) error {
		var err error
		r, err = getRecord(tx, key)
		return err
	}); err != nil {
		return snapshot.Usage{}, err
	}
	if r.Kind == snapshot.KindCommitted {
		return snapshot.Usage{Size: r.Size, Inodes: r.Inodes}, nil
	}
	return diskUsage(s.fsDir(r.ID))
}

// diskUsage counts allocated blocks and inodes under dir, each hardlinked
// inode once, as du does.
func diskUsage(dir string) (snapshot.Usage, error) {
	var u snapshot.Usage
	seen := map[uint64]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || seen[st.Ino] {
			return nil
		}
		seen[st.Ino] = true
		u.Inodes++
		u.Size += st.Blocks * 512
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("measure disk usage of %s: %w", dir, err)
	}
	return u, nil
}

// ReadOnlyMounts returns the mounts of a read-only view of the committed
// snapshot name without recording a view: a read of the database, no
// write and no fsync (berth build looks into each COPY's base image so).
// Nothing then keeps name from removal, so the caller must: berth removes
// layer snapshots only in image GC, under the content store's GC lock,
// which the caller holds shared while the mounts are in use.
func (s *Snapshotter) ReadOnlyMounts(ctx context.Context, name string) ([]snapshot.Mount, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var mounts []snapshot.Mount
	err := s.view(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, name)
		if err != nil {
			return err
		}
		if r.Kind != snapshot.KindCommitted {
			return fmt.Errorf("snapshot %q is %s, not committed: %w", name, r.Kind, snapshot.ErrInvalid)
		}
		mounts, err = s.mounts(tx, record{Kind: snapshot.KindView, Parent: name})
		return err
	})
	return mounts, err
}
