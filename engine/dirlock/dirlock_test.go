package dirlock

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCreateAndTryLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	mkdir := func() error { return os.MkdirAll(dir, 0o700) }

	f, busy, err := TryLock(dir)
	if f != nil || busy || err != nil {
		t.Fatalf("TryLock of no directory = %v, %v, %v; want nil, false, nil", f, busy, err)
	}
	held, err := Create(dir, mkdir)
	if err != nil {
		t.Fatal(err)
	}
	// flock(2) locks an open file: another open in this process conflicts
	// as another process's would.
	if f, busy, err := TryLock(dir); f != nil || !busy || err != nil {
		t.Fatalf("TryLock while a create holds it = %v, %v, %v; want busy", f, busy, err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	f, busy, err = TryLock(dir)
	if f == nil || busy || err != nil {
		t.Fatalf("TryLock after the create = %v, %v, %v; want the lock", f, busy, err)
	}
	f.Close()
}

// TestCreateRemadeAfterRemove: a directory removed between the mkdir and
// the lock (a repair that saw it unlocked) is made again.
func TestCreateRemadeAfterRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	calls := 0
	mkdir := func() error {
		calls++
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if calls == 1 {
			return os.Remove(dir) // the repair's, right after the mkdir
		}
		return nil
	}
	f, err := Create(dir, mkdir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if calls != 2 {
		t.Errorf("mkdir called %d times, want 2", calls)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("directory: %v", err)
	}
}
