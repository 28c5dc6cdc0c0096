package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		options []string
		flags   uintptr
		attrs   uint64
		data    string
	}{
		{nil, 0, 0, "[]"},
		{[]string{"ro", "rbind"}, unix.MS_RDONLY | unix.MS_BIND | unix.MS_REC, unix.MOUNT_ATTR_RDONLY, "[]"},
		{[]string{"rw", "bind", "nosuid", "nodev"}, unix.MS_BIND | unix.MS_NOSUID | unix.MS_NODEV, unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV, "[]"},
		{[]string{"index=off", "lowerdir=/a:/b", "ro"}, unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY, "[index=off lowerdir=/a:/b]"},
	}
	for _, tc := range tests {
		p := parseOptions(tc.options)
		if p.flags != tc.flags || p.attrs != tc.attrs || fmt.Sprint(p.data) != tc.data {
			t.Errorf("parseOptions(%q) = %#x %#x %v, want %#x %#x %s", tc.options, p.flags, p.attrs, p.data, tc.flags, tc.attrs, tc.data)
		}
	}
}

func TestMountBindReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	src, target := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range []Mount{
		{Type: "bind", Source: src, Options: []string{"ro"}},
		{Type: "none", Source: src, Options: []string{"ro", "rbind"}},
	} {
		if err := m.Mount(target); err != nil {
			t.Fatal(err)
		}
		if !isMountPoint(t, target) {
			t.Errorf("%+v: target is not a mount point", m)
		}
		if b, err := os.ReadFile(filepath.Join(target, "f")); err != nil || string(b) != "f" {
			t.Errorf("%+v: read through the bind: %q %v", m, b, err)
		}
		if err := os.WriteFile(filepath.Join(target, "g"), nil, 0o644); !errors.Is(err, unix.EROFS) {
			t.Errorf("%+v: write err = %v, want EROFS", m, err)
		}
		if err := UnmountAll(target); err != nil {
			t.Fatal(err)
		}
		if isMountPoint(t, target) {
			t.Errorf("%+v: still mounted after UnmountAll", m)
		}
	}
}

func TestUnmountAllNotMounted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to unmount")
	}
	for _, p := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		if err := UnmountAll(p); err != nil {
			t.Errorf("UnmountAll(%s) = %v, want nil", p, err)
		}
	}
}

func TestMountAllUndoesOnFailure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	src, target := t.TempDir(), t.TempDir()
	err := MountAll([]Mount{
		{Type: "bind", Source: src, Options: []string{"rbind"}},
		{Type: "overlay", Source: "overlay", Options: []string{"lowerdir=" + filepath.Join(src, "missing")}},
	}, target)
	if err == nil {
		t.Fatal("MountAll with a broken second mount succeeded")
	}
	t.Logf("MountAll: %v", err)
	if isMountPoint(t, target) {
		t.Errorf("target is still a mount point after the failure")
	}
}

func isMountPoint(t *testing.T, p string) bool {
	t.Helper()
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW, 0, &stx); err != nil {
		t.Fatal(err)
	}
	if stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		t.Skip("kernel does not report STATX_ATTR_MOUNT_ROOT")
	}
	return stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0
}
