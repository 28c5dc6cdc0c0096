package storage_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildFailureLeavesNothing: a RUN with every kind of mount that fails,
// and one whose berth is SIGKILLed, leave no container, cgroup, mount or
// step directory once the build (or the next one) is over.
func TestBuildFailureLeavesNothing(t *testing.T) {
	e := newEnv(t)
	secret := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	mounts := "--mount=type=bind,target=/ctx,rw --mount=type=secret,id=s --mount=type=cache,target=/c --mount=type=tmpfs,target=/t"
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox\nRUN " + mounts + " echo id=$(hostname); exit 3\n",
		"f":          "x",
	})
	r := e.Run("build", "--progress", "plain", "--secret", "id=s,src="+secret, dir)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "exit code: 3") {
		t.Fatalf("build: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	m := regexp.MustCompile(`id=([0-9a-f]{12})`).FindStringSubmatch(r.Stderr)
	if m == nil {
		t.Fatalf("the RUN printed no container ID:\n%s", r.Stderr)
	}
	check := func(when string, ids ...string) {
		t.Helper()
		if cg, err := testutil.CgroupDirs(ids...); err != nil || len(cg) > 0 {
			t.Errorf("%s: cgroups left: %v (%v)", when, cg, err)
		}
		for _, d := range []string{e.Root, e.Runroot} {
			if left, err := testutil.MountedUnder(d); err != nil || len(left) > 0 {
				t.Errorf("%s: mounts left under %s: %v (%v)", when, d, left, err)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(e.Root, "builder", "mnt", "*")); len(left) > 0 {
			t.Errorf("%s: step directories or views left: %v", when, left)
		}
		if ps := e.Must("ps", "-aq"); ps != "" {
			t.Errorf("%s: containers left: %s", when, ps)
		}
	}
	check("after a failed RUN", m[1])
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Errorf("the context lost a file: %v", err)
	}

	// SIGKILL of berth in the RUN: its overlay and step directory stay
	// until the next build, which removes them with the container.
	killed := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox\nRUN " + mounts + " echo id=$(hostname) started; sleep 60\n",
		"f":          "x",
	})
	cmd := e.Cmd("build", "--progress", "plain", "--secret", "id=s,src="+secret, killed)
	var stderr testutil.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !stderr.WaitFor(" started\n", 30*time.Second) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the RUN never started:\n%s", stderr.String())
	}
	cmd.Process.Kill()
	cmd.Wait()
	m = regexp.MustCompile(`id=([0-9a-f]{12})`).FindStringSubmatch(stderr.String())
	if left, _ := filepath.Glob(filepath.Join(e.Root, "builder", "mnt", "step-*")); len(left) == 0 {
		t.Errorf("the killed build left no step directory: the test does not test removeStale")
	}
	if r := e.RunIn([]byte("FROM busybox\nRUN true\n"), "build", "-q", "-f", "-", dir); r.ExitCode != 0 {
		t.Fatalf("the build after SIGKILL: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if m != nil {
		check("after the next build", m[1])
	}
	if _, err := os.Stat(filepath.Join(killed, "f")); err != nil {
		t.Errorf("the context lost a file: %v", err)
	}
}
