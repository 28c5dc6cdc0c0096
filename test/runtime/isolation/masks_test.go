package isolation_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// The image replaces /proc or /sys with a symlink. Followed, it would put
// the procfs or sysfs wherever the image points (here a directory that
// looks like a harmless one), so masks and read-only paths land on a
// /proc that is not the mounted one; runc refuses it, and one of these
// hung berth-runtime before. The create must fail at once, with runc's
// one-line reason, and leave nothing mounted.
func TestProcSysSymlinkRefused(t *testing.T) {
	for _, tc := range []struct{ dir, fs, target string }{
		{"proc", "proc", "/decoy"},
		{"sys", "sysfs", "/decoy"},
		{"proc", "proc", "/nonexistent"}, // dangling: would be created
		{"sys", "sysfs", "/nonexistent"},
	} {
		t.Run(tc.dir+"->"+tc.target, func(t *testing.T) {
			rt, b := setup(t)
			if err := os.MkdirAll(filepath.Join(b.Rootfs, "decoy"), 0o755); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(b.Rootfs, tc.dir)
			if err := os.RemoveAll(link); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tc.target, link); err != nil {
				t.Fatal(err)
			}
			b.SetArgs("true")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			id := testutil.NewID(t)
			cmd := exec.CommandContext(ctx, rt.Binary, "--root", rt.Root, "run", "--bundle", b.Dir, id)
			res := rt.RunCmd(t, cmd)
			if ctx.Err() != nil {
				t.Fatalf("run hung with /%s a symlink to %s", tc.dir, tc.target)
			}
			if res.ExitCode == 0 {
				t.Fatalf("run succeeded with /%s a symlink to %s", tc.dir, tc.target)
			}
			want := `filesystem "` + tc.fs + `" must be mounted on ordinary directory`
			// The log line quotes the message: unquote its quotes.
			msg := strings.ReplaceAll(strings.TrimSpace(res.Stderr), `\"`, `"`)
			if !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
				t.Errorf("stderr %q, want one line saying %q", msg, want)
			}
			if _, err := os.Stat(filepath.Join(b.Rootfs, "nonexistent")); err == nil {
				t.Errorf("the dangling symlink's target was created in the rootfs")
			}
			rt.AssertNothingLeft(t, id, b)
		})
	}
}

// containerMounts is the container's own mount table, a line's fields
// each: [2] the device, [4] the mount point, [5] its options.
func containerMounts(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle) [][]string {
	t.Helper()
	out := rt.ShellOutput(t, b, "cat /proc/self/mountinfo")
	var ms [][]string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 5 {
			ms = append(ms, f)
		}
	}
	return ms
}

// A path listed twice in maskedPaths, however spelled, is masked once: no
// mask stacked on a mask.
func TestMaskedPathListedTwice(t *testing.T) {
	rt, b := setup(t)
	if err := os.MkdirAll(filepath.Join(b.Rootfs, "home", "secret"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := "/proc/kcore"
	if _, err := os.Stat(file); err != nil {
		file = "/proc/timer_list"
	}
	b.Update(func(s *specs.Spec) {
		s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, file, "/home/secret", "/home/secret/", file)
	})
	count := map[string]int{}
	for _, f := range containerMounts(t, rt, b) {
		count[f[4]]++
	}
	for _, p := range []string{file, "/home/secret"} {
		if count[p] != 1 {
			t.Errorf("%s is mounted %d times, want once", p, count[p])
		}
	}
}

// Masked directories share one read-only tmpfs, as with runc: one
// superblock (one device number) however many the spec lists.
func TestMaskedDirsShareOneTmpfs(t *testing.T) {
	rt, b := setup(t)
	dirs := []string{"/home/a", "/home/b", "/home/c"}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(b.Rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b.Update(func(s *specs.Spec) { s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, dirs...) })
	devs := map[string]bool{}
	for _, f := range containerMounts(t, rt, b) {
		for _, d := range dirs {
			if f[4] != d {
				continue
			}
			devs[f[2]] = true
			if !strings.HasPrefix(f[5], "ro") {
				t.Errorf("masked %s is mounted %s, want read-only", d, f[5])
			}
			if fs := f[len(f)-3]; fs != "tmpfs" {
				t.Errorf("masked %s is a %s, want tmpfs", d, fs)
			}
		}
	}
	if len(devs) != 1 {
		t.Errorf("masked directories are on devices %v, want one shared tmpfs", devs)
	}
}
