package image_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/test/testutil"
)

// leftovers lists what a root holds in its blobs, ingest and snapshots.
func leftovers(t *testing.T, e *env) []string {
	t.Helper()
	blobs, ingest := storeState(t, e)
	left := append(blobs, ingest...)
	entries, _ := os.ReadDir(filepath.Join(e.root, "snapshots", "overlay", "snapshots"))
	for _, x := range entries {
		left = append(left, "snapshot "+x.Name())
	}
	return left
}

// TestKilledPullPruneLeavesNothing SIGKILLs pull from a loopback registry
// at many moments, and when it is seen writing a partial blob and when it
// is seen unpacking: `system prune -a -f` then leaves no blob, ingest file
// or snapshot, and the next pull works.
func TestKilledPullPruneLeavesNothing(t *testing.T) {
	src, e := newEnv(t), newEnv(t)
	runroot := filepath.Join(t.TempDir(), "run")
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	layers := [][]byte{randomLayer(t, "a", 6<<20, 11), randomLayer(t, "b", 6<<20, 12), randomLayer(t, "c", 64<<10, 13)}
	src.ok("load", "-i", ociArchive(t, "kill:1", layers))
	ref := reg.Addr + "/x/kill:1"
	src.ok("tag", "kill:1", ref)
	src.ok("push", ref)
	prune := func(what string) {
		t.Helper()
		e.ok("--runroot", runroot, "system", "prune", "-a", "-f")
		if left := leftovers(t, e); len(left) > 0 {
			t.Errorf("pull killed %s: prune left %v", what, left)
		}
	}
	pull := func() *exec.Cmd {
		cmd := exec.Command(berthBinary(t), "--root", e.root, "--config", e.conf, "--runroot", runroot, "pull", ref)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Kill()
		cmd.Wait()
	}
	for _, d := range []time.Duration{0, 5, 15, 30, 50, 80, 120, 200, 350} {
		cmd := pull()
		time.Sleep(d * time.Millisecond)
		kill(cmd)
		prune("after " + (d * time.Millisecond).String())
	}
	// At markers: a partial blob in ingest/, an unpack's snapshot dir.
	markers := map[string]func() bool{
		"writing a blob": func() bool { _, ingest := storeState(t, e); return partial(t, e, ingest) > 0 },
		"unpacking": func() bool {
			entries, _ := os.ReadDir(filepath.Join(e.root, "snapshots", "overlay", "snapshots"))
			return len(entries) > 0
		},
	}
	for what, seen := range markers {
		cmd := pull()
		for deadline := time.Now().Add(20 * time.Second); !seen(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("pull never got to %s", what)
			}
		}
		kill(cmd)
		prune("while " + what)
	}
	if out := e.ok("--runroot", runroot, "pull", ref); !strings.Contains(out, "Downloaded newer image") {
		t.Errorf("pull after the kills: %s", out)
	}
}

// TestLoadRefusedLeavesNothing: an archive that lists no image, and an OCI
// archive whose layer descriptor gives another size than its blob's, fail
// to load, and neither leaves a blob, ingest file or snapshot.
func TestLoadRefusedLeavesNothing(t *testing.T) {
	layer := randomLayer(t, "f", 64<<10, 21)
	empty := filepath.Join(t.TempDir(), "empty.tar")
	data := tarOf(t, []entry{file("manifest.json", "[]"), file("layer.tar", string(layer))})
	if err := os.WriteFile(empty, data, 0o644); err != nil {
		t.Fatal(err)
	}
	lying := ociArchiveEdited(t, "lying:1", [][]byte{layer}, func(m *ocispec.Manifest) { m.Layers[0].Size-- })
	for _, tc := range []struct{ name, archive, want string }{
		{"empty manifest", empty, "lists no image"},
		{"layer size lies", lying, "descriptor says"},
	} {
		e := newEnv(t)
		if errOut := e.fail(1, "load", "-i", tc.archive); !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: error %q, want %q", tc.name, errOut, tc.want)
		}
		if left := leftovers(t, e); len(left) > 0 {
			t.Errorf("%s: the failed load left %v", tc.name, left)
		}
		if out := e.ok("images", "-q"); out != "" {
			t.Errorf("%s: image recorded: %q", tc.name, out)
		}
	}
}
