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

func (f File) with(readOnly bool, fn func(*bolt.DB) error) (err error) {
	timeout := f.Timeout
	if timeout == 0 {
		timeout = Timeout
	}
	db, err := bolt.Open(f.Path, Mode, &bolt.Options{Timeout: timeout, ReadOnly: readOnly})
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
