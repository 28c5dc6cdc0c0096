package spec

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runcSpec runs `runc spec` with args in a temp dir and returns the JSON it
// wrote, generically decoded, with our ociVersion.
func runcSpec(t *testing.T, args ...string) any {
	t.Helper()
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc not installed: it is the reference for the default spec")
	}
	dir := t.TempDir()
	cmd := exec.Command("runc", append([]string{"spec"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec %v: %v: %s", args, err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	v["ociVersion"] = specs.Version
	dropAmbient(v)
	return v
}

// dropAmbient removes process.capabilities.ambient: runc 1.1 lists
// ambient capabilities that its init cannot raise (none is inheritable);
// runc 1.2 and later list none, and warn about such a spec, as berth does.
func dropAmbient(v map[string]any) {
	if p, ok := v["process"].(map[string]any); ok {
		if c, ok := p["capabilities"].(map[string]any); ok {
			delete(c, "ambient")
		}
	}
}

func generic(t *testing.T, s *specs.Spec) any {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDefaultMatchesRunc(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		rootless bool
	}{
		{"default", nil, false},
		{"rootless", []string{"--rootless"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := runcSpec(t, tt.args...)
			s := Default()
			if tt.rootless {
				ToRootless(s)
			}
			got := generic(t, s)
			if !reflect.DeepEqual(got, want) {
				gb, _ := json.MarshalIndent(got, "", " ")
				wb, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("spec differs from runc's\ngot:\n%s\nwant:\n%s", gb, wb)
			}
		})
	}
}

func TestDefaultIsFresh(t *testing.T) {
	a, b := Default(), Default()
	a.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	a.Mounts[0].Options = append(a.Mounts[0].Options, "ro")
	if b.Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" || b.Process.Capabilities.Effective[0] != "CAP_AUDIT_WRITE" {
		t.Fatal("Default shares capability slices between calls or sets")
	}
	if len(b.Mounts[0].Options) != 0 {
		t.Fatal("Default shares mount options between calls")
	}
}
