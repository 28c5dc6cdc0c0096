package cachemount

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestAcquireSharingAndPrune(t *testing.T) {
	base := filepath.Join(t.TempDir(), "cm")
	o := Options{Mode: 0o750, UID: os.Getuid(), GID: os.Getgid()}
	dir, rel1, err := Acquire(base, "go-build", o)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o750 {
		t.Fatalf("new cache dir: %v, %v", st, err)
	}
	os.WriteFile(filepath.Join(dir, "f"), []byte("12345"), 0o644)
	for _, c := range []struct {
		sharing string
		busy    bool
	}{
		{Shared, false},  // shared with shared
		{Private, true},  // private while another holds it
		{"bogus", false}, // an error, not busy
	} {
		d, rel, err := Acquire(base, "go-build", Options{Sharing: c.sharing, Mode: 0o755})
		if c.sharing == "bogus" {
			if err == nil || errors.Is(err, ErrBusy) {
				t.Errorf("sharing=bogus: %v", err)
			}
			continue
		}
		if errors.Is(err, ErrBusy) != c.busy {
			t.Errorf("sharing=%s: error %v, want busy %v", c.sharing, err, c.busy)
		}
		if err == nil {
			if d != dir {
				t.Errorf("sharing=%s: dir %s, want %s", c.sharing, d, dir)
			}
			rel()
		}
	}
	// Held: prune leaves it; released: prune removes it.
	if n, removed, err := Prune(base); err != nil || len(removed) != 0 || n != 0 {
		t.Errorf("prune of a held cache: %d %v %v", n, removed, err)
	}
	rel1()
	if n, removed, err := Prune(base); err != nil || len(removed) != 1 || n != 5 {
		t.Errorf("prune: %d %v %v", n, removed, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("pruned cache still there: %v", err)
	}
	if _, _, err := Prune(filepath.Join(base, "none")); err != nil {
		t.Errorf("prune of no caches: %v", err)
	}
}

// TestSeed: a new directory is filled by Seed before it takes its name; a
// failed seed leaves no cache, and an existing one is not seeded again.
func TestSeed(t *testing.T) {
	base := t.TempDir()
	boom := errors.New("boom")
	o := Options{Mode: 0o755, UID: os.Getuid(), GID: os.Getgid(), Seed: func(string) error { return boom }}
	if _, _, err := Acquire(base, "x", o); !errors.Is(err, boom) {
		t.Fatalf("a failed seed: %v", err)
	}
	if left, _ := os.ReadDir(base); len(left) != 1 { // the lock file only
		t.Errorf("a failed seed left %v", left)
	}
	o.Seed = func(dir string) error { return os.WriteFile(filepath.Join(dir, "f"), []byte("seeded"), 0o644) }
	dir, release, err := Acquire(base, "x", o)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if data, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(data) != "seeded" {
		t.Errorf("seeded cache has f %q, %v", data, err)
	}
	o.Seed = func(string) error { return boom }
	if _, release, err := Acquire(base, "x", o); err != nil {
		t.Errorf("an existing cache was seeded again: %v", err)
	} else {
		release()
	}
}
