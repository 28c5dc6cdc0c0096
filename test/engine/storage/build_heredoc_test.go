package storage_test

import (
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildHeredocsAndWorkdir: COPY <<EOF writes a 0644 file (variables
// expanded unless the delimiter is quoted), RUN <<EOF with #! runs the
// document as an executable, and WORKDIR makes its directory in a layer
// of its own when no later step does, as BuildKit.
func TestBuildHeredocsAndWorkdir(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": `FROM busybox
ENV WHO=world
COPY <<EOF /etc/greeting
hello $WHO
EOF
COPY <<'EOF' /raw/
kept $WHO
EOF
RUN <<EOF
#!/bin/sh -e
echo "script ran as $0" > /script.out
EOF
WORKDIR /made/by/workdir
WORKDIR /bin
`,
	})
	if r := e.Run("build", "--progress", "plain", "-t", "heredoc:1", dir); r.ExitCode != 0 {
		t.Fatalf("build: exit %d\n%s", r.ExitCode, r.Stderr)
	} else if !strings.Contains(r.Stderr, "[5/6] WORKDIR /made/by/workdir") {
		t.Errorf("no WORKDIR step in the progress:\n%s", r.Stderr)
	}
	got := e.Must("run", "--rm", "heredoc:1", "sh", "-c",
		`cat /etc/greeting /raw/EOF /script.out; stat -c "%a %u" /etc/greeting /made/by/workdir; pwd`)
	want := "hello world\nkept $WHO\nscript ran as /dev/pipes/EOF\n644 0\n755 0\n/bin\n"
	if got != want {
		t.Errorf("the image has:\n%s\nwant:\n%s", got, want)
	}
	// Three file layers and the WORKDIR that made a directory; WORKDIR /bin
	// (busybox has it) is an empty history entry.
	hist := e.Must("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "heredoc:1")
	lines := strings.Split(strings.TrimSpace(hist), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "WORKDIR /bin|0B") || !strings.HasPrefix(lines[1], "WORKDIR /made/by/workdir|") || strings.HasSuffix(lines[1], "|0B") {
		t.Errorf("history:\n%s", hist)
	}
	if r := e.Run("build", "--progress", "plain", dir); strings.Count(r.Stderr, "CACHED") != 4 {
		t.Errorf("rebuild: want 4 cached steps (3 files and the WORKDIR layer):\n%s", r.Stderr)
	}
}
