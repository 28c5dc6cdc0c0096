package storage_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildTTYDisplay builds on a terminal: the display is redrawn in
// place, and its final screen lists each step with its timer, then the
// output of the failed step and the error. On a pipe, or with TERM=dumb,
// auto and tty print BuildKit's plain lines instead.
func TestBuildTTYDisplay(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile":     "FROM busybox\nCOPY a /a\nRUN for i in 1 2 3; do echo step $i; sleep 0.2; done\n",
		"a":              "A\n",
		"bad/Dockerfile": "FROM busybox\nRUN echo about to fail; exit 3\n",
	})
	cmd := e.Cmd("build", "-t", "tty:1", dir)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	raw, code := testutil.RunOnTerminal(t, cmd, 100, 30)
	screen := strings.Join(testutil.Screen(raw), "\n")
	if code != 0 {
		t.Fatalf("build on a terminal: exit %d:\n%s", code, screen)
	}
	want := `^\[\+\] Building \d+\.\ds \(4/4\) FINISHED
 => \[1/3\] FROM docker.io/library/busybox:latest +\d+\.\ds
 => \[2/3\] COPY a /a +\d+\.\ds
 => \[3/3\] RUN for i in 1 2 3; do echo step \$i; sleep 0.2; done +\d+\.\ds
 => exporting to image +\d+\.\ds$`
	if !regexp.MustCompile(want).MatchString(screen) || !strings.Contains(raw, "\x1b[2K") {
		t.Errorf("final screen:\n%s\nraw: %q", screen, raw)
	}
	for _, l := range strings.Split(screen, "\n") {
		if len(l) > 100 {
			t.Errorf("a line wider than the terminal: %q", l)
		}
	}

	cmd = e.Cmd("build", "--progress", "tty", dir+"/bad")
	cmd.Env = append(os.Environ(), "TERM=xterm")
	raw, code = testutil.RunOnTerminal(t, cmd, 100, 30)
	screen = strings.Join(testutil.Screen(raw), "\n")
	want = ` => ERROR \[2/2\] RUN echo about to fail; exit 3 +\d+\.\ds
------
 > \[2/2\] RUN echo about to fail; exit 3:
about to fail
------
.*process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3`
	if code == 0 || !regexp.MustCompile(want).MatchString(screen) {
		t.Errorf("failed build on a terminal: exit %d, screen:\n%s", code, screen)
	}

	cmd = e.Cmd("build", dir)
	cmd.Env = append(os.Environ(), "TERM=dumb")
	raw, _ = testutil.RunOnTerminal(t, cmd, 100, 30)
	if strings.Contains(raw, "\x1b[") || !strings.Contains(raw, "#3 CACHED") {
		t.Errorf("TERM=dumb: want plain lines, got %q", raw)
	}
	for _, mode := range []string{"auto", "tty"} {
		r := e.Run("build", "--progress", mode, dir)
		if r.ExitCode != 0 || strings.Contains(r.Stderr, "\x1b[") || !strings.Contains(r.Stderr, "#2 [2/3] COPY a /a\n#2 CACHED") {
			t.Errorf("--progress %s on a pipe: exit %d, want plain lines:\n%s", mode, r.ExitCode, r.Stderr)
		}
	}
}
