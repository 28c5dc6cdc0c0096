package boltdb

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"golang.org/x/sys/unix"
)

func TestUpdateView(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metadata.db")
	if err := View(path, func(*bolt.Tx) error { return nil }); err == nil {
		t.Error("View of a missing file succeeded; want an error (read-only opens need the file)")
	}
	err := Update(path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != Mode {
		t.Fatalf("database file: %v, %v; want mode %o", st.Mode(), err, Mode)
	}
	var got string
	if err := View(path, func(tx *bolt.Tx) error {
		got = string(tx.Bucket([]byte("b")).Get([]byte("k")))
		return nil
	}); err != nil || got != "v" {
		t.Fatalf("View read %q, %v; want v", got, err)
	}
	want := errors.New("from fn")
	if err := Update(path, func(*bolt.Tx) error { return want }); !errors.Is(err, want) {
		t.Errorf("Update returned %v; want fn's error", err)
	}
}

// TestTimeout holds the write lock from one open while another waits:
// the second gives up after Timeout with bbolt's timeout error, and two
// readers share the file.
func TestTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metadata.db")
	if err := Update(path, func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	old := Timeout
	Timeout = 100 * time.Millisecond
	defer func() { Timeout = old }()
	for _, tt := range []struct {
		name        string
		outer       func(string, func(*bolt.Tx) error) error
		inner       func(string, func(*bolt.Tx) error) error
		wantTimeout bool
	}{
		{"write holds, write waits", Update, Update, true},
		{"write holds, read waits", Update, View, true},
		{"read holds, read shares", View, View, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var inner error
			err := tt.outer(path, func(*bolt.Tx) error {
				inner = tt.inner(path, func(*bolt.Tx) error { return nil })
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := errors.Is(inner, bolterrors.ErrTimeout); got != tt.wantTimeout {
				t.Errorf("inner open: %v; want timeout %v", inner, tt.wantTimeout)
			}
		})
	}
}

// TestFileTimeout: a File's own timeout bounds its wait, whatever the
// package's Timeout.
func TestFileTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metadata.db")
	f := File{Path: path, Timeout: 50 * time.Millisecond}
	if err := f.Update(func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var inner error
	start := time.Now()
	if err := Update(path, func(*bolt.Tx) error {
		inner = f.View(func(*bolt.Tx) error { return nil })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, bolterrors.ErrTimeout) {
		t.Errorf("view while a write holds the file: %v; want bbolt's timeout", inner)
	}
	if waited := time.Since(start); waited > Timeout/2 {
		t.Errorf("waited %v: the File's 50ms did not apply", waited)
	}
}

// TestAwaitLock: an open waits for another holder's exclusive lock and
// gives up with bbolt's ErrTimeout; a reader does not wait for readers.
func TestAwaitLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metadata.db")
	if err := Update(path, func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	short := File{Path: path, Timeout: 30 * time.Millisecond}
	if err := short.View(func(*bolt.Tx) error { return nil }); !errors.Is(err, bolterrors.ErrTimeout) {
		t.Errorf("View under another's exclusive lock: %v, want ErrTimeout", err)
	}
	if err := short.Update(func(*bolt.Tx) error { return nil }); !errors.Is(err, bolterrors.ErrTimeout) {
		t.Errorf("Update under another's exclusive lock: %v, want ErrTimeout", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	if err := short.View(func(*bolt.Tx) error { return nil }); err != nil {
		t.Errorf("View beside another reader: %v", err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	}()
	if err := (File{Path: path, Timeout: 10 * time.Second}).Update(func(*bolt.Tx) error { return nil }); err != nil {
		t.Errorf("Update once the reader went: %v", err)
	}
}
