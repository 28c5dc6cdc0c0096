package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecureRoots(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string) (root string) // the --root given
		check   string                                       // the directory whose mode is checked
		wantErr string
	}{
		{name: "fresh", prepare: func(t *testing.T, dir string) string { return filepath.Join(dir, "a", "root") }, check: "a/root"},
		{name: "older berth made it 0711", prepare: func(t *testing.T, dir string) string {
			mkdir(t, filepath.Join(dir, "root"), 0o711)
			return filepath.Join(dir, "root")
		}, check: "root"},
		{name: "symlink to the real root", prepare: func(t *testing.T, dir string) string {
			mkdir(t, filepath.Join(dir, "real"), 0o755)
			if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "link")
		}, check: "real"},
		{name: "another user's", prepare: func(t *testing.T, dir string) string {
			mkdir(t, filepath.Join(dir, "theirs"), 0o777)
			if err := os.Chown(filepath.Join(dir, "theirs"), 4242, 4242); err != nil {
				t.Fatal(err) // the unit tests run as root, as the integration tests
			}
			return filepath.Join(dir, "theirs")
		}, check: "theirs", wantErr: "owned by uid 4242"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root := tc.prepare(t, dir)
			err := SecureRoots(root, filepath.Join(dir, "run"))
			want := os.FileMode(0o700)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				want = 0o777
			} else if err != nil {
				t.Fatal(err)
			}
			if got := modeOf(t, filepath.Join(dir, tc.check)); got != want {
				t.Errorf("%s: mode %o, want %o", tc.check, got, want)
			}
			if tc.wantErr == "" {
				if got := modeOf(t, filepath.Join(dir, "run")); got != 0o700 {
					t.Errorf("run root: mode %o, want 0700", got)
				}
			}
		})
	}
}

func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}
