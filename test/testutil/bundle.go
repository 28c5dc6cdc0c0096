package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/busyboxfs"
)

// Bundle is an OCI bundle in a temp dir: rootfs/ and config.json.
type Bundle struct {
	Dir    string
	Rootfs string
	t      testing.TB
}

var (
	rootfsOnce sync.Once
	rootfsDir  string
	rootfsErr  error
)

// templateRootfs builds the busybox rootfs once per test binary; bundles
// copy it (about 2 MB), so a test may change its rootfs freely.
func templateRootfs() (string, error) {
	rootfsOnce.Do(func() {
		dir, err := SuiteDir()
		if err != nil {
			rootfsErr = err
			return
		}
		rootfsDir = filepath.Join(dir, "rootfs-template")
		rootfsErr = busyboxfs.Build(rootfsDir, "")
	})
	return rootfsDir, rootfsErr
}

// NewBundle makes a bundle whose config.json is `<runtime> spec` (the
// runtime's own default), with two changes every test wants: no terminal
// (tests read stdout) and args `true`. Use Update for the rest.
func NewBundle(t testing.TB, rt *Runtime) *Bundle {
	t.Helper()
	tmpl, err := templateRootfs()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b := &Bundle{Dir: dir, Rootfs: filepath.Join(dir, "rootfs"), t: t}
	if out, err := exec.Command("cp", "-a", tmpl, b.Rootfs).CombinedOutput(); err != nil {
		t.Fatalf("copy rootfs: %v: %s", err, out)
	}
	cmd := exec.Command(rt.Binary, "spec")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s spec: %v: %s", rt.Name(), err, out)
	}
	b.Update(func(s *specs.Spec) {
		s.Process.Terminal = false
		s.Process.Args = []string{"true"}
	})
	return b
}

// ConfigPath is the bundle's config.json.
func (b *Bundle) ConfigPath() string { return filepath.Join(b.Dir, "config.json") }

// Spec reads config.json.
func (b *Bundle) Spec() *specs.Spec {
	b.t.Helper()
	data, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		b.t.Fatalf("read bundle config: %v", err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		b.t.Fatalf("decode bundle config: %v", err)
	}
	return &s
}

// Update edits config.json in place, like runc's bats update_config.
func (b *Bundle) Update(edit func(*specs.Spec)) {
	b.t.Helper()
	EditSpec(b.t, b.ConfigPath(), edit)
}

// EditSpec edits the config.json at path in place, for a bundle that is
// no Bundle (one copied for another user). The file keeps its owner.
func EditSpec(t testing.TB, path string, edit func(*specs.Spec)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read bundle config: %v", err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("decode bundle config %s: %v", path, err)
	}
	edit(&s)
	if err := writeSpec(path, &s); err != nil {
		t.Fatal(err)
	}
}

func writeSpec(path string, s *specs.Spec) error {
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("encode bundle config: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write bundle config: %w", err)
	}
	return nil
}

// SetArgs sets the process args.
func (b *Bundle) SetArgs(args ...string) {
	b.Update(func(s *specs.Spec) { s.Process.Args = args })
}

// Shell sets the process to `sh -c script`.
func (b *Bundle) Shell(script string) { b.SetArgs("sh", "-c", script) }

// AddMount appends a mount to the config.
func (b *Bundle) AddMount(m specs.Mount) {
	b.Update(func(s *specs.Spec) { s.Mounts = append(s.Mounts, m) })
}

// BindHostDir makes a fresh host temp dir and bind-mounts it read-write at
// dest; it returns the host path. Tests use it to see the container's writes.
func (b *Bundle) BindHostDir(dest string) string {
	b.t.Helper()
	host := b.t.TempDir()
	b.AddMount(specs.Mount{Destination: dest, Type: "bind", Source: host, Options: []string{"rbind", "rw"}})
	return host
}
