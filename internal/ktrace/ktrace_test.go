package ktrace

import (
	"encoding/json"
	"os"
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
