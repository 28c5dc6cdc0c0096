package options_test

import (
	"strconv"
	"strings"
	"testing"
)

func TestTopAndStats(t *testing.T) {
	e := newEnv(t)
	// No network: the NET I/O column must read 0B (a bridge sees the
	// kernel's own neighbour discovery).
	e.Must("run", "-d", "--name", "busy", "--network", "none", "-m", "64m", "busybox", "sh", "-c", "sleep 1000 & while :; do :; done")
	top := e.Must("top", "busy")
	lines := strings.Split(strings.TrimSpace(top), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "UID ") || !strings.Contains(lines[0], "CMD") || !strings.Contains(top, "sleep 1000") {
		t.Errorf("top:\n%s", top)
	}
	if got := e.Must("top", "busy", "-o", "pid,comm"); !strings.Contains(got, "COMMAND") || !strings.Contains(got, "sleep") {
		t.Errorf("top -o pid,comm:\n%s", got)
	}
	out := e.Must("stats", "--no-stream")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "CONTAINER ID") || !strings.Contains(lines[0], "MEM USAGE / LIMIT") {
		t.Fatalf("stats:\n%s", out)
	}
	f := strings.Fields(lines[1])
	// ID NAME CPU% USAGE / LIMIT MEM% NET / NET BLOCK / BLOCK PIDS
	if len(f) != 14 || f[1] != "busy" || f[5] != "64MiB" || f[13] != "2" || f[7] != "0B" {
		t.Errorf("stats row: %q", f)
	}
	if cpu, _ := strconv.ParseFloat(strings.TrimSuffix(f[2], "%"), 64); cpu <= 1 { // the host may be busy: only check the loop shows
		t.Errorf("a busy loop uses %s CPU", f[2])
	}
	if got := e.Must("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "busy"); got != "busy 2\n" {
		t.Errorf("stats --format: %q", got)
	}
	e.Must("stop", "-t", "0", "busy")
	if r := e.Run("top", "busy"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "is not running") {
		t.Errorf("top of stopped: %d %q", r.ExitCode, r.Stderr)
	}
}

func TestPort(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "noports", "busybox", "true")
	if got := e.Must("port", "noports"); got != "" {
		t.Errorf("port of a container without published ports: %q", got)
	}
	if r := e.Run("port", "noports", "80"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "no public port '80/tcp' published") {
		t.Errorf("port 80: exit %d %q", r.ExitCode, r.Stderr)
	}
	if r := e.Run("port", "nosuch"); r.ExitCode == 0 {
		t.Error("port of a missing container succeeded")
	}
}
