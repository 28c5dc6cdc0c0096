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
func Update(path string, fn func(*bolt.Tx) error) error {
	return with(path, false, func(db *bolt.DB) error { return db.Update(fn) })
}

// View runs fn in a read-only transaction on an existing file. The open
// takes a shared lock, so readers do not wait for each other.
func View(path string, fn func(*bolt.Tx) error) error {
	return with(path, true, func(db *bolt.DB) error { return db.View(fn) })
}

func with(path string, readOnly bool, fn func(*bolt.DB) error) (err error) {
	db, err := bolt.Open(path, Mode, &bolt.Options{Timeout: Timeout, ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("open metadata %s: %w (another berth command may hold it)", path, err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close metadata %s: %w", path, cerr))
		}
	}()
	return fn(db)
}
