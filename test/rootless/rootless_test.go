package rootless_test

import (
	"archive/tar"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/test/testutil"
)

func TestRunAsUser(t *testing.T) {
	e := newEnv(t)
	if out := e.ok("run", "--rm", "--network", "none", "busybox", "echo", "hi"); out != "hi\n" {
		t.Fatalf("run --rm echo hi printed %q", out)
	}
	// The store is the user's, under XDG_DATA_HOME's default.
	if _, err := os.Stat(filepath.Join(e.u.Home, ".local/share/berth/metadata.db")); err != nil {
		t.Fatalf("no store in the user's home: %v", err)
	}
	// One namespace: the user is 0, its subordinate range follows.
	want := []string{"0", strconv.Itoa(e.u.UID), "1", "1", strconv.Itoa(e.u.SubStart), strconv.Itoa(e.u.SubCount)}
	if got := strings.Fields(e.ok("unshare", "cat", "/proc/self/uid_map")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("berth unshare's uid_map: %v, want %v", got, want)
	}
	if info := e.ok("info"); !strings.Contains(info, "rootless") {
		t.Errorf("berth info as a user does not say rootless:\n%s", info)
	}
	pid := e.pausePID()
	e.ok("run", "--rm", "--network", "none", "busybox", "true")
	if again := e.pausePID(); pid == 0 || again != pid {
		t.Fatalf("the second command made a new namespace: pause %d, then %d", pid, again)
	}
}

func TestNetworkModes(t *testing.T) {
	e := newEnv(t)
	links := e.ok("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
	if n := strings.Count(strings.TrimSpace(links), "\n") + 1; n != 1 || !strings.Contains(links, ": lo:") {
		t.Fatalf("--network none has links other than lo:\n%s", links)
	}
	host, _ := os.Hostname()
	if out := e.ok("run", "--rm", "--network", "host", "busybox", "hostname"); strings.TrimSpace(out) != host {
		t.Fatalf("--network host: hostname %q, the host's is %q", out, host)
	}
}

func TestContainerLifecycle(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.ok("run", "-d", "--name", "sleeper", "--network", "none", "busybox", "sleep", "300"))
	if ps := e.ok("ps", "--format", "{{.Names}} {{.Status}}"); !strings.HasPrefix(ps, "sleeper Up") {
		t.Fatalf("ps after run -d:\n%s", ps)
	}
	if out := e.ok("exec", "sleeper", "id", "-u"); out != "0\n" {
		t.Fatalf("exec id -u: %q", out)
	}
	// The container's root is the user on the host, nothing more.
	st := e.ok("inspect", "--format", "{{.State.Pid}}", id)
	var s syscall.Stat_t
	if err := syscall.Stat("/proc/"+strings.TrimSpace(st), &s); err != nil || int(s.Uid) != e.u.UID {
		t.Fatalf("container pid %s: owner %d, want the user's %d (%v)", st, s.Uid, e.u.UID, err)
	}
	// Without a cgroup to list its processes from, the stop's kill of them
	// all is init's: no warning about the missing hierarchy.
	if r := e.berth(nil, "stop", "-t", "0", "sleeper"); r.ExitCode != 0 || r.Stderr != "" {
		t.Fatalf("stop -t 0: %s", r)
	}
	e.ok("rm", "-f", "sleeper")
	if ps := e.ok("ps", "-aq"); ps != "" {
		t.Fatalf("ps -aq after rm -f: %q", ps)
	}
}

// A layer's owners land in the user's mapped range on disk, and show as
// themselves inside; the image comes into the user's store by import,
// then save and load.
func TestOwnersMapped(t *testing.T) {
	e := newEnv(t)
	tarPath := filepath.Join(e.u.Dir, "rootfs.tar")
	writeRootfs(t, tarPath)
	e.ok("import", tarPath, "owned:1")
	if out := e.ok("run", "--rm", "--network", "none", "owned:1", "/bin/busybox", "stat", "-c", "%u:%g", "/owned-by-1000"); out != "1000:1000\n" {
		t.Fatalf("owner inside: %q", out)
	}
	want := e.u.SubStart + 999 // container id 1000 is the range's 1000th
	if got := diskOwner(t, filepath.Join(e.u.Home, ".local/share/berth"), "owned-by-1000"); got != want {
		t.Fatalf("owned-by-1000 on disk: uid %d, want %d", got, want)
	}
	archive := filepath.Join(e.u.Home, "owned.tar")
	e.ok("save", "-o", archive, "owned:1")
	e.ok("rmi", "owned:1")
	e.ok("load", "-i", archive)
	if out := e.ok("images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(out, "owned:1") {
		t.Fatalf("images after load:\n%s", out)
	}
}

// writeRootfs writes a rootfs tar: busybox, and a file owned by 1000.
func writeRootfs(t *testing.T, path string) {
	t.Helper()
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := tar.NewWriter(f)
	for _, h := range []*tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bb))},
		{Name: "owned-by-1000", Typeflag: tar.TypeReg, Mode: 0o644, Uid: 1000, Gid: 1000},
	} {
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			w.Write(bb)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
}

// diskOwner finds name under root and returns its host uid.
func diskOwner(t *testing.T, root, name string) int {
	t.Helper()
	uid := -1
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == name && uid < 0 {
			var st syscall.Stat_t
			if syscall.Lstat(p, &st) == nil {
				uid = int(st.Uid)
			}
		}
		return nil
	})
	if uid < 0 {
		t.Fatalf("%s not found under %s", name, root)
	}
	return uid
}

func TestLimitNeedsDelegation(t *testing.T) {
	e := newEnv(t)
	r := e.berth(nil, "run", "--rm", "--network", "none", "-m", "64m", "busybox", "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "delegated") {
		t.Fatalf("run -m as a user without a delegated cgroup:\n%s", r)
	}
	if ps := e.ok("ps", "-aq"); ps != "" {
		t.Fatalf("the refused run left a container: %q", ps)
	}
}

func TestBadEnvironment(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, env, want string
	}{
		{"unset", "XDG_RUNTIME_DIR=", "XDG_RUNTIME_DIR is not set"},
		{"not the user's", "XDG_RUNTIME_DIR=/tmp", "XDG_RUNTIME_DIR /tmp is owned by uid 0"},
	} {
		r := e.berth([]string{c.env}, "ps")
		if r.ExitCode != 125 || !strings.Contains(r.Stderr, c.want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("%s: want exit 125 and one line with %q:\n%s", c.name, c.want, r)
		}
	}
}

// Overlay in the user namespace keeps its metadata in user.overlay.*
// (userxattr): a deleted file and a replaced directory stay so in the
// container, and through commit's diff and the unpack of its layer.
func TestWhiteoutsAndOpaqueDirs(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "--name", "c0", "--network", "none", "busybox", "sh", "-c", "mkdir /data && touch /data/a /data/b")
	e.ok("commit", "c0", "base:1")
	script := "rm -rf /data && mkdir /data && touch /data/only && rm /bin/ls && ls /data"
	if out := e.ok("run", "--name", "c1", "--network", "none", "base:1", "sh", "-c", script); out != "only\n" {
		t.Fatalf("replaced /data in the container: %q", out)
	}
	e.ok("commit", "c1", "mod:1")
	out := e.ok("run", "--rm", "--network", "none", "mod:1", "sh", "-c", "ls /data; test -e /bin/ls || echo ls-gone")
	if out != "only\nls-gone\n" {
		t.Fatalf("the committed layer's opaque dir and whiteout: %q", out)
	}
}

// --userns=keep-id: the user is itself in the container, and its own
// files (bound from its home) are its own there.
func TestKeepID(t *testing.T) {
	e := newEnv(t)
	mine := filepath.Join(e.u.Home, "mine")
	if err := os.WriteFile(mine, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mine, e.u.UID, e.u.GID); err != nil {
		t.Fatal(err)
	}
	out := e.ok("run", "--rm", "--userns", "keep-id", "--network", "none", "-v", e.u.Home+":/h", "busybox",
		"sh", "-c", "id -u; id -g; stat -c %u:%g /h/mine")
	want := strconv.Itoa(e.u.UID) + "\n" + strconv.Itoa(e.u.GID) + "\n" + strconv.Itoa(e.u.UID) + ":" + strconv.Itoa(e.u.GID) + "\n"
	if out != want {
		t.Fatalf("keep-id: %q, want %q", out, want)
	}
}

// With $BERTH_OVERLAY=fuse-overlayfs (snapshot.OverlayEnv), the fallback
// for kernels without unprivileged overlay, a container's rootfs is
// fuse-overlayfs's, with the same whiteouts and opaque dirs. Where the
// user may not open /dev/fuse (this host: 0600 root), the run fails in
// one line naming the fix and leaves no container; the mount itself is
// then checked in a store whose mount namespace has a 0666 /dev/fuse of
// its own (fuseStore), the host's left as it is.
func TestFuseOverlayFallback(t *testing.T) {
	if _, err := exec.LookPath("fuse-overlayfs"); err != nil {
		t.Skip("fuse-overlayfs is not installed (apt-get install fuse-overlayfs)")
	}
	fuse := []string{snapshot.OverlayEnv + "=fuse-overlayfs"}
	if e := newEnv(t); e.u.Run(e.u.Command("sh", "-c", "exec 3<>/dev/fuse")).ExitCode != 0 {
		e.ok("pull", "busybox") // its lines are not the refusal's
		r := e.berth(fuse, "run", "--rm", "--network", "none", "busybox", "true")
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, "fuse-overlayfs needs /dev/fuse open to this user (chmod 0666 /dev/fuse") || !oneLine(r.Stderr) {
			t.Errorf("forced fuse-overlayfs without /dev/fuse: want one line naming the fix:\n%s", r)
		}
		if ps := e.ok("ps", "-aq"); ps != "" {
			t.Errorf("the refused run left a container: %q", ps)
		}
	}
	e := newEnv(t)
	e.fuseStore()
	e.ok("run", "--name", "c0", "--network", "none", "busybox", "sh", "-c", "mkdir /data && touch /data/a")
	e.ok("commit", "c0", "base:1")
	r := e.berth(fuse, "run", "--rm", "--network", "none", "base:1", "sh", "-c",
		"rm -rf /data && mkdir /data && touch /data/only && rm /bin/ls && ls /data && grep -c ' / / .* fuse.fuse-overlayfs ' /proc/self/mountinfo")
	if r.ExitCode != 0 || r.Stdout != "only\n1\n" {
		t.Errorf("a run on fuse-overlayfs: want the opaque /data, and the rootfs fuse-overlayfs's:\n%s", r)
	}
	e.ok("rm", "c0")
	if ps := e.ok("ps", "-aq"); ps != "" {
		t.Errorf("containers left: %q", ps)
	}
	for _, pid := range e.u.Processes() {
		if args := cmdline(pid); len(args) > 0 && strings.Contains(args[0], "fuse-overlayfs") && !testutil.ProcessEnded(pid) {
			t.Errorf("fuse-overlayfs %d %q left after the containers went", pid, args)
		}
	}
}

// fuseStore makes the user's store namespace (its first berth command)
// from a private mount namespace where a device node of its own, 0666,
// is bound on /dev/fuse: the store's namespace is a copy of it, so every
// later command of the user sees that /dev/fuse, and nothing of the host
// changes. It goes with the store's pause process.
func (e *env) fuseStore() {
	e.t.Helper()
	dev := e.t.TempDir()
	script := `mount -t tmpfs -o mode=0755 tmpfs "$0" && mknod -m 0666 "$0/fuse" c 10 229 && mount --bind "$0/fuse" /dev/fuse &&
exec setpriv --reuid=` + strconv.Itoa(e.u.UID) + ` --regid=` + strconv.Itoa(e.u.GID) + ` --clear-groups "$@"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, dev, e.bin, "run", "--rm", "--network", "none", "busybox", "true")
	cmd.Dir, cmd.Env = e.u.Home, e.u.Env()
	if r := e.u.Run(cmd); r.ExitCode != 0 {
		e.t.Fatalf("the store's first command, with a /dev/fuse of its own:\n%s", r)
	}
}
