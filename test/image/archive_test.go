package image_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func requireSkopeo(t *testing.T) {
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("requires skopeo (Debian package skopeo)")
	}
}

func skopeo(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("skopeo", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestSkopeoReadsBerthArchives: what berth saves, in both formats, skopeo
// inspects with the same layers (diff IDs for docker, blobs for OCI).
func TestSkopeoReadsBerthArchives(t *testing.T) {
	requireSkopeo(t)
	e := newEnv(t)
	e.ok("load", "-i", ociArchive(t, "rich:1", richLayers(t), gz, plain, zst))
	dir := t.TempDir()
	dockerTar, ociTar := filepath.Join(dir, "d.tar"), filepath.Join(dir, "o.tar")
	e.ok("save", "-o", dockerTar, "rich:1")
	e.ok("save", "--format", "oci", "-o", ociTar, "rich:1")
	want := diffIDs(t, e.inspect("rich:1"))
	var d struct{ Layers []string }
	if err := json.Unmarshal([]byte(skopeo(t, "inspect", "docker-archive:"+dockerTar)), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Layers) != len(want) {
		t.Fatalf("docker archive layers %v, want %d", d.Layers, len(want))
	}
	for i := range want {
		if d.Layers[i] != want[i].String() {
			t.Errorf("docker archive layer %d: %s, want diff ID %s", i, d.Layers[i], want[i])
		}
	}
	var o struct{ Layers []string }
	if err := json.Unmarshal([]byte(skopeo(t, "inspect", "oci-archive:"+ociTar+":1")), &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Layers) != len(want) {
		t.Errorf("oci archive layers %v", o.Layers)
	}
	// And berth loads what it saved, under the same ID.
	f := newEnv(t)
	out := f.ok("load", "-i", dockerTar)
	if !strings.Contains(out, "Loaded image: rich:1") || f.inspect("rich:1")["Id"] != e.inspect("rich:1")["Id"] {
		t.Errorf("reload of docker archive: %q", out)
	}
}

// TestBerthLoadsSkopeoArchives: archives skopeo writes (docker-archive and
// oci-archive) load into berth, unpacked and named.
func TestBerthLoadsSkopeoArchives(t *testing.T) {
	requireSkopeo(t)
	e := newEnv(t)
	src := ociArchive(t, "rich:1", richLayers(t), gz, plain, gz) // docker-archive has no zstd
	dir := t.TempDir()
	dockerTar, ociTar := filepath.Join(dir, "d.tar"), filepath.Join(dir, "o.tar")
	skopeo(t, "copy", "-q", "oci-archive:"+src, "docker-archive:"+dockerTar+":skopeo/rich:2")
	skopeo(t, "copy", "-q", "oci-archive:"+src, "oci-archive:"+ociTar+":example.com/skopeo/rich:3")
	if out := e.ok("load", "-i", dockerTar); !strings.Contains(out, "Loaded image: skopeo/rich:2") {
		t.Errorf("load docker-archive: %q", out)
	}
	data, err := os.ReadFile(ociTar)
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := e.run(data, "load"); code != 0 || !strings.Contains(out, "Loaded image: example.com/skopeo/rich:3") {
		t.Errorf("load oci-archive from stdin: exit %d %q %s", code, out, errOut)
	}
	ref := newEnv(t)
	ref.ok("load", "-i", src)
	want := ref.tree("rich:1")
	diffTrees(t, want, e.tree("skopeo/rich:2"))
	diffTrees(t, want, e.tree("example.com/skopeo/rich:3"))
}

// TestImportWithChanges: a rootfs tarball from stdin becomes a one-layer
// image with the config --change asks for.
func TestImportWithChanges(t *testing.T) {
	e := newEnv(t)
	rootfs := tarOf(t, []entry{dir("bin/"), file("bin/hello", "hi\n")})
	out, errOut, code := e.run(rootfs, "import", "-m", "from test",
		"--change", `CMD ["/bin/hello"]`, "--change", "ENV A=1 B=2", "--change", "WORKDIR /srv",
		"--change", "USER 1000", "--change", "EXPOSE 8080", "--change", `LABEL k="v w"`, "-", "imp:1")
	if code != 0 || !strings.HasPrefix(out, "sha256:") {
		t.Fatalf("import: exit %d %q %s", code, out, errOut)
	}
	cfg := e.inspect("imp:1")["Config"].(map[string]any)
	got, _ := json.Marshal(cfg)
	for _, want := range []string{`"Cmd":["/bin/hello"]`, `"Env":["A=1","B=2"]`, `"WorkingDir":"/srv"`, `"User":"1000"`, `"8080/tcp"`, `"k":"v w"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("config %s lacks %s", got, want)
		}
	}
	if tr := e.tree("imp:1"); !strings.Contains(tr["bin/hello"], "size=3") {
		t.Errorf("imported tree: %v", tr)
	}
	if h := e.ok("history", "imp:1"); !strings.Contains(h, "from test") {
		t.Errorf("history lacks the message:\n%s", h)
	}
	if e.fail(1, "import", "--change", "RUN rm -rf /", "-") == "" {
		t.Error("no error for an unsupported --change")
	}
}
