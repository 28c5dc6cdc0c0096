package storage_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// contiguous checks that out is the lines from..to of seq, in order.
func contiguous(t *testing.T, what, out string, from, to int) {
	t.Helper()
	want := from
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if n, err := strconv.Atoi(sc.Text()); err != nil || n != want {
			t.Errorf("%s: line %q where %d was due", what, sc.Text(), want)
			return
		}
		want++
	}
	if want != to+1 {
		t.Errorf("%s: ended before %d (at %d)", what, to, want)
	}
}

// logFiles lists which of a container's log files exist, the current one
// as "" and the rotated ones by number.
func (e *env) logFiles(id string) []string {
	e.T.Helper()
	entries, _ := os.ReadDir(filepath.Join(e.Root, "containers", id))
	var files []string
	for _, en := range entries {
		if rest, ok := strings.CutPrefix(en.Name(), id+"-json.log"); ok {
			files = append(files, strings.TrimPrefix(rest, "."))
		}
	}
	return files
}

// TestLogMaxFile: --log-opt max-file keeps that many files, the current
// one with them, in the detached monitor (C) and in a foreground run (Go).
func TestLogMaxFile(t *testing.T) {
	e := newEnv(t)
	opts := []string{"--log-opt", "max-size=1k", "--log-opt", "max-file=3", "busybox", "seq", "1", "3000"}
	e.Must(append([]string{"run", "-d", "--name", "bg"}, opts...)...)
	e.Must("wait", "bg")
	e.Must(append([]string{"run", "--name", "fg"}, opts...)...)
	for _, name := range []string{"bg", "fg"} {
		id := e.Inspect(name, "{{.ID}}")
		if got := strings.Join(e.logFiles(id), ","); got != ",1,2" {
			t.Errorf("%s: log files %q, want the current one, .1 and .2", name, got)
		}
		out := e.Must("logs", name)
		lines := strings.Count(out, "\n")
		if lines == 0 || lines > 3000 {
			t.Fatalf("%s: %d lines logged", name, lines)
		}
		contiguous(t, name+" logs", out, 3000-lines+1, 3000)
	}
	if r := e.Run("run", "--rm", "--log-opt", "max-file=0", "busybox", "true"); r.ExitCode == 0 {
		t.Error("max-file=0 was accepted")
	}
}

// TestLogsFollowFastWriter: logs -f of a fast writer whose log rotates
// while it follows loses no line that the kept files hold (4 MiB here,
// more than the whole output).
func TestLogsFollowFastWriter(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "fast", "--log-opt", "max-size=1m", "--log-opt", "max-file=4", "busybox", "sh", "-c", "sleep 0.3; seq 1 40000")
	follow := e.Cmd("logs", "-f", "fast")
	var out strings.Builder
	follow.Stdout = &out
	e.Must("start", "fast")
	if err := follow.Run(); err != nil {
		t.Fatal(err)
	}
	contiguous(t, "logs -f", out.String(), 1, 40000)
}
