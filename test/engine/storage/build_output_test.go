package storage_test

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildOutput writes the target stage's files with each of BuildKit's
// exporters: to a directory (-o DIR and type=local), as a tar, and as an
// OCI layout that load reads back.
func TestBuildOutput(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox AS b\nRUN echo built > /out.txt && mkdir -p /d && ln -s out.txt /d/link\n" +
			"FROM scratch\nCOPY --from=b /out.txt /d /res/\n",
	})
	out := t.TempDir()
	local := filepath.Join(out, "local")
	e.Must("build", "-o", local, dir)
	if data, err := os.ReadFile(filepath.Join(local, "res", "out.txt")); err != nil || string(data) != "built\n" {
		t.Errorf("-o DIR: res/out.txt is %q, %v", data, err)
	}
	if l, err := os.Readlink(filepath.Join(local, "res", "link")); err != nil || l != "out.txt" {
		t.Errorf("-o DIR: res/link -> %q, %v", l, err)
	}
	local2 := filepath.Join(out, "local2")
	e.Must("build", "--output", "type=local,dest="+local2, dir)
	if _, err := os.Stat(filepath.Join(local2, "res", "out.txt")); err != nil {
		t.Errorf("type=local: %v", err)
	}

	tarFile := filepath.Join(out, "fs.tar")
	e.Must("build", "--output", "type=tar,dest="+tarFile, dir)
	names := tarNames(t, tarFile)
	if !names["res/out.txt"] || !names["res/link"] {
		t.Errorf("type=tar: entries %v, want res/out.txt and res/link", names)
	}

	ociFile := filepath.Join(out, "img.tar")
	e.Must("build", "-t", "outoci:1", "--output", "type=oci,dest="+ociFile, dir)
	names = tarNames(t, ociFile)
	if !names["oci-layout"] || !names["index.json"] {
		t.Errorf("type=oci: entries %v, want an OCI layout", names)
	}
	e.Must("rmi", "outoci:1")
	e.Must("load", "-i", ociFile)
	if got := strings.TrimSpace(e.Must("image", "inspect", "-f", "{{len .RootFS.Layers}}", "outoci:1")); got != "1" {
		t.Errorf("the loaded OCI output has %s layers, want 1", got)
	}

	for _, bad := range []string{"type=registry,dest=x", "type=tar", "dest=x", "type=local,dest=-"} {
		if r := e.Run("build", "--output", bad, dir); r.ExitCode == 0 || !strings.Contains(r.Stderr, "invalid --output") {
			t.Errorf("--output %s: exit %d, %s", bad, r.ExitCode, r.Stderr)
		}
	}
}

func tarNames(t *testing.T, file string) map[string]bool {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		names[strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")] = true
	}
}
