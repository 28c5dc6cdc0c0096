package options_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectGraphDriver: GraphDriver.Data names the overlay's dirs with
// Docker's overlay2 keys, and they are the dirs the container writes to.
func TestInspectGraphDriver(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "gd", "--network", "none", "busybox", "sh", "-c", "echo hi > /written; echo ready; sleep 1000")
	var gd struct {
		Name string
		Data map[string]string
	}
	if err := json.Unmarshal([]byte(e.Inspect("gd", "{{json .GraphDriver}}")), &gd); err != nil {
		t.Fatalf("GraphDriver: %v", err)
	}
	if gd.Name != "overlay" {
		t.Errorf("Name %q, want overlay", gd.Name)
	}
	for _, k := range []string{"LowerDir", "MergedDir", "UpperDir", "WorkDir"} {
		for _, dir := range strings.Split(gd.Data[k], ":") {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Errorf("%s %q: not a directory (%v)", k, dir, err)
			}
		}
	}
	e.WaitLog("gd", "ready")
	if b, err := os.ReadFile(filepath.Join(gd.Data["UpperDir"], "written")); err != nil || string(b) != "hi\n" {
		t.Errorf("UpperDir/written: %q %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(gd.Data["MergedDir"], "written")); err != nil || string(b) != "hi\n" {
		t.Errorf("MergedDir/written: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(gd.Data["LowerDir"], "written")); !os.IsNotExist(err) {
		t.Errorf("the container's write reached the image layer: %v", err)
	}
}
