package stepcache

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestGetPut(t *testing.T) {
	root := t.TempDir()
	c := Open(root)
	if imgs, err := Images(root); err != nil || len(imgs) != 0 {
		t.Fatalf("images of no build: %v, %v", imgs, err)
	}
	if _, err := os.Stat(filepath.Join(root, "builder")); !os.IsNotExist(err) {
		t.Errorf("a listing made the cache's directory: %v", err)
	}
	key, img := digest.FromString("step"), digest.FromString("image")
	if _, ok, err := c.Get(key); ok || err != nil {
		t.Fatalf("get before put: %v, %v", ok, err)
	}
	if err := c.Put(key, img); err != nil {
		t.Fatal(err)
	}
	got, ok, err := Open(root).Get(key)
	if !ok || err != nil || got != img {
		t.Fatalf("get after put: %s, %v, %v", got, ok, err)
	}
	if imgs, err := Images(root); err != nil || !imgs[img] || len(imgs) != 1 {
		t.Errorf("images: %v, %v", imgs, err)
	}
}

// Builds at the same time each rewrite the whole index: the lock keeps
// every entry.
func TestConcurrentPutsKeepAll(t *testing.T) {
	root := t.TempDir()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k := digest.FromString(fmt.Sprint("step", i))
			if err := Open(root).Put(k, digest.FromString(fmt.Sprint("image", i))); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	imgs, err := Images(root)
	if err != nil || len(imgs) != 16 {
		t.Errorf("%d images kept of 16 (%v)", len(imgs), err)
	}
}

func TestDamagedIndex(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "builder"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "builder", "cache.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(root).Get(digest.FromString("x")); err == nil {
		t.Error("a damaged index read without an error")
	}
}

// A hit puts what the index already has: the file is not rewritten, and a
// new image for the key still replaces the old.
func TestPutSameLeavesIndex(t *testing.T) {
	root := t.TempDir()
	c := Open(root)
	key, img := digest.FromString("step"), digest.FromString("image")
	if err := c.Put(key, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "builder", "cache.json")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Put(key, img); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("putting the same entry again rewrote the index")
	}
	other := digest.FromString("image 2")
	if err := c.Put(key, other); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := Open(root).Get(key); !ok || err != nil || got != other {
		t.Errorf("get after a new put: %s, %v, %v", got, ok, err)
	}
}
