// Package dirlock is the lock a container's create holds on its directory
// (containers/<id>) from the mkdir until the record is in. A container is
// made in this order: the directory, its writable snapshot, its record; a
// create killed in between leaves a directory and a snapshot no record
// names, and the snapshot pins the image's layers against every prune.
// The storage repair tells a create in flight (locked) from a killed one
// (not locked) by trying the lock. The locks are flock(2)s: the kernel
// drops them with the process, so a killed create never leaves one held.
package dirlock

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Create makes dir with mkdir and locks it, for a create to hold until
// its record is in; closing the file unlocks. A repair that removed the
// directory between the mkdir and the lock is seen by its link count (0
// once removed): it is made again.
func Create(dir string, mkdir func() error) (*os.File, error) {
	for {
		if err := mkdir(); err != nil {
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

// TryLock locks dir for a repair, without waiting: busy when a create
// holds it. f is nil (and no error) when dir does not exist; otherwise the
// caller closes it, which unlocks.
func TryLock(dir string) (f *os.File, busy bool, err error) {
	f, err = os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("open container directory %s: %w", dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("lock container directory %s: %w", dir, err)
	}
	return f, false, nil
}
