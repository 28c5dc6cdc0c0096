package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/berth-containers/berth/engine/fsops"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/snapshot"
)

// TestOrAll: a cpuset given is kept; an empty one is every online CPU as
// the kernel's file lists them, or CPU 0 without the file.
func TestOrAll(t *testing.T) {
	dir := t.TempDir()
	online := filepath.Join(dir, "online")
	if err := os.WriteFile(online, []byte("0-3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ s, file, want string }{
		{"1,2", online, "1,2"},
		{"", online, "0-3"},
		{"", filepath.Join(dir, "missing"), "0"},
	} {
		if got := orAll(tc.s, tc.file); got != tc.want {
			t.Errorf("orAll(%q, %s) = %q, want %q", tc.s, tc.file, got, tc.want)
		}
	}
}

// TestVolumeBinds: cp and export of a stopped container see its volumes
// and bind mounts, read-only as mounted, and not its tmpfs.
func TestVolumeBinds(t *testing.T) {
	got := volumeBinds([]record.Mount{
		{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true},
		{Type: "tmpfs", Destination: "/tmp"},
		{Type: "volume", Source: "/v/data", Destination: "/data"},
	})
	want := []fsops.Bind{{Source: "/h", Destination: "/c", ReadOnly: true}, {Source: "/v/data", Destination: "/data"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("volumeBinds = %+v, want %+v", got, want)
	}
	if got := volumeBinds(nil); got != nil {
		t.Errorf("volumeBinds(nil) = %+v", got)
	}
}

// TestLowerOf: diff compares the upper layer against the overlay's lower
// directories, top first; a mount without them has none.
func TestLowerOf(t *testing.T) {
	for _, tc := range []struct {
		mounts []snapshot.Mount
		want   []string
	}{
		{[]snapshot.Mount{{Type: "overlay", Options: []string{"ro", "lowerdir=/l2:/l1", "upperdir=/u"}}}, []string{"/l2", "/l1"}},
		{[]snapshot.Mount{{Type: "bind", Options: []string{"rbind"}}}, nil},
		{nil, nil},
	} {
		if got := lowerOf(tc.mounts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("lowerOf(%+v) = %q, want %q", tc.mounts, got, tc.want)
		}
	}
}

// TestDirSize: the regular files' sizes add up, through subdirectories;
// symlinks count nothing and a missing directory is 0.
func TestDirSize(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{"a": 10, "sub/b": 32} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if got := dirSize(dir); got != 42 {
		t.Errorf("dirSize = %d, want 42", got)
	}
	if got := dirSize(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("dirSize(missing) = %d", got)
	}
}
