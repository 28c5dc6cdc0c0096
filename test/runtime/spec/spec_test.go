package spec_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// specIn runs `<binary> spec args...` in a fresh dir and decodes the result.
func specIn(t *testing.T, binary string, args ...string) map[string]any {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(binary, append([]string{"spec"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s spec %v: %v: %s", binary, args, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s spec wrote invalid JSON: %v", binary, err)
	}
	delete(m, "ociVersion")
	return m
}

func requireRunc(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed: the reference spec comes from it")
	}
	return p
}

func TestSpecMatchesRunc(t *testing.T) {
	rt := testutil.NewRuntime(t)
	runc := requireRunc(t)
	for _, args := range [][]string{nil, {"--rootless"}} {
		got, want := specIn(t, rt.Binary, args...), specIn(t, runc, args...)
		// runc 1.1 lists ambient capabilities its init cannot raise (none
		// is inheritable); runc 1.2 and later list none, and warn about
		// such a spec, as berth does.
		if c, ok := want["process"].(map[string]any)["capabilities"].(map[string]any); ok {
			delete(c, "ambient")
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", " ")
			w, _ := json.MarshalIndent(want, "", " ")
			t.Errorf("spec %v differs from runc's:\ngot:\n%s\nwant:\n%s", args, g, w)
		}
	}
}

func TestSpecRootless(t *testing.T) {
	rt := testutil.NewRuntime(t)
	m := specIn(t, rt.Binary, "--rootless")
	linux := m["linux"].(map[string]any)
	var types []string
	for _, ns := range linux["namespaces"].([]any) {
		types = append(types, ns.(map[string]any)["type"].(string))
	}
	if !strings.Contains(strings.Join(types, ","), "user") {
		t.Errorf("rootless spec namespaces %v lack user", types)
	}
	if linux["uidMappings"] == nil || linux["gidMappings"] == nil {
		t.Errorf("rootless spec lacks uid/gid mappings")
	}
}

func TestSpecRefusesOverwrite(t *testing.T) {
	rt, b := setup(t)
	before, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rt.Binary, "spec")
	cmd.Dir = b.Dir
	res := rt.RunCmd(t, cmd)
	if res.ExitCode != 1 {
		t.Errorf("spec over an existing config.json: exit %d, want 1", res.ExitCode)
	}
	// runc: `File config.json exists. Remove it first`
	if !strings.Contains(res.Stderr, "config.json exists") {
		t.Errorf("spec over an existing config.json: stderr %q lacks \"config.json exists\"", res.Stderr)
	}
	after, _ := os.ReadFile(b.ConfigPath())
	if string(after) != string(before) {
		t.Errorf("spec overwrote config.json")
	}
}
