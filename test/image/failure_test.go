package image_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// storeState lists the blobs and ingest files of a berth root.
func storeState(t *testing.T, e *env) (blobs, ingest []string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(e.root, "blobs", "sha256"))
	for _, x := range entries {
		blobs = append(blobs, x.Name())
	}
	entries, _ = os.ReadDir(filepath.Join(e.root, "ingest"))
	for _, x := range entries {
		if x.Name() != "gc.lock" {
			ingest = append(ingest, x.Name())
		}
	}
	return blobs, ingest
}

// TestCorruptBlobRejected corrupts a layer in the registry's storage: the
// pull fails naming the digest, and nothing of it stays in the store.
func TestCorruptBlobRejected(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	layer := randomLayer(t, "f", 1<<20, 3)
	a.ok("load", "-i", ociArchive(t, "bad:1", [][]byte{layer}))
	ref := reg.Addr + "/x/bad:1"
	a.ok("tag", "bad:1", ref)
	a.ok("push", ref)
	d := diffIDs(t, a.inspect(ref))[0].Encoded()
	data := filepath.Join(reg.Storage, "docker/registry/v2/blobs/sha256", d[:2], d, "data")
	content, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	content[len(content)/2] ^= 0xff
	if err := os.WriteFile(data, content, 0o644); err != nil {
		t.Fatal(err)
	}
	errOut := b.fail(1, "pull", ref)
	if !strings.Contains(errOut, d) || !strings.Contains(errOut, "hashes to") {
		t.Errorf("error does not name the bad blob: %s", errOut)
	}
	blobs, ingest := storeState(t, b)
	for _, x := range blobs {
		if x == d {
			t.Error("corrupt blob was committed")
		}
	}
	if len(ingest) > 0 {
		t.Errorf("partial files left: %v", ingest)
	}
	if out := b.ok("images", "-q"); out != "" {
		t.Errorf("image recorded after a failed pull: %q", out)
	}
}

// TestRegistryKilledMidPull kills the registry while a big layer streams
// through a slow proxy: the store stays consistent and a retry succeeds.
func TestRegistryKilledMidPull(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	a.ok("load", "-i", ociArchive(t, "big:1", [][]byte{randomLayer(t, "big", 48<<20, 5)}))
	a.ok("tag", "big:1", reg.Addr+"/x/big:1")
	a.ok("push", reg.Addr+"/x/big:1")
	p := startProxy(t, reg.Addr, 8<<20)
	done := make(chan int, 1)
	go func() {
		_, _, code := b.run(nil, "pull", p.Addr+"/x/big:1")
		done <- code
	}()
	// Wait until the layer is partly written, then kill the registry.
	// At 8 MB/s the 48 MB layer is in ingest/ for seconds: polling every
	// 50 ms cannot miss it.
	testutil.Eventually(t, 20*time.Second, func() bool { _, ingest := storeState(t, b); return partial(t, b, ingest) > 1<<20 },
		func() string { return "pull never started writing the layer" })
	reg.Kill()
	if code := <-done; code != 1 {
		t.Fatalf("pull with the registry killed: exit %d, want 1", code)
	}
	blobs, ingest := storeState(t, b)
	if len(ingest) > 0 {
		t.Errorf("partial files left: %v", ingest)
	}
	for _, x := range blobs {
		if x == diffIDs(t, a.inspect("big:1"))[0].Encoded() {
			t.Error("half-fetched layer was committed")
		}
	}
	if out := b.ok("images", "-q"); out != "" {
		t.Errorf("image recorded after a failed pull: %q", out)
	}
	reg.Start()
	out := b.ok("pull", p.Addr+"/x/big:1")
	if !strings.Contains(out, "Downloaded newer image") {
		t.Errorf("retry: %s", out)
	}
	if b.inspect(p.Addr + "/x/big:1")["Id"] != a.inspect("big:1")["Id"] {
		t.Error("retried pull has another ID")
	}
}

func partial(t *testing.T, e *env, ingest []string) int64 {
	var n int64
	for _, x := range ingest {
		if st, err := os.Stat(filepath.Join(e.root, "ingest", x)); err == nil && strings.HasSuffix(x, ".data") {
			n += st.Size()
		}
	}
	return n
}
