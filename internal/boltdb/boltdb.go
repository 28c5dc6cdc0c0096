// Package boltdb opens berth's metadata database (<root>/metadata.db,
// shared by the container, image, network and volume records) the one way
// they all need: per operation, closed at once, so that many berth
// processes take turns on the file instead of failing.
package boltdb

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"golang.org/x/sys/unix"
)

// Timeout bounds how long an open waits for another berth process holding
// the database.
var Timeout = 30 * time.Second

// Mode is the database file's mode: records name paths and options only
// root should read.
const Mode = 0o600

// Update runs fn in a write transaction, creating the file if need be.
// Every commit is synced (no NoSync): a record is what lets a container
// be found and cleaned up after a crash.
func Update(path string, fn func(*bolt.Tx) error) error { return File{Path: path}.Update(fn) }

// View runs fn in a read-only transaction on an existing file. The open
// takes a shared lock, so readers do not wait for each other.
func View(path string, fn func(*bolt.Tx) error) error { return File{Path: path}.View(fn) }

// File is a database with a wait of its own: the snapshotter's, whose
// writers hold the lock while they create and rename directories, waits
// longer than the records' Timeout.
type File struct {
	Path string
	// Timeout bounds the wait for the lock; zero means the package's
	// Timeout. An open that gives up returns bbolt's ErrTimeout, wrapped.
	Timeout time.Duration
}

// Update is the package's Update on f.
func (f File) Update(fn func(*bolt.Tx) error) error {
	return f.with(false, func(db *bolt.DB) error { return db.Update(fn) })
}

// View is the package's View on f.
func (f File) View(fn func(*bolt.Tx) error) error {
	return f.with(true, func(db *bolt.DB) error { return db.View(fn) })
}

// ExclusiveView runs fn in a read transaction with the file held as a
// writer holds it, so that no other process is inside a write meanwhile:
// for a check that must see no write half done but writes nothing
// itself. Unlike an Update, it commits nothing and so fsyncs nothing.
func (f File) ExclusiveView(fn func(*bolt.Tx) error) error {
	return f.with(false, func(db *bolt.DB) error { return db.View(fn) })
}

func (f File) with(readOnly bool, fn func(*bolt.DB) error) (err error) {
	timeout := f.Timeout
	if timeout == 0 {
		timeout = Timeout
	}
	release, err := awaitLock(f.Path, readOnly, timeout)
	if err != nil {
		return err
	}
	db, err := bolt.Open(f.Path, Mode, &bolt.Options{Timeout: timeout, ReadOnly: readOnly})
	release()
	if err != nil {
		return fmt.Errorf("open metadata %s: %w (another berth command may hold it)", f.Path, err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close metadata %s: %w", f.Path, cerr))
		}
	}()
	return fn(db)
}

// lockStep is how often awaitLock tries the lock again.
const lockStep = time.Millisecond

// awaitLock waits for the database's lock at a fine step before bbolt
// tries it: bbolt retries a lock it did not get only every 50 ms, and
// berth's processes take turns on the file many times a second (a
// container started through the API has its record written by the
// monitor while the API's waiters read it), so a turn lost cost 50 ms.
// The wait is a flock of an fd of its own. A reader keeps its shared lock
// until bbolt holds its own (shared locks do not conflict), so no writer
// comes between; a writer lets its exclusive one go just before bbolt
// takes it, and may rarely lose that race to bbolt's slower retry. A
// file not made yet needs no wait.
func awaitLock(path string, readOnly bool, timeout time.Duration) (release func(), err error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return func() {}, nil // bbolt creates it, or says why not
	}
	how := unix.LOCK_EX
	if readOnly {
		how = unix.LOCK_SH
	}
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(fd, how|unix.LOCK_NB)
		if err == nil && readOnly && emptyFile(fd) {
			// Made a moment ago by a writer that has not written its
			// first pages yet (it creates the file, then locks it): a
			// read-only open would try to write them and fail with EBADF.
			// Let the writer go first.
			_ = unix.Flock(fd, unix.LOCK_UN) // closing the fd drops it too
			err = unix.EWOULDBLOCK
		}
		if err == nil {
			break
		}
		if err != unix.EWOULDBLOCK || time.Now().After(deadline) {
			unix.Close(fd)
			if err == unix.EWOULDBLOCK {
				return nil, fmt.Errorf("open metadata %s: %w (another berth command may hold it)", path, bolterrors.ErrTimeout)
			}
			return nil, fmt.Errorf("lock metadata %s: %w", path, err)
		}
		time.Sleep(lockStep)
	}
	if !readOnly {
		unix.Close(fd) // bbolt's exclusive lock would conflict with this one
		return func() {}, nil
	}
	return func() { unix.Close(fd) }, nil
}

// emptyFile reports whether fd's file has no bytes yet.
func emptyFile(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Size == 0
}
