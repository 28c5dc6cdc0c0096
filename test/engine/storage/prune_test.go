package storage_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestVolumeCommands(t *testing.T) {
	e := newEnv(t)
	if got := strings.TrimSpace(e.Must("volume", "create", "--label", "a=b", "data")); got != "data" {
		t.Errorf("volume create: %q", got)
	}
	if got := strings.TrimSpace(e.Must("volume", "create")); len(got) != 64 {
		t.Errorf("volume create without a name: %q", got)
	}
	var vols []map[string]any
	if err := json.Unmarshal([]byte(e.Must("volume", "inspect", "data")), &vols); err != nil || len(vols) != 1 || vols[0]["Driver"] != "local" {
		t.Fatalf("volume inspect: %v %v", vols, err)
	}
	mp := e.Must("volume", "inspect", "-f", "{{.Mountpoint}}", "data")
	if !strings.HasPrefix(mp, e.Root) {
		t.Errorf("mountpoint %q not under the root", mp)
	}
	e.Must("run", "--name", "user", "-v", "data:/d", "-v", "/anon", "busybox", "sh", "-c", "echo kept > /d/f")
	if got := e.Must("volume", "ls", "--format", "{{.Name}}", "--filter", "label=a=b"); got != "data\n" {
		t.Errorf("volume ls --filter label: %q", got)
	}
	if got := strings.Count(e.Must("volume", "ls", "-q", "--filter", "dangling=false"), "\n"); got != 2 {
		t.Errorf("volumes in use: %d, want 2", got)
	}
	if r := e.Run("volume", "rm", "data"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "in use") {
		t.Errorf("rm of a volume in use: %d %q", r.ExitCode, r.Stderr)
	}
	if got := e.Must("volume", "ls"); !strings.HasPrefix(got, "DRIVER    VOLUME NAME\nlocal     ") {
		t.Errorf("volume ls:\n%s", got)
	}
	// container prune frees the volumes; volume prune takes the anonymous
	// ones, -a the named too.
	out := e.Must("container", "prune", "-f")
	if !strings.Contains(out, "Deleted Containers:") || !strings.Contains(out, "Total reclaimed space:") {
		t.Errorf("container prune:\n%s", out)
	}
	if got := strings.TrimSpace(e.Must("ps", "-aq")); got != "" {
		t.Errorf("containers left: %q", got)
	}
	e.Must("volume", "prune", "-f")
	if got := strings.Count(e.Must("volume", "ls", "-q"), "\n"); got != 2 {
		t.Errorf("after volume prune %d volumes, want the 2 named", got)
	}
	e.Must("volume", "prune", "-f", "-a")
	if got := e.Must("volume", "ls", "-q"); got != "" {
		t.Errorf("after volume prune -a: %q", got)
	}
	if r := e.Run("volume", "rm", "nosuch"); r.ExitCode == 0 {
		t.Error("rm of a missing volume succeeded")
	}
	e.Must("volume", "rm", "-f", "nosuch")
}

func TestSystemDfAndPrune(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "up", "busybox", "sleep", "100")
	e.Must("run", "--name", "down", "-v", "/anon", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /big")
	df := e.Must("system", "df")
	lines := strings.Split(strings.TrimSpace(df), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "TYPE") {
		t.Fatalf("system df:\n%s", df)
	}
	if f := strings.Fields(lines[2]); f[0] != "Containers" || f[1] != "2" || f[2] != "1" || f[4] == "0B" {
		t.Errorf("containers line: %q", lines[2])
	}
	if f := strings.Fields(lines[1]); f[0] != "Images" || f[1] != "1" || f[2] != "1" {
		t.Errorf("images line: %q", lines[1])
	}
	out := e.Must("system", "prune", "-f", "--volumes")
	if !strings.Contains(out, "Deleted Containers:") || !strings.Contains(out, "Deleted Volumes:") {
		t.Errorf("system prune:\n%s", out)
	}
	if got := strings.TrimSpace(e.Must("ps", "-a", "--format", "{{.Names}}")); got != "up" {
		t.Errorf("after prune: %q", got)
	}
	if got := e.Must("images", "-q"); got == "" {
		t.Error("system prune without -a removed the image a container uses")
	}
	e.Must("rm", "-f", "up")
	e.Must("system", "prune", "-a", "-f")
	if got := e.Must("images", "-q"); got != "" {
		t.Errorf("system prune -a left images: %q", got)
	}
}
