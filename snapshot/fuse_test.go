package snapshot

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFuseOverlayForced: with $BERTH_OVERLAY=fuse-overlayfs an overlay
// snapshot mounts through fuse-overlayfs, which honours berth's whiteouts
// (a 0/0 character device) and opaque dirs, writes to the upper dir, and
// ends with UnmountAll.
func TestFuseOverlayForced(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make whiteouts and mount")
	}
	if _, err := exec.LookPath(fuseOverlay); err != nil {
		t.Skip("fuse-overlayfs is not installed")
	}
	t.Setenv(OverlayEnv, fuseOverlay)
	dir := t.TempDir()
	base, top, upper, work, target := filepath.Join(dir, "base"), filepath.Join(dir, "top"),
		filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "rootfs")
	for _, d := range []string{base + "/d", top + "/d", upper, work, target} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{base + "/gone", base + "/kept", base + "/d/hidden", top + "/d/shown"} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mknod(top+"/gone", unix.S_IFCHR, 0); err != nil { // image/layer's whiteout
		t.Fatal(err)
	}
	if err := unix.Setxattr(top+"/d", "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	m := Mount{Type: "overlay", Source: "overlay", Options: []string{"index=off", "volatile",
		"workdir=" + work, "upperdir=" + upper, "lowerdir=" + top + ":" + base}}
	if err := m.Mount(target); err != nil {
		t.Fatal(err)
	}
	mounted := true
	defer func() {
		if mounted {
			_ = UnmountAll(target)
		}
	}()
	if fstype := mountType(t, target); fstype != "fuse.fuse-overlayfs" {
		t.Errorf("mounted as %q, want fuse.fuse-overlayfs", fstype)
	}
	for name, want := range map[string]bool{"gone": false, "kept": true, "d/hidden": false, "d/shown": true} {
		if _, err := os.Lstat(filepath.Join(target, name)); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", name, err == nil, want)
		}
	}
	if err := os.WriteFile(filepath.Join(target, "new"), []byte("n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(upper, "new")); err != nil {
		t.Errorf("a write is not in the upper dir: %v", err)
	}
	if err := UnmountAll(target); err != nil {
		t.Fatal(err)
	}
	mounted = false
	if fstype := mountType(t, target); fstype != "" {
		t.Errorf("still mounted (%s) after UnmountAll", fstype)
	}
	deadline := time.Now().Add(5 * time.Second)
	for fuseDaemon(target) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if fuseDaemon(target) {
		t.Errorf("fuse-overlayfs of %s still runs after the unmount", target)
	}
}

// TestOverlayChoiceBad: an unknown $BERTH_OVERLAY is refused, naming the
// values, before anything is mounted.
func TestOverlayChoiceBad(t *testing.T) {
	t.Setenv(OverlayEnv, "fuse")
	err := Mount{Type: "overlay", Source: "overlay", Options: []string{"lowerdir=/nonexistent"}}.Mount(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "want auto, native or fuse-overlayfs") {
		t.Errorf("err = %v, want the values named", err)
	}
}

// mountType is the filesystem type mounted exactly at p, "" if none.
func mountType(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	fstype := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i := 6; i+1 < len(f); i++ {
			if f[i] == "-" && len(f) > 4 && f[4] == p {
				fstype = f[i+1] // the last mount on p wins
			}
		}
	}
	return fstype
}

// fuseDaemon says whether a fuse-overlayfs process for target runs.
func fuseDaemon(target string) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), fuseOverlay) && strings.Contains(string(b), target) {
			return true
		}
	}
	return false
}

// The fallback is for a kernel that refuses overlay, not for a mount that
// is wrong whatever mounts it.
func TestKernelRefused(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("fsconfig create: %w (overlay: not permitted)", unix.EPERM), true},
		{fmt.Errorf("fsopen: %w", unix.ENODEV), true},
		{fmt.Errorf("fsconfig userxattr: %w", unix.EINVAL), true},
		{fmt.Errorf("fsconfig lowerdir: %w", unix.ENOENT), false},
		{errors.New("options are 5000 bytes"), false},
	} {
		if got := kernelRefused(tc.err); got != tc.want {
			t.Errorf("kernelRefused(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
