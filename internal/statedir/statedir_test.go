package statedir

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// withUmask runs fn under umask u. The umask is the process's: these
// tests do not run in parallel.
func withUmask(t *testing.T, u int, fn func()) {
	t.Helper()
	old := unix.Umask(u)
	defer unix.Umask(old)
	fn()
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestModesWhateverTheUmask(t *testing.T) {
	for _, tc := range []struct {
		name  string
		umask int
		make  func(string, os.FileMode) error
		mode  os.FileMode
		old   os.FileMode // mode of a directory that exists already; 0: none
		want  os.FileMode // the existing directory's mode afterwards
	}{
		{"mkdirall loose umask", 0o000, MkdirAll, 0o700, 0, 0o700},
		{"mkdirall tight umask", 0o077, MkdirAll, 0o755, 0, 0o755},
		{"mkdirall keeps existing", 0o022, MkdirAll, 0o700, 0o755, 0o755},
		{"ensure fixes 0711", 0o000, Ensure, 0o700, 0o711, 0o700},
		{"ensure fixes 0701", 0o022, Ensure, 0o700, 0o701, 0o700},
		{"ensure tight umask", 0o077, Ensure, 0o755, 0, 0o755},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			leaf := filepath.Join(base, "a", "b")
			if tc.old != 0 {
				if err := os.MkdirAll(leaf, 0o700); err != nil {
					t.Fatal(err)
				}
				for _, d := range []string{filepath.Join(base, "a"), leaf} {
					if err := os.Chmod(d, tc.old); err != nil {
						t.Fatal(err)
					}
				}
			}
			withUmask(t, tc.umask, func() {
				if err := tc.make(leaf, tc.mode); err != nil {
					t.Fatal(err)
				}
			})
			if tc.old == 0 {
				for _, d := range []string{filepath.Join(base, "a"), leaf} {
					if got := mode(t, d); got != tc.mode {
						t.Errorf("%s: mode %o, want %o", d, got, tc.mode)
					}
				}
				return
			}
			if got := mode(t, leaf); got != tc.want {
				t.Errorf("existing %s: mode %o, want %o", leaf, got, tc.want)
			}
			if got := mode(t, filepath.Join(base, "a")); got != tc.old {
				t.Errorf("existing parent: mode %o changed, want %o kept", got, tc.old)
			}
		})
	}
}

func TestEnsureRefusesSymlink(t *testing.T) {
	base := t.TempDir()
	target := filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(link, 0o700); err == nil {
		t.Fatal("Ensure changed the mode through a symlink")
	}
	if got := mode(t, target); got != 0o755 {
		t.Errorf("symlink target mode %o, want 0755 kept", got)
	}
}

func TestMkdirAllOnFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(f, 0o700); err == nil {
		t.Fatal("MkdirAll over a file succeeded")
	}
}

func TestChmodSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")
	var l net.Listener
	withUmask(t, 0, func() {
		var err error
		if l, err = net.Listen("unix", path); err != nil {
			t.Fatal(err)
		}
	})
	defer l.Close()
	if err := ChmodSocket(unix.AT_FDCWD, path); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, path); got != SocketMode {
		t.Errorf("socket mode %o, want %o", got, SocketMode)
	}
}
