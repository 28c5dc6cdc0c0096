// Package overlay is a snapshot.Snapshotter on overlayfs: each snapshot is a
// directory, and a snapshot with parents is an overlay of their directories.
//
// Layout under root:
//
//	metadata.db          bbolt: keys, kinds, parents, labels
//	snapshots/<id>/fs    the snapshot's files (the upper dir when active)
//	snapshots/<id>/work  overlay's work dir, active snapshots only
//	snapshots/rm-<id>    a removed snapshot whose files are being deleted
//
// Many berth processes share one root. Each operation opens the db, runs one
// short transaction and closes it again, so that bbolt's file lock is held
// for milliseconds, never for the life of a process; a second process waits
// for it. Directories are created and renamed inside the write transaction,
// so a directory that no record names is an orphan of a crash, which New
// deletes.
package overlay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/berth-containers/berth/internal/boltdb"
	"github.com/berth-containers/berth/snapshot"
)

// lockTimeout is how long an operation waits for another process to release
// the metadata db.
const lockTimeout = 2 * time.Minute

// Snapshotter keeps overlay snapshots under one root directory.
type Snapshotter struct {
	root string
	// mu serializes this process's use of the db: bbolt's flock is per open
	// file, so two opens in one process would wait on each other.
	mu sync.RWMutex
}

var _ snapshot.Snapshotter = (*Snapshotter)(nil)

// New opens (creating if needed) the snapshotter at root and deletes the
// directories that crashed operations left behind.
func New(root string) (*Snapshotter, error) {
	if err := os.MkdirAll(filepath.Join(root, "snapshots"), 0o700); err != nil {
		return nil, fmt.Errorf("create snapshot root %s: %w", root, err)
	}
	s := &Snapshotter{root: root}
	var trash []string
	collect := func(tx *bolt.Tx) error {
		var err error
		trash, err = s.collectOrphans(tx)
		return err
	}
	// Each berth command opens the snapshotter: a store that has its
	// buckets is checked under the writers' lock but with no commit (no
	// fsync); only a fresh one is written.
	fresh := false
	s.mu.Lock()
	err := s.db().ExclusiveView(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSnapshots) == nil || tx.Bucket(bucketChildren) == nil {
			fresh = true
			return nil
		}
		return collect(tx)
	})
	s.mu.Unlock()
	err = dbError(err)
	if err == nil && fresh {
		err = s.update(func(tx *bolt.Tx) error {
			if err := createBuckets(tx); err != nil {
				return err
			}
			return collect(tx)
		})
	}
	if err != nil {
		return nil, err
	}
	if err := s.deleteDirs(trash); err != nil {
		// Not fatal: the next New retries the rm- dirs.
		slog.Warn("snapshot root has undeleted leftovers", "root", root, "err", err)
	}
	return s, nil
}

func (s *Snapshotter) dbPath() string { return filepath.Join(s.root, "metadata.db") }

func (s *Snapshotter) dir(id uint64) string {
	return filepath.Join(s.root, "snapshots", strconv.FormatUint(id, 10))
}

func (s *Snapshotter) fsDir(id uint64) string { return filepath.Join(s.dir(id), "fs") }

func (s *Snapshotter) workDir(id uint64) string { return filepath.Join(s.dir(id), "work") }

func (s *Snapshotter) trashDir(id uint64) string {
	return filepath.Join(s.root, "snapshots", "rm-"+strconv.FormatUint(id, 10))
}

// db is the snapshot metadata, opened per operation (internal/boltdb).
func (s *Snapshotter) db() boltdb.File { return boltdb.File{Path: s.dbPath(), Timeout: lockTimeout} }

// dbError names a lock that did not come free in time as errDBLocked.
func dbError(err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("snapshot metadata: %w after %s: %w", errDBLocked, lockTimeout, err)
	}
	return err
}

// update runs fn in a write transaction of its own.
func (s *Snapshotter) update(fn func(*bolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return dbError(s.db().Update(fn))
}

// view runs fn in a read transaction of its own; readers share the lock.
func (s *Snapshotter) view(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return dbError(s.db().View(fn))
}

// collectOrphans renames directories that no record names out of the way
// and returns every directory to delete. It runs under the write lock, when
// no other process can be between creating a directory and its record.
func (s *Snapshotter) collectOrphans(tx *bolt.Tx) ([]string, error) {
	live, err := liveIDs(tx)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.root, "snapshots")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var trash []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "rm-") {
			trash = append(trash, filepath.Join(dir, e.Name()))
			continue
		}
		id, err := strconv.ParseUint(e.Name(), 10, 64)
		if err != nil || live[id] {
			continue
		}
		if err := os.Rename(s.dir(id), s.trashDir(id)); err != nil {
			return nil, fmt.Errorf("move orphan snapshot dir %s aside: %w", s.dir(id), err)
		}
		trash = append(trash, s.trashDir(id))
	}
	return trash, nil
}

// deleteDirs removes directories outside any lock; a failure leaves an
// rm-<id> dir that the next New retries.
func (s *Snapshotter) deleteDirs(dirs []string) error {
	var errs []error
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("delete snapshot dir %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// Close releases nothing: the db is open only during an operation.
func (s *Snapshotter) Close() error { return nil }

// Stat returns the snapshot named key.
func (s *Snapshotter) Stat(ctx context.Context, key string) (snapshot.Info, error) {
	var info snapshot.Info
	err := s.view(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, key)
		info = r.info(key)
		return err
	})
	return info, err
}

// Walk calls fn for each snapshot. fn runs after the transaction ends, so it
// may call the snapshotter itself.
func (s *Snapshotter) Walk(ctx context.Context, fn func(snapshot.Info) error) error {
	var infos []snapshot.Info
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSnapshots).ForEach(func(k, _ []byte) error {
			r, err := getRecord(tx, string(k))
			infos = append(infos, r.info(string(k)))
			return err
		})
	})
	if err != nil {
		return err
	}
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}
