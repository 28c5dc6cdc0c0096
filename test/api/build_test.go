package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestDockerBuild: the classic docker build (DOCKER_BUILDKIT=0) sends its
// context as a tar to POST /build; the image is berth's.
func TestDockerBuild(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	ctx := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox AS base\nARG GREETING=hello\nCOPY f.txt /f.txt\nRUN echo \"$GREETING\" > /greeting\nCMD [\"cat\", \"/greeting\", \"/f.txt\"]\n" +
			"FROM base AS other\nRUN echo other > /greeting\n",
		"other.Dockerfile": "FROM busybox\nCOPY f.txt /g.txt\nCMD [\"cat\", \"/g.txt\"]\n",
		"f.txt":            "from the context\n",
	})
	build := func(t *testing.T, args ...string) result {
		t.Helper()
		cmd := s.dockerCmd(append([]string{"build"}, args...)...)
		cmd.Env = append(cmd.Env, "DOCKER_BUILDKIT=0")
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if err != nil {
			code = cmd.ProcessState.ExitCode()
		}
		return result{out.String(), errb.String(), code}
	}
	t.Run("TagArgTarget", func(t *testing.T) {
		r := build(t, "-t", "built:v1", "-t", "built:v2", "--build-arg", "GREETING=hi there", "--target", "base", ctx)
		if r.code != 0 {
			t.Fatalf("docker build: exit %d\n%s\n%s\n%s", r.code, r.stdout, r.stderr, s.log)
		}
		wantContains(t, "docker build", r.stdout, "Successfully built ")
		wantContains(t, "docker build", r.stdout, "Successfully tagged built:v2")
		if out := s.must(t, "run", "--rm", "--network", "none", "built:v1"); out != "hi there\nfrom the context\n" {
			t.Errorf("run of the built image = %q", out)
		}
		wantContains(t, "berth images", s.berth("images"), "built")
	})
	// Before --no-cache: the rebuild leaves the first images dangling.
	t.Run("IntermediateHidden", func(t *testing.T) {
		for _, list := range []struct{ what, plain, all string }{
			{"docker images", s.must(t, "images"), s.must(t, "images", "-a")},
			{"berth images", s.berth("images"), s.berth("images", "-a")},
		} {
			if strings.Contains(list.plain, "<none>") || !strings.Contains(list.plain, "built") {
				t.Errorf("%s shows the build's intermediate images (or not the result):\n%s", list.what, list.plain)
			}
			wantContains(t, list.what+" -a", list.all, "<none>")
		}
	})
	t.Run("CacheAndNoCache", func(t *testing.T) {
		r := build(t, "-t", "built:v1", "--build-arg", "GREETING=hi there", "--target", "base", ctx)
		wantContains(t, "rebuild", r.stdout, "CACHED")
		r = build(t, "--no-cache", "-t", "built:v1", "--build-arg", "GREETING=hi there", "--target", "base", ctx)
		if r.code != 0 || strings.Contains(r.stdout, "CACHED") {
			t.Errorf("--no-cache build: exit %d, output:\n%s", r.code, r.stdout)
		}
	})
	t.Run("FileQuiet", func(t *testing.T) {
		r := build(t, "-q", "-f", filepath.Join(ctx, "other.Dockerfile"), "-t", "other:v1", ctx)
		if id := strings.TrimSpace(r.stdout); r.code != 0 || !strings.HasPrefix(id, "sha256:") || strings.Contains(id, "\n") {
			t.Fatalf("docker build -q: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if out := s.must(t, "run", "--rm", "--network", "none", "other:v1"); out != "from the context\n" {
			t.Errorf("run of the -f image = %q", out)
		}
	})
	t.Run("Failure", func(t *testing.T) {
		bad := filepath.Join(s.dir, "bad")
		os.MkdirAll(bad, 0o755)
		os.WriteFile(filepath.Join(bad, "Dockerfile"), []byte("FROM busybox\nRUN exit 3\n"), 0o644)
		r := build(t, bad)
		if r.code == 0 || !strings.Contains(r.stderr, "exit code: 3") {
			t.Errorf("a failing RUN: exit %d, stderr %q", r.code, r.stderr)
		}
		if ps := s.berth("ps", "-aq"); strings.TrimSpace(ps) != "" {
			t.Errorf("a failed build left containers: %q", ps)
		}
	})
}
