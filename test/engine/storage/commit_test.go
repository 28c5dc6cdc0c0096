package storage_test

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestCommit commits a container that adds a file, deletes one of its image
// and replaces a directory's content (an opaque directory in overlay), runs
// the new image, and checks its layers against their diff IDs in a saved
// archive that skopeo reads.
func TestCommit(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "--name", "base", "busybox", "sh", "-c", "mkdir /data && echo a > /data/a && echo b > /data/b")
	baseID := strings.TrimSpace(e.Must("commit", "base", "commit-base:1"))
	if !strings.HasPrefix(baseID, "sha256:") {
		t.Fatalf("commit printed %q, want an image ID", baseID)
	}
	// Committed running (paused during the copy), with its mounts
	// (/etc/hosts, a volume) left out.
	e.Must("run", "-d", "--name", "work", "-v", "/vol", "-e", "FROM_RUN=1", "commit-base:1", "sh", "-c",
		"echo new > /added && rm /bin/ls && rm -rf /data && mkdir /data && echo c > /data/c && ln /added /added-link && echo ready && sleep 300")
	e.WaitLog("work", "ready")
	id := strings.TrimSpace(e.Must("commit", "-a", "Jane <jane@example.com>", "-m", "the change",
		"-c", "ENV COMMITTED=yes", "-c", `CMD ["sh", "-c", "echo from-cmd"]`, "work", "commit-new:2"))
	if st := e.Inspect("work", "{{.State.Status}}"); st != "running" {
		t.Errorf("container is %s after commit, want running", st)
	}

	out := e.Must("run", "--rm", "commit-new:2", "sh", "-c",
		"cat /added; ls /data; test -e /bin/ls || echo ls-gone; echo $COMMITTED $FROM_RUN; stat -c %h /added")
	want := "new\nc\nls-gone\nyes 1\n2\n"
	if out != want {
		t.Errorf("the committed image shows:\n%s\nwant:\n%s", out, want)
	}
	if out := e.Must("run", "--rm", "commit-new:2"); out != "from-cmd\n" {
		t.Errorf("--change CMD: the image's command printed %q", out)
	}
	if got := e.Must("image", "inspect", "-f", "{{.ID}} {{.Author}} {{len .RootFS.Layers}}", "commit-new:2"); got != id+" Jane <jane@example.com> 3\n" {
		t.Errorf("image inspect: %q, want ID %s, author and 3 layers", got, id)
	}
	if h := e.Must("history", "--no-trunc", "commit-new:2"); !strings.Contains(h, "the change") {
		t.Errorf("history lacks the commit message:\n%s", h)
	}

	// The new layer carries OCI whiteouts, not overlay's markers, and no
	// mount points.
	archive := filepath.Join(t.TempDir(), "new.tar")
	e.Must("save", "-o", archive, "commit-new:2")
	layers := savedLayers(t, archive)
	if len(layers) != 3 {
		t.Fatalf("saved archive has %d layers, want 3", len(layers))
	}
	top := layers[2]
	for _, name := range []string{"bin/.wh.ls", "data/.wh..wh..opq", "data/c", "added"} {
		if _, ok := top.entries[name]; !ok {
			t.Errorf("the committed layer lacks %s: %v", name, top.names)
		}
	}
	if h := top.entries["added-link"]; h == nil || h.Typeflag != tar.TypeLink || h.Linkname != "added" {
		t.Errorf("added-link is not a hard link to added: %+v", h)
	}
	for _, name := range []string{"vol/", "etc/hosts", "etc/hostname", "data/a"} {
		if _, ok := top.entries[name]; ok {
			t.Errorf("the committed layer has %s", name)
		}
	}
	for _, n := range top.names {
		if strings.HasPrefix(n, "data/") && n != "data/" && n != "data/.wh..wh..opq" && n != "data/c" {
			t.Errorf("the committed layer has %s from the replaced directory", n)
		}
	}

	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("requires skopeo (Debian package skopeo)")
	}
	raw, err := exec.Command("skopeo", "inspect", "docker-archive:"+archive).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, raw)
	}
	var info struct {
		Layers []string
		Env    []string
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatalf("skopeo inspect output: %v\n%s", err, raw)
	}
	if len(info.Layers) != 3 || !strings.Contains(strings.Join(info.Env, " "), "COMMITTED=yes") {
		t.Errorf("skopeo sees %d layers and env %v", len(info.Layers), info.Env)
	}
}

// TestCommitErrors: one-line errors and Docker's exit 1 (commit is not run:
// Docker's CLI exits 1 for an error of the daemon).
func TestCommitErrors(t *testing.T) {
	e := newEnv(t)
	if r := e.Run("commit", "nosuch"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "nosuch") {
		t.Errorf("commit of a missing container: exit %d, %q", r.ExitCode, r.Stderr)
	}
	e.Must("create", "--name", "c", "busybox", "true")
	if r := e.Run("commit", "-c", "BOGUS x", "c"); r.ExitCode != 1 {
		t.Errorf("commit with a bad --change: exit %d, %q", r.ExitCode, r.Stderr)
	}
	if r := e.Run("commit", "c", "Bad:Name"); r.ExitCode != 1 {
		t.Errorf("commit to a bad name: exit %d, %q", r.ExitCode, r.Stderr)
	}
	// A container never started commits its (empty) layer too.
	e.Must("commit", "c", "empty:1")
	if out := e.Must("run", "--rm", "empty:1", "echo", "ok"); out != "ok\n" {
		t.Errorf("image of an unstarted container ran: %q", out)
	}
}

type savedLayer struct {
	names   []string
	entries map[string]*tar.Header
}

// savedLayers reads a docker-save archive's layers in order and checks each
// one's sha256 against the config's diff IDs.
func savedLayers(t *testing.T, archive string) []savedLayer {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xf", archive, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("untar %s: %v\n%s", archive, err, out)
	}
	var manifest []struct {
		Config string
		Layers []string
	}
	testutil.ReadJSON(t, filepath.Join(dir, "manifest.json"), &manifest)
	if len(manifest) != 1 {
		t.Fatalf("manifest.json has %d images", len(manifest))
	}
	var cfg struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	testutil.ReadJSON(t, filepath.Join(dir, manifest[0].Config), &cfg)
	if len(cfg.RootFS.DiffIDs) != len(manifest[0].Layers) {
		t.Fatalf("%d diff IDs for %d layers", len(cfg.RootFS.DiffIDs), len(manifest[0].Layers))
	}
	var out []savedLayer
	for i, l := range manifest[0].Layers {
		f, err := os.Open(filepath.Join(dir, l))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		tee := io.TeeReader(f, h)
		tr := tar.NewReader(tee)
		sl := savedLayer{entries: map[string]*tar.Header{}}
		for hdr, err := tr.Next(); err == nil; hdr, err = tr.Next() {
			sl.names = append(sl.names, hdr.Name)
			sl.entries[hdr.Name] = hdr
		}
		io.Copy(io.Discard, tee)
		f.Close()
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != cfg.RootFS.DiffIDs[i] {
			t.Errorf("layer %d is %s, its diff ID says %s", i, got, cfg.RootFS.DiffIDs[i])
		}
		out = append(out, sl)
	}
	return out
}
