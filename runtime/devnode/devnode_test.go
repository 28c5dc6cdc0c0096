package devnode

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestMerge(t *testing.T) {
	fuse := specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}
	// A spec entry for a default's path replaces it, even unclean.
	null := specs.LinuxDevice{Path: "/dev/./null", Type: "c", Major: 1, Minor: 3}
	for _, tc := range []struct {
		name  string
		spec  *specs.Spec
		paths []string
	}{
		{"no spec", nil, []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/random"}},
		{"no linux", &specs.Spec{}, []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/random"}},
		{"extra", &specs.Spec{Linux: &specs.Linux{Devices: []specs.LinuxDevice{fuse}}},
			[]string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/random", "/dev/fuse"}},
		{"replaced", &specs.Spec{Linux: &specs.Linux{Devices: []specs.LinuxDevice{null}}},
			[]string{"/dev/zero", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/random", "/dev/./null"}},
	} {
		got := Merge(tc.spec)
		if len(got) != len(tc.paths) {
			t.Errorf("%s: Merge gave %d devices, want %d", tc.name, len(got), len(tc.paths))
			continue
		}
		for i, d := range got {
			if d.Path != tc.paths[i] {
				t.Errorf("%s: device %d is %s, want %s", tc.name, i, d.Path, tc.paths[i])
			}
		}
	}
}

func TestMode(t *testing.T) {
	perm := os.FileMode(0o620)
	for _, tc := range []struct {
		typ  string
		perm *os.FileMode
		want uint32
		err  bool
	}{
		{"c", nil, unix.S_IFCHR | 0o666, false},
		{"u", &perm, unix.S_IFCHR | 0o620, false},
		{"b", &perm, unix.S_IFBLK | 0o620, false},
		{"p", nil, unix.S_IFIFO | 0o666, false},
		{"x", nil, 0, true},
	} {
		got, err := Mode(specs.LinuxDevice{Path: "/dev/x", Type: tc.typ, FileMode: tc.perm})
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Mode(type %q) = %#o, %v; want %#o, error %v", tc.typ, got, err, tc.want, tc.err)
		}
	}
}
