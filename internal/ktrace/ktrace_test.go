package ktrace

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNames(t *testing.T) {
	for _, c := range []struct {
		flags uint64
		want  string
	}{
		{0, "0"},
		{unix.MS_BIND | unix.MS_REC, "MS_BIND|MS_REC"},
		{unix.MS_RDONLY | 1<<40, "MS_RDONLY|0x10000000000"},
	} {
		if got := Names(c.flags, MountFlags); got != c.want {
			t.Errorf("Names(%#x) = %q, want %q", c.flags, got, c.want)
		}
	}
}

func TestLineFormats(t *testing.T) {
	defer func() { cur = nil }()
	for _, format := range Formats {
		f, err := os.Create(filepath.Join(t.TempDir(), "trace"))
		if err != nil {
			t.Fatal(err)
		}
		if err := Start(f, format, "runtime"); err != nil {
			t.Fatal(err)
		}
		F("mount(%q, %q)", "a", "b\"c")
		f.Close()
		cur = nil
		b, _ := os.ReadFile(f.Name())
		line := strings.TrimSuffix(string(b), "\n")
		if format == "json" {
			var rec struct{ Proc, Call string }
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Proc != "runtime" || rec.Call != `mount("a", "b\"c")` {
				t.Errorf("json line %q: %+v %v", line, rec, err)
			}
		} else if !strings.Contains(line, " runtime[") || !strings.HasSuffix(line, `] mount("a", "b\"c")`) {
			t.Errorf("text line %q", line)
		}
	}
	if err := CheckFormat("xml"); err == nil {
		t.Error("CheckFormat(xml) = nil")
	}
}

// TestClone: a child's start is two lines, its clone and its execve.
func TestClone(t *testing.T) {
	defer func() { cur = nil }()
	f, err := os.Create(filepath.Join(t.TempDir(), "trace"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Wait() }()
	Clone(cmd, nil) // off: writes nothing
	if err := Start(f, "text", "runtime"); err != nil {
		t.Fatal(err)
	}
	Clone(cmd, nil)
	b, _ := os.ReadFile(f.Name())
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "clone(SIGCHLD) = ") || !strings.Contains(lines[1], `execve("/bin/true"`) {
		t.Errorf("trace %q", lines)
	}
}
