package layer

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestApplyMalicious: each class of hostile layer is refused with an error
// naming the entry, or contained inside the root; the sentinel directory
// next to the root is never touched.
func TestApplyMalicious(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name    string
		entries func(outside string) []ent
		lower   func(t *testing.T, lower, outside string) // a layer below, if any
		wantErr string                                    // "" means contained: check runs
		check   func(t *testing.T, root, outside string)
	}{
		{name: "dot dot", wantErr: "../escape", entries: func(string) []ent {
			return []ent{file("../escape", "x", 0o644)}
		}},
		{name: "dot dot inside", wantErr: "a/../../escape", entries: func(string) []ent {
			return []ent{dir("a/", 0o755), file("a/../../escape", "x", 0o644)}
		}},
		{name: "absolute", entries: func(outside string) []ent {
			return []ent{file(outside+"/sentinel", "pwned", 0o644)}
		}, check: func(t *testing.T, root, outside string) {
			expectFile(t, root, filepath.Join(outside, "sentinel"), "pwned")
		}},
		{name: "write through symlink", wantErr: "link/file", entries: func(outside string) []ent {
			return []ent{symlink("link", outside), file("link/file", "x", 0o644)}
		}},
		{name: "symlink chain to dot dot", wantErr: "b/x", entries: func(string) []ent {
			return []ent{dir("d/", 0o755), symlink("d/a", ".."), symlink("b", "d/a/.."), file("b/x", "x", 0o644)}
		}},
		{name: "hardlink to etc passwd", wantErr: "pw", entries: func(string) []ent {
			return []ent{hardlink("pw", "/etc/passwd")}
		}},
		{name: "hardlink to outside sentinel", wantErr: "pw", entries: func(outside string) []ent {
			return []ent{hardlink("pw", outside+"/sentinel")}
		}},
		{name: "hardlink dot dot", wantErr: "pw", entries: func(string) []ent {
			return []ent{hardlink("pw", "../outside/sentinel")}
		}},
		{name: "hardlink through symlinked dir", wantErr: "h", entries: func(outside string) []ent {
			return []ent{symlink("sd", outside), hardlink("h", "sd/sentinel")}
		}},
		{name: "whiteout dot dot", wantErr: ".wh.../../x", entries: func(string) []ent {
			return []ent{file(".wh.../../x", "", 0o644)}
		}},
		{name: "whiteout of dot dot", wantErr: "d/.wh...", entries: func(string) []ent {
			return []ent{dir("d/", 0o755), file("d/.wh...", "", 0o644)}
		}},
		{name: "whiteout through symlink", wantErr: "s/.wh.sentinel", entries: func(outside string) []ent {
			return []ent{symlink("s", outside), file("s/.wh.sentinel", "", 0o644)}
		}},
		{name: "opaque through symlink", wantErr: "s/.wh..wh..opq", entries: func(outside string) []ent {
			return []ent{symlink("s", outside), file("s/.wh..wh..opq", "", 0o644)}
		}},
		{name: "dir then symlink then file under it", wantErr: "d/f", entries: func(outside string) []ent {
			return []ent{dir("d/", 0o755), file("d/a", "a", 0o644), symlink("d", outside), file("d/f", "x", 0o644)}
		}},
		{name: "symlink in a lower layer", wantErr: "lib/x", entries: func(string) []ent {
			return []ent{file("lib/x", "x", 0o644)}
		}, lower: func(t *testing.T, lower, outside string) {
			if err := os.Symlink(outside, filepath.Join(lower, "lib")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "duplicate over a symlink", entries: func(outside string) []ent {
			return []ent{symlink("f", outside+"/sentinel"), file("f", "pwned", 0o644)}
		}, check: func(t *testing.T, root, outside string) {
			expectFile(t, root, "f", "pwned")
		}},
		{name: "hardlink to a symlink then a file on it", entries: func(outside string) []ent {
			return []ent{symlink("s", outside+"/sentinel"), hardlink("h", "s"), file("h", "pwned", 0o644)}
		}, check: func(t *testing.T, root, outside string) {
			expectFile(t, root, "h", "pwned")
		}},
		{name: "device nodes stay inside", entries: func(string) []ent {
			return []ent{device("dev/sda", tar.TypeBlock, 8, 0, 0o666), device("../dev/sdb", tar.TypeBlock, 8, 16, 0o666)}
		}, wantErr: "../dev/sdb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			root, outside, lower := filepath.Join(base, "root"), filepath.Join(base, "outside"), filepath.Join(base, "lower")
			for _, d := range []string{root, outside, lower} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(outside, "sentinel"), []byte("untouched"), 0o644); err != nil {
				t.Fatal(err)
			}
			var opts ApplyOptions
			if tc.lower != nil {
				tc.lower(t, lower, outside)
				opts.Parents = []string{lower}
			}
			before, passwd := describe(t, outside), nlink(t, "/etc/passwd")
			_, err := Apply(t.Context(), root, bytes.NewReader(tarOf(t, tc.entries(outside)...)), opts)
			t.Logf("Apply: %v", err)
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), "entry "+tc.wantErr)) {
				t.Errorf("err = %v, want a refusal naming entry %s", err, tc.wantErr)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("contained case failed: %v", err)
				}
				tc.check(t, root, outside)
			}
			diffTrees(t, describe(t, outside), before)
			if got := nlink(t, "/etc/passwd"); got != passwd {
				t.Errorf("/etc/passwd link count %d -> %d", passwd, got)
			}
			if _, err := os.Lstat(filepath.Join(base, "escape")); !os.IsNotExist(err) {
				t.Errorf("escape exists next to the root: %v", err)
			}
		})
	}
}

// expectFile checks that name inside root is a regular file holding want.
func expectFile(t *testing.T, root, name, want string) {
	t.Helper()
	got := describeOne(t, filepath.Join(root, name))
	if !strings.HasPrefix(got, "file ") || !strings.HasSuffix(got, `"`+want+`"`) {
		t.Errorf("%s = %s, want a regular file holding %q", name, got, want)
	}
}

func nlink(t *testing.T, p string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Nlink
}
