package storage_test

import (
	"os"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildSourceDateEpoch: with SOURCE_DATE_EPOCH the same Dockerfile and
// context give the same image twice, without the cache, though the RUN
// writes new files each time; the image and its history carry the epoch.
func TestBuildSourceDateEpoch(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox\nCOPY f /f\nRUN echo made > /made && mkdir -p /d && touch /d/x\nADD t.tar /t/\nENV A=1\n",
		"f":          "f\n",
	})
	if err := os.WriteFile(dir+"/t.tar", layerTar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(extra ...string) string {
		t.Helper()
		cmd := e.Cmd(append([]string{"build", "-q", "--no-cache"}, append(extra, dir)...)...)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	first := build("-t", "epoch:1")
	second := build()
	if first != second {
		t.Errorf("SOURCE_DATE_EPOCH builds made %s and %s", first, second)
	}
	if got := strings.TrimSpace(e.Must("image", "inspect", "-f", "{{.Created}}", "epoch:1")); !strings.HasPrefix(got, "2023-11-14T22:13:20") {
		t.Errorf("Created is %s, want the epoch", got)
	}
	if out := e.Must("history", "--no-trunc", "--format", "{{.CreatedAt}}", "epoch:1"); strings.Count(out, "2023-11-14") < 4 {
		t.Errorf("history times:\n%s", out)
	}
	if got := e.Must("run", "--rm", "epoch:1", "stat", "-c", "%Y", "/made"); got != "1700000000\n" {
		t.Errorf("/made's time is %q, want the epoch", got)
	}
}
