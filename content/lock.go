package content

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// fileLock is an flock(2) on a file that exists only while the lock is held.
// flock, not fcntl: it belongs to the open file, so two goroutines of one
// process exclude each other as two processes do.
type fileLock struct {
	f    *os.File
	path string
	keep bool // the file is shared by many holders (shared locks): never unlink it
}

// lockFile takes an flock of kind how (unix.LOCK_EX or unix.LOCK_SH) on path,
// waiting until ctx is done. A holder unlinks the file when it releases an
// exclusive lock, so after locking we check that the path still names the
// inode we hold; otherwise a third process could lock a new file at the same
// path and both would believe they own the digest.
func lockFile(ctx context.Context, path string, how int, keep bool) (*fileLock, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open lock %s: %w", path, err)
		}
		if err := flockWait(ctx, f, how); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		same, err := sameInode(f, path)
		if err != nil {
			f.Close()
			return nil, err
		}
		if same {
			return &fileLock{f: f, path: path, keep: keep}, nil
		}
		f.Close()
	}
}

func flockWait(ctx context.Context, f *os.File, how int) error {
	delay := time.Millisecond
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

func sameInode(f *os.File, path string) (bool, error) {
	var held, named unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &held); err != nil {
		return false, fmt.Errorf("stat lock %s: %w", path, err)
	}
	if err := unix.Stat(path, &named); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, fmt.Errorf("stat lock %s: %w", path, err)
	}
	return held.Dev == named.Dev && held.Ino == named.Ino, nil
}

// releaseAfter runs a release step (an unlock, a writer's Close) once the
// work is done; its error is the result only when the work succeeded.
func releaseAfter(err *error, release func() error) {
	if rerr := release(); rerr != nil && *err == nil {
		*err = rerr
	}
}

// Unlock releases the lock. The file is unlinked first, while still locked,
// so a waiter that then gets the lock sees a stale inode and retries.
func (l *fileLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	var err error
	if !l.keep {
		if rerr := os.Remove(l.path); rerr != nil && !os.IsNotExist(rerr) {
			err = fmt.Errorf("remove lock %s: %w", l.path, rerr)
		}
	}
	if cerr := l.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("release lock %s: %w", l.path, cerr)
	}
	l.f = nil
	return err
}
