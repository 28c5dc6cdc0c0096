package isolation_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// hostOnlyProbe fails unless the container sees its rootfs as / and none
// of the host's root.
const hostOnlyProbe = "cat /rootfs-marker && test ! -e /work && test ! -e /usr/bin/go && test ! -e /rootfs"

func writeMarker(t *testing.T, b *testutil.Bundle) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(b.Rootfs, "rootfs-marker"), []byte("in-rootfs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPivotRootHidesHost(t *testing.T) {
	rt, b := setup(t)
	writeMarker(t, b)
	if out := rt.ShellOutput(t, b, hostOnlyProbe); out != "in-rootfs" {
		t.Errorf("probe printed %q", out)
	}
}

func TestNoPivot(t *testing.T) {
	rt, b := setup(t)
	writeMarker(t, b)
	b.Shell(hostOnlyProbe)
	res := rt.Run(t, "run", "--no-pivot", "--bundle", b.Dir, testutil.NewID(t))
	if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "in-rootfs" {
		t.Errorf("--no-pivot: exit %d stdout %q, want the rootfs as /", res.ExitCode, res.Stdout)
	}
}

// TestNoPivotHidesHostProc: a --no-pivot container has the host's mounts
// in its namespace, out of sight; its full procfs and sysfs must be gone
// too, or a user namespace made inside could mount a procfs of its own,
// masks and all ignored (runc's no_pivot.bats).
func TestNoPivotHidesHostProc(t *testing.T) {
	rt, b := setup(t)
	b.Shell("unshare -mrpf sh -c 'mount -t proc none /proc && echo mounted'")
	b.Update(func(s *specs.Spec) {
		c := s.Process.Capabilities
		c.Bounding = append(c.Bounding, "CAP_SETFCAP")
		c.Permitted = append(c.Permitted, "CAP_SETFCAP")
	})
	res := rt.Run(t, "run", "--no-pivot", "--bundle", b.Dir, testutil.NewID(t))
	if res.ExitCode == 0 || strings.Contains(res.Stdout, "mounted") || !strings.Contains(res.Stderr+res.Stdout, "permission denied") {
		t.Errorf("procfs in a user namespace of a --no-pivot container: exit %d, stdout %q, stderr %q; want mount refused", res.ExitCode, res.Stdout, res.Stderr)
	}
}

func TestRootReadonly(t *testing.T) {
	for _, ro := range []bool{true, false} {
		rt, b := setup(t)
		b.Update(func(s *specs.Spec) { s.Root.Readonly = ro })
		b.Shell("touch /x")
		if res := rt.RunBundle(t, b); (res.ExitCode != 0) != ro {
			t.Errorf("root.readonly=%v: touch /x exit %d", ro, res.ExitCode)
		}
		_, err := os.Stat(filepath.Join(b.Rootfs, "x"))
		if (err == nil) == ro {
			t.Errorf("root.readonly=%v: /x on the rootfs: %v", ro, err)
		}
	}
}

func TestTmpfsSizeMode(t *testing.T) {
	rt, b := setup(t)
	b.AddMount(specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=2m", "mode=1770"}})
	out := rt.ShellOutput(t, b, "stat -c %a /scratch; df -k /scratch | tail -n 1; touch /scratch/ok")
	lines := strings.Split(out, "\n")
	if lines[0] != "1770" {
		t.Errorf("tmpfs mode %q, want 1770", lines[0])
	}
	if f := strings.Fields(lines[len(lines)-1]); len(f) < 2 || f[1] != "2048" {
		t.Errorf("tmpfs df %q, want 2048 KiB", lines[len(lines)-1])
	}
}

// A tmpfs without mode= keeps the mode of a directory it covers and has
// tmpfs's own 1777 on one made for it, as runc's.
func TestTmpfsDefaultMode(t *testing.T) {
	rt, b := setup(t)
	b.AddMount(specs.Mount{Destination: "/made/here", Type: "tmpfs", Source: "tmpfs"})
	b.AddMount(specs.Mount{Destination: "/home", Type: "tmpfs", Source: "tmpfs"})
	if out := rt.ShellOutput(t, b, "stat -c %a /made/here /home"); out != "1777\n755" {
		t.Errorf("tmpfs modes %q, want 1777 (new directory) and 755 (/home's)", out)
	}
}

func TestBindMountRwRo(t *testing.T) {
	rt, b := setup(t)
	rw, ro := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(ro, "host-file"), []byte("from-host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.AddMount(specs.Mount{Destination: "/rw", Type: "bind", Source: rw, Options: []string{"bind", "rw"}})
	b.AddMount(specs.Mount{Destination: "/ro", Type: "bind", Source: ro, Options: []string{"bind", "ro"}})
	out := rt.ShellOutput(t, b, "echo written > /rw/f; cat /ro/host-file; if touch /ro/x; then echo ro-writable; fi")
	if out != "from-host" {
		t.Errorf("container printed %q, want from-host only (the ro mount refusing writes)", out)
	}
	if data, err := os.ReadFile(filepath.Join(rw, "f")); err != nil || string(data) != "written\n" {
		t.Errorf("rw bind: host sees %q, %v", data, err)
	}
}

// hostDirWithSubmount makes a host dir holding top-file and a tmpfs at sub
// holding inner-file: the shape that tells bind from rbind and ro from rro.
func hostDirWithSubmount(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", sub, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(sub, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", sub, err)
		}
	})
	for _, f := range []string{filepath.Join(dir, "top-file"), filepath.Join(sub, "inner-file")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBindVersusRbind(t *testing.T) {
	rt, b := setup(t)
	dir := hostDirWithSubmount(t)
	b.AddMount(specs.Mount{Destination: "/bind", Type: "bind", Source: dir, Options: []string{"bind"}})
	b.AddMount(specs.Mount{Destination: "/rbind", Type: "bind", Source: dir, Options: []string{"rbind"}})
	out := rt.ShellOutput(t, b, "ls /bind/sub | wc -l; ls /rbind/sub")
	if out != "0\ninner-file" {
		t.Errorf("bind sub entries, rbind sub listing: %q, want 0 and inner-file", out)
	}
}

func TestRecursiveReadonly(t *testing.T) {
	rt, b := setup(t)
	dir := hostDirWithSubmount(t)
	b.AddMount(specs.Mount{Destination: "/rro", Type: "bind", Source: dir, Options: []string{"rbind", "rro"}})
	b.AddMount(specs.Mount{Destination: "/ro", Type: "bind", Source: dir, Options: []string{"rbind", "ro"}})
	script := `for f in /rro/x /rro/sub/x /ro/x /ro/sub/x; do if touch $f 2>/dev/null; then echo "$f writable"; rm $f; else echo "$f ro"; fi; done`
	out := rt.ShellOutput(t, b, script)
	// Plain ro covers the top mount only; rro (mount_setattr) the submounts.
	want := "/rro/x ro\n/rro/sub/x ro\n/ro/x ro\n/ro/sub/x writable"
	if out != want {
		t.Errorf("writability:\n%s\nwant:\n%s", out, want)
	}
}

func TestMountFlagEffects(t *testing.T) {
	rt, b := setup(t)
	devDir := t.TempDir()
	if err := unix.Mknod(filepath.Join(devDir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	b.AddMount(specs.Mount{Destination: "/noexec", Type: "tmpfs", Source: "tmpfs", Options: []string{"noexec", "nosuid"}})
	b.AddMount(specs.Mount{Destination: "/exec", Type: "tmpfs", Source: "tmpfs", Options: []string{"exec"}})
	b.AddMount(specs.Mount{Destination: "/nodev", Type: "bind", Source: devDir, Options: []string{"bind", "nodev"}})
	// Copies named true: busybox picks its applet by argv[0].
	script := `cp /bin/busybox /noexec/true; cp /bin/busybox /exec/true
/exec/true && echo exec-ran
/noexec/true 2>/dev/null && echo noexec-ran
echo x > /nodev/null 2>/dev/null && echo nodev-opened
grep -E ' /noexec ' /proc/self/mountinfo | grep -q nosuid && echo nosuid-set
true`
	if out := rt.ShellOutput(t, b, script); out != "exec-ran\nnosuid-set" {
		t.Errorf("container printed %q, want exec-ran and nosuid-set only", out)
	}
}

// rootfs/evil -> /tmp/<sentinel>: the mount must land inside the rootfs, at
// rootfs/tmp/<sentinel>, never on the host's dir.
func TestMountThroughSymlinkStaysInRootfs(t *testing.T) {
	rt, b := setup(t)
	sentinel := t.TempDir()
	if err := os.WriteFile(filepath.Join(sentinel, "host-secret"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sentinel, filepath.Join(b.Rootfs, "evil")); err != nil {
		t.Fatal(err)
	}
	b.Update(func(s *specs.Spec) { s.Root.Readonly = false })
	b.AddMount(specs.Mount{Destination: "/evil", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}})
	b.SetArgs("sleep", "100")
	_, st := rt.StartDetached(t, b)
	hostMounts, err := testutil.MountedUnder(sentinel)
	if err != nil {
		t.Fatal(err)
	}
	if len(hostMounts) != 0 {
		t.Errorf("mount escaped onto the host: %v", hostMounts)
	}
	// The container's view: the symlink resolved inside the rootfs.
	inside := filepath.Join("/proc", itoa(st.Pid), "root", sentinel)
	if _, err := os.Stat(filepath.Join(inside, "host-secret")); err == nil {
		t.Errorf("the container's %s shows the host's dir", sentinel)
	}
	if mi, err := os.ReadFile(filepath.Join("/proc", itoa(st.Pid), "mountinfo")); err != nil || !strings.Contains(string(mi), " "+sentinel+" ") {
		t.Errorf("no tmpfs at %s inside the container: %v\n%s", sentinel, err, mi)
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, sentinel)); err != nil {
		t.Errorf("mount point not made inside the rootfs: %v", err)
	}
}
