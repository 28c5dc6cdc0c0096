package inroot

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestRel(t *testing.T) {
	for in, want := range map[string]string{"": ".", "/": ".", "/a/b/": "a/b", "a/../../b": "b", "/../..": "."} {
		if got := Rel(in); got != want {
			t.Errorf("Rel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenatStaysInRoot: absolute links and ".." resolve inside the root.
func TestOpenatStaysInRoot(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("host"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "secret"), []byte("root"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"abs": filepath.Join(outside, "secret"), "up": "../../../../../.." + filepath.Join(outside, "secret")} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/secret", filepath.Join(root, "inside")); err != nil {
		t.Fatal(err)
	}
	dfd, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dfd)
	for _, tc := range []struct {
		path string
		want string // "" : must not open
	}{
		{"/inside", "root"},
		{"../../secret", "root"},
		{"abs", ""},
		{"up", ""},
	} {
		fd, err := Openat(dfd, root, tc.path, unix.O_RDONLY)
		if tc.want == "" {
			if err == nil {
				unix.Close(fd)
				t.Errorf("%s: opened a file outside the root", tc.path)
			} else if !errors.Is(err, unix.ENOENT) {
				t.Errorf("%s: error %v, want ENOENT", tc.path, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		buf := make([]byte, 16)
		n, _ := unix.Read(fd, buf)
		unix.Close(fd)
		if string(buf[:n]) != tc.want {
			t.Errorf("%s: read %q, want %q", tc.path, buf[:n], tc.want)
		}
	}
}
