package fsops

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// testRoot makes a root with symlinks that would lead out of it if they
// were resolved on the host, and a host directory beside it that they
// must never reach.
func testRoot(t *testing.T) (root, outside string) {
	t.Helper()
	root, outside = t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("inside"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "passwd"), []byte("outside!"), 0o644))
	for link, target := range map[string]string{
		"abs":      "/etc",
		"rel":      "../../../../etc",
		"chain":    "abs",
		"loop":     "loop",
		"dangling": "/nowhere",
		"out":      outside, // absolute host path: inside the root it is missing
		"etc/up":   "../../..",
	} {
		must(os.Symlink(target, filepath.Join(root, link)))
	}
	return root, outside
}

func TestResolveInRoot(t *testing.T) {
	dir, _ := testRoot(t)
	r, err := openRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct {
		path   string
		follow string // where follow leads, "" for ENOENT
		size   int64  // statFollow's size, -1 for ENOENT, -2 for a directory
	}{
		{path: "etc/passwd", follow: "/etc/passwd", size: 6},
		{path: "abs/passwd", follow: "/abs/passwd", size: 6},
		{path: "rel/passwd", follow: "/rel/passwd", size: 6},
		{path: "etc/up/etc/passwd", follow: "/etc/up/etc/passwd", size: 6},
		{path: "out/passwd", size: -1},
		{path: "abs", follow: "/etc", size: -2},
		{path: "rel", follow: "/etc", size: -2},
		{path: "chain", follow: "/etc", size: -2},
		{path: "dangling", follow: "/nowhere", size: -1},
		{path: "out", size: -1},
		{path: "/../../etc/passwd", follow: "/etc/passwd", size: 6},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := r.follow(tc.path)
			if tc.follow == "" {
				if !errors.Is(err, unix.ENOENT) {
					t.Errorf("follow = %q, %v; want ENOENT", got, err)
				}
			} else if err != nil || got != tc.follow {
				t.Errorf("follow = %q, %v; want %q", got, err, tc.follow)
			}
			st, err := statFollow(r, tc.path)
			switch {
			case tc.size == -1:
				if !errors.Is(err, unix.ENOENT) {
					t.Errorf("statFollow = %v, want ENOENT", err)
				}
			case tc.size == -2:
				if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
					t.Errorf("statFollow = %o, %v; want a directory", st.Mode, err)
				}
			default:
				if err != nil || st.Size != tc.size {
					t.Errorf("statFollow size = %d, %v; want %d (the root's file)", st.Size, err, tc.size)
				}
			}
		})
	}
	if _, err := r.follow("loop"); !errors.Is(err, unix.ELOOP) {
		t.Errorf("follow(loop) = %v, want ELOOP", err)
	}
}

func TestStat(t *testing.T) {
	dir, _ := testRoot(t)
	for _, tc := range []struct {
		path, link string
		mode       os.FileMode
		missing    bool
	}{
		{path: "etc/passwd", mode: 0o644},
		{path: "abs", link: "/etc", mode: os.ModeSymlink | 0o777},
		{path: "abs/passwd", mode: 0o644},
		{path: "out/passwd", missing: true},
		{path: "etc/passwd/x", missing: true},
	} {
		ps, err := Stat(dir, tc.path)
		if tc.missing {
			if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
				t.Errorf("Stat(%s) = %+v, %v; want missing", tc.path, ps, err)
			}
			continue
		}
		if err != nil || ps.Mode != tc.mode || ps.LinkTarget != tc.link {
			t.Errorf("Stat(%s) = %+v, %v; want mode %v link %q", tc.path, ps, err, tc.mode, tc.link)
		}
	}
}

// TestCopyInStaysInRoot extracts a tar whose entries go through the
// root's symlinks: nothing may land in the host directory they name.
func TestCopyInStaysInRoot(t *testing.T) {
	dir, outside := testRoot(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []string{"out/evil", "abs/new", "etc/up/etc/new2"} {
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	err := CopyIn(dir, "-", "/", CopyOptions{}, "test", &buf)
	if err == nil {
		t.Fatal("CopyIn through a link to a missing directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file landed outside the root: %v", err)
	}
	// The same tar without the failing entry lands inside the root.
	buf.Reset()
	tw = tar.NewWriter(&buf)
	for _, f := range []string{"abs/new", "etc/up/etc/new2"} {
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CopyIn(dir, "-", "/", CopyOptions{}, "test", &buf); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"etc/new", "etc/new2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not in the root: %v", f, err)
		}
	}
}
