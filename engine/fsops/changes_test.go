package fsops

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestChanges builds upper dirs over one lower layer by hand, as overlayfs
// leaves them, and reads the changes back.
func TestChanges(t *testing.T) {
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	lowerDirs := []string{"etc", "bin", "var/log", "same", "opq"}
	lowerFiles := []string{"etc/passwd", "bin/ls", "var/log/x", "opq/gone"}
	type entry struct {
		path string
		kind byte // 'd' directory as copied up, 'm' one changed, 'f' file, 'w' whiteout, 'o' opaque directory
	}
	for _, tc := range []struct {
		name  string
		upper []entry
		skip  func(rel string) bool
		want  []Change
	}{
		{name: "empty"},
		{name: "copied-up directory unchanged", upper: []entry{{"same", 'd'}}},
		{name: "modified file", upper: []entry{{"etc", 'd'}, {"etc/passwd", 'f'}},
			want: []Change{{"C", "/etc/passwd"}}},
		{name: "modified directory", upper: []entry{{"etc", 'm'}, {"etc/passwd", 'f'}},
			want: []Change{{"C", "/etc"}, {"C", "/etc/passwd"}}},
		{name: "added file below an unchanged directory", upper: []entry{{"var/log", 'd'}, {"var/log/y", 'f'}},
			want: []Change{{"C", "/var/log"}, {"A", "/var/log/y"}}},
		{name: "added directory in the root", upper: []entry{{"new", 'd'}, {"new/f", 'f'}},
			want: []Change{{"A", "/new"}, {"A", "/new/f"}}},
		{name: "whiteout", upper: []entry{{"bin", 'd'}, {"bin/ls", 'w'}},
			want: []Change{{"C", "/bin"}, {"D", "/bin/ls"}}},
		{name: "opaque directory", upper: []entry{{"opq", 'o'}, {"opq/fresh", 'f'}},
			want: []Change{{"D", "/opq"}, {"A", "/opq/fresh"}}},
		{name: "skipped mount point", upper: []entry{{"etc", 'd'}, {"etc/hosts", 'f'}, {"etc/passwd", 'f'}},
			skip: func(rel string) bool { return rel == "etc/hosts" },
			want: []Change{{"C", "/etc/passwd"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lower, upper := t.TempDir(), t.TempDir()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range lowerDirs {
				must(os.MkdirAll(filepath.Join(lower, d), 0o755))
			}
			for _, f := range lowerFiles {
				must(os.WriteFile(filepath.Join(lower, f), []byte("x"), 0o644))
			}
			for _, e := range tc.upper {
				p := filepath.Join(upper, e.path)
				switch e.kind {
				case 'd', 'm':
					must(os.MkdirAll(p, 0o755))
				case 'f':
					must(os.WriteFile(p, []byte("xy"), 0o644))
				case 'w':
					if err := unix.Mknod(p, unix.S_IFCHR, 0); err != nil {
						t.Skipf("whiteout needs CAP_MKNOD: %v", err)
					}
				case 'o':
					must(os.MkdirAll(p, 0o755))
					if err := unix.Lsetxattr(p, "trusted.overlay.opaque", []byte("y"), 0); err != nil {
						t.Skipf("opaque mark needs CAP_SYS_ADMIN: %v", err)
					}
				}
			}
			// Copy-up keeps the lower directory's mode and time; a
			// changed directory has a time of its own.
			must(filepath.WalkDir(upper, func(p string, d os.DirEntry, err error) error {
				if err != nil || !d.IsDir() || p == upper {
					return err
				}
				rel, _ := filepath.Rel(upper, p)
				if _, err := os.Stat(filepath.Join(lower, rel)); err == nil {
					must(os.Chtimes(filepath.Join(lower, rel), old, old))
				}
				return os.Chtimes(p, old, old)
			}))
			for _, e := range tc.upper {
				if e.kind == 'm' {
					must(os.Chtimes(filepath.Join(upper, e.path), old.Add(time.Hour), old.Add(time.Hour)))
				}
			}
			var skip func(string, os.DirEntry) bool
			if tc.skip != nil {
				skip = func(rel string, _ os.DirEntry) bool { return tc.skip(rel) }
			}
			got, err := Changes(upper, []string{lower}, skip)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
