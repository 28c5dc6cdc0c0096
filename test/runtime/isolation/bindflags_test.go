package isolation_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
	"github.com/berth-containers/berth/test/testutil/usernstest"
)

// flaggedSource is a host tmpfs whose mount has the per-mount flags
// given (the superblock has none, so a bind may clear them), as runc's
// mounts_sshfs.bats prepares its source.
func flaggedSource(t *testing.T, flags uintptr) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("", dir, "", unix.MS_BIND|unix.MS_REMOUNT|flags, ""); err != nil {
		t.Fatalf("remount %s with flags %#x: %v", dir, flags, err)
	}
	return dir
}

// perMount are the words of /proc/self/mounts that are a mount's own
// flags, not its filesystem's options.
var perMount = map[string]bool{"ro": true, "rw": true, "nosuid": true, "nodev": true, "noexec": true,
	"noatime": true, "nodiratime": true, "relatime": true, "nosymfollow": true}

// mountFlags runs the bundle with the binds asked for (destination →
// options) of src and returns each one's options as /proc/self/mounts
// shows them (perMount only), sorted and comma-joined.
func mountFlags(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle, src string, binds map[string][]string) map[string]string {
	t.Helper()
	var dsts []string
	for dst, opts := range binds {
		b.AddMount(specs.Mount{Destination: dst, Type: "bind", Source: src, Options: opts})
		dsts = append(dsts, dst)
	}
	sort.Strings(dsts)
	out := rt.ShellOutput(t, b, fmt.Sprintf("for d in %s; do awk -v d=$d '$2 == d { print d, $4 }' /proc/self/mounts; done", strings.Join(dsts, " ")))
	got := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		dst, opts, _ := strings.Cut(l, " ")
		var o []string
		for _, f := range strings.Split(opts, ",") {
			if perMount[f] {
				o = append(o, f)
			}
		}
		sort.Strings(o)
		got[dst] = strings.Join(o, ",")
	}
	return got
}

func checkFlags(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for dst, w := range want {
		if got[dst] != w {
			t.Errorf("%s has %q, want %q", dst, got[dst], w)
		}
	}
}

// TestBindFlagsAsRunc: a plain bind keeps its source's flags; any other
// option, a clearing one too, sets exactly the flags asked for; the
// access-time settings stay as the source had them unless an option
// names one, as with runc and mount(8). r* options change the mount and
// its submounts, after.
func TestBindFlagsAsRunc(t *testing.T) {
	rt, b := setup(t)
	src := flaggedSource(t, unix.MS_RDONLY|unix.MS_NOEXEC|unix.MS_NOATIME|unix.MS_NOSYMFOLLOW)
	got := mountFlags(t, rt, b, src, map[string][]string{
		"/plain":       {"bind"},
		"/mdev":        {"bind", "dev"},
		"/norelatime":  {"bind", "norelatime"},
		"/relatime":    {"bind", "relatime"},
		"/nodiratime":  {"bind", "nodiratime"},
		"/symfollow":   {"bind", "ro", "symfollow"},
		"/ratime":      {"rbind", "ratime"},
		"/rnorelatime": {"rbind", "rnorelatime"},
	})
	checkFlags(t, got, map[string]string{
		"/plain":      "noatime,noexec,nosymfollow,ro",
		"/mdev":       "noatime,rw",
		"/norelatime": "noatime,rw",
		"/relatime":   "relatime,rw",
		"/nodiratime": "nodiratime,relatime,rw",
		"/symfollow":  "noatime,ro",
		// Clearing a recursive access-time mode means relatime, as runc's.
		"/ratime":      "noexec,nosymfollow,relatime,ro",
		"/rnorelatime": "noexec,nosymfollow,relatime,ro",
	})
}

// TestBindFlagsLockedInUserNamespace: the flags of a mount a user
// namespace inherits are locked. A bind that does not name them keeps
// them; one that explicitly clears one, or asks for another access-time
// mode, fails rather than give something else than asked. (The binds go
// under /tmp: the rootfs is not the user namespace's to make dirs in.)
func TestBindFlagsLockedInUserNamespace(t *testing.T) {
	rt, b := setup(t)
	src := flaggedSource(t, unix.MS_RDONLY|unix.MS_NOEXEC|unix.MS_NODIRATIME|unix.MS_NOSYMFOLLOW)
	usernstest.Give(t, b, "", filepath.Dir(src))
	got := mountFlags(t, rt, b, src, map[string][]string{
		"/tmp/plain":  {"bind"},
		"/tmp/mdev":   {"bind", "dev"},
		"/tmp/nosuid": {"bind", "nosuid"},
	})
	checkFlags(t, got, map[string]string{
		"/tmp/plain":  "nodiratime,noexec,nosymfollow,relatime,ro",
		"/tmp/mdev":   "nodiratime,noexec,relatime,ro",
		"/tmp/nosuid": "nodiratime,noexec,nosuid,relatime,ro",
	})
	for _, tt := range []struct {
		opts []string
		want string
	}{
		{[]string{"bind", "rw"}, "cannot clear locked flags ro"},
		{[]string{"bind", "exec"}, "cannot clear locked flags noexec"},
		{[]string{"bind", "strictatime"}, "cannot change locked atime flags"},
	} {
		b := testutil.NewBundle(t, rt)
		usernstest.Give(t, b, "", filepath.Dir(src))
		b.AddMount(specs.Mount{Destination: "/tmp/mnt", Type: "bind", Source: src, Options: tt.opts})
		b.SetArgs("true")
		res := rt.Run(t, "run", "--bundle", b.Dir, testutil.NewID(t))
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, tt.want) || !strings.Contains(res.Stderr, "operation not permitted") {
			t.Errorf("bind %q of a locked ro,noexec,nodiratime source: exit %d, stderr %q; want a failure saying %q", tt.opts, res.ExitCode, res.Stderr, tt.want)
		}
	}
}
