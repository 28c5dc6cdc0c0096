package security_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// TestCVE2025_31133DevNullReplaced: masked files are covered with a bind of
// the container's /dev/null. Here /dev is the attacker's directory, whose
// null is a symlink to /proc/sys/kernel/core_pattern (or a plain file):
// masking with it would show, or make writable, what it names. The runtime
// must refuse to start the container, saying why.
func TestCVE2025_31133DevNullReplaced(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
	}{
		{"symlink", func(p string) error { return os.Symlink("/proc/sys/kernel/core_pattern", p) }},
		{"regular file", func(p string) error { return os.WriteFile(p, []byte("not-null\n"), 0o666) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			dev := b.BindHostDir("/dev")
			if err := tc.make(filepath.Join(dev, "null")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(b.Rootfs, "secret"), []byte("secret\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			b.Update(func(s *specs.Spec) { s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/secret") })
			b.Shell("echo masked-with:; cat /secret")
			res := rt.RunBundle(t, b)
			if res.ExitCode == 0 {
				t.Fatalf("container started with /dev/null a %s; masked /secret showed %q", tc.name, res.Stdout)
			}
			if !strings.Contains(res.Stderr, "/dev/null is not the 1:3 character device") {
				t.Errorf("refused, but not saying that /dev/null is no 1:3 device:\n%s", res.Stderr)
			}
		})
	}
}

// TestCVE2025_52881ProcfsWriteRedirected: the runtime's procfs writes (a
// sysctl, oom_score_adj) must reach the kernel file or fail. A
// createContainer hook plays the container racing a mount over them: it
// binds a host file over each target before the runtime writes. The old
// runtime wrote the values into the host files.
func TestCVE2025_52881ProcfsWriteRedirected(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		edit         func(*specs.Spec)
	}{
		{"sysctl", "proc/sys/kernel/shm_rmid_forced", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"kernel.shm_rmid_forced": "1"}
		}},
		{"oom_score_adj", "proc/1/oom_score_adj", func(s *specs.Spec) {
			adj := 500
			s.Process.OOMScoreAdj = &adj
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			decoy := filepath.Join(t.TempDir(), "decoy")
			if err := os.WriteFile(decoy, []byte("untouched\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(b.Rootfs, tc.target)
			b.Update(func(s *specs.Spec) {
				tc.edit(s)
				if s.Hooks == nil {
					s.Hooks = &specs.Hooks{}
				}
				s.Hooks.CreateContainer = append(s.Hooks.CreateContainer, specs.Hook{
					Path: "/bin/sh", Args: []string{"sh", "-c", "mount --bind " + decoy + " " + target},
				})
			})
			b.Shell("true")
			res := rt.RunBundle(t, b)
			data, err := os.ReadFile(decoy)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != "untouched\n" {
				t.Errorf("the %s write went to the file mounted over /%s: it now holds %q", tc.name, tc.target, data)
			}
			if res.ExitCode == 0 {
				t.Errorf("container started though /%s was overmounted", tc.target)
			} else if !strings.Contains(res.Stderr, "mounted over it") {
				t.Errorf("refused, but not saying that something is mounted over /%s:\n%s", tc.target, res.Stderr)
			}
		})
	}
}

// TestCVE2025_52881ProcfsOvermounted is the same attack on a container the
// runtime builds from its own thread (no hooks): the config's /proc is a
// procfs with a file mounted over the sysctl's. (kernel.domainname: its
// dentry is the same in every uts namespace, unlike those of ipc and net
// sysctls, so the mount covers it for the container too.)
func TestCVE2025_52881ProcfsOvermounted(t *testing.T) {
	rt, b := setup(t)
	dir := t.TempDir()
	proc, decoy := filepath.Join(dir, "proc"), filepath.Join(dir, "decoy")
	if err := os.WriteFile(decoy, []byte("untouched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(proc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("proc", proc, "proc", 0, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(proc, unix.MNT_DETACH) })
	if err := unix.Mount(decoy, filepath.Join(proc, "sys/kernel/domainname"), "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	b.Update(func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"kernel.domainname": "pwned"}
		for i, m := range s.Mounts {
			if m.Destination == "/proc" {
				s.Mounts[i] = specs.Mount{Destination: "/proc", Type: "bind", Source: proc, Options: []string{"rbind"}}
			}
		}
	})
	b.Shell("true")
	res := rt.RunBundle(t, b)
	if data, err := os.ReadFile(decoy); err != nil || string(data) != "untouched\n" {
		t.Errorf("the sysctl went to the file mounted over it: %q, %v", data, err)
	}
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "mounted over it") {
		t.Errorf("want a refusal saying something is mounted over the sysctl:\n%s", res)
	}
}

// runTerminal creates and starts the bundle with a terminal and returns
// what the container wrote to it, or the failed create.
func runTerminal(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle, script string) (string, testutil.Result) {
	t.Helper()
	b.Update(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.Args = []string{"sh", "-c", script}
	})
	cs := testutil.NewConsoleSocket(t)
	id := testutil.NewID(t)
	res := rt.Run(t, "create", "--console-socket", cs.Path, "--bundle", b.Dir, id)
	if res.ExitCode != 0 {
		return "", res
	}
	master := cs.Master(t)
	defer master.Close()
	rt.MustRun(t, "start", id)
	// The master takes no deadline: should the container hang, killing it
	// closes the slave, and the read below returns.
	timer := time.AfterFunc(20*time.Second, func() { rt.Command("kill", id, "KILL").Run() })
	defer timer.Stop()
	return testutil.ReadTerminal(master), res
}

// TestCVE2025_52565Console: a container with a terminal gets it as
// /dev/console too, as with runc; the mount must land on /dev/console
// itself. Here /dev is the attacker's directory and its console a symlink
// to /proc/sys/kernel/core_pattern: the runtime must refuse rather than
// mount the terminal over the host-wide file.
func TestCVE2025_52565Console(t *testing.T) {
	rt, b := setup(t)
	out, res := runTerminal(t, rt, b, "stat -c %t:%T $(tty) /dev/console")
	if res.ExitCode != 0 {
		t.Fatalf("create with a terminal: %s", res)
	}
	if lines := strings.Split(out, "\n"); len(lines) != 2 || lines[0] != lines[1] {
		t.Errorf("the terminal and /dev/console, major:minor: %q, want the same device twice", out)
	}

	rt, b = setup(t)
	dev := t.TempDir()
	b.Update(func(s *specs.Spec) {
		for i, m := range s.Mounts {
			if m.Destination == "/dev" {
				s.Mounts[i] = specs.Mount{Destination: "/dev", Type: "bind", Source: dev, Options: []string{"rbind", "rw"}}
			}
		}
	})
	for name, target := range map[string]string{"ptmx": "pts/ptmx", "console": "/proc/sys/kernel/core_pattern"} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A real /dev/null, for masking to work.
	if err := unix.Mknod(filepath.Join(dev, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	out, res = runTerminal(t, rt, b, "cat /proc/sys/kernel/core_pattern")
	if res.ExitCode == 0 {
		t.Fatalf("container started with /dev/console a symlink to core_pattern; core_pattern reads %q", out)
	}
	if !strings.Contains(res.Stderr, "/dev/console: it is not a regular file or a character device") {
		t.Errorf("refused, but not saying that /dev/console is no file to mount on:\n%s", res.Stderr)
	}
}

// emptyDir fails the test if the host directory dir holds anything.
func emptyDir(t *testing.T, dir, what string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		t.Errorf("%s: the runtime created %v in the host's %s", what, names, dir)
	}
}

// TestCVE2026_41579DevSymlinks: /dev is set up before pivot_root, when the
// host is still reachable by path. A rootfs whose /dev, or /dev/shm,
// /dev/pts and /dev/mqueue, are symlinks to a host directory must get its
// nodes, links and mounts inside the rootfs, nothing on the host.
func TestCVE2026_41579DevSymlinks(t *testing.T) {
	rt, b := setup(t)
	sentinel := t.TempDir()
	dev := filepath.Join(b.Rootfs, "dev")
	os.RemoveAll(dev)
	if err := os.Symlink(sentinel, dev); err != nil {
		t.Fatal(err)
	}
	if out := rt.ShellOutput(t, b, "stat -c %t:%T /dev/null"); out != "1:3" {
		t.Errorf("/dev/null through the /dev symlink: %q, want 1:3", out)
	}
	emptyDir(t, sentinel, "rootfs /dev a symlink")

	rt, b = setup(t)
	sentinel = t.TempDir()
	attacker := t.TempDir()
	b.Update(func(s *specs.Spec) {
		for i, m := range s.Mounts {
			if m.Destination == "/dev" {
				s.Mounts[i] = specs.Mount{Destination: "/dev", Type: "bind", Source: attacker, Options: []string{"rbind", "rw"}}
			}
		}
	})
	for _, name := range []string{"shm", "pts", "mqueue"} {
		if err := os.Symlink(filepath.Join(sentinel, name), filepath.Join(attacker, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mknod(filepath.Join(attacker, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	// The links resolve as in the container: to its own path sentinel.
	script := `awk -v d=` + sentinel + ` 'index($2, d) == 1 {print substr($2, length(d) + 2), $3}' /proc/mounts`
	if out, want := rt.ShellOutput(t, b, script), "pts devpts\nshm tmpfs\nmqueue mqueue"; out != want {
		t.Errorf("mounts through the /dev/pts, /dev/shm and /dev/mqueue links, inside the container:\n%s\nwant:\n%s", out, want)
	}
	emptyDir(t, sentinel, "/dev/shm, /dev/pts, /dev/mqueue symlinks")
}

// TestCVE2024_45310MkdirRace: a shared volume's owner swaps a directory
// for a symlink to a host path while the runtime creates a mount target
// below it. The runtime's mkdir must never follow the swap out of the
// rootfs: the host directory stays empty.
func TestCVE2024_45310MkdirRace(t *testing.T) {
	rt, b := setup(t)
	outside := t.TempDir()
	shared := b.BindHostDir("/shared")
	b.AddMount(specs.Mount{Destination: "/shared/a/b/c", Type: "tmpfs", Source: "tmpfs"})
	b.Update(func(s *specs.Spec) { s.Root.Readonly = false })
	b.SetArgs("true")
	link := filepath.Join(shared, "a")
	swapRace(t, rt, b, 4*time.Second, func() {
		os.RemoveAll(link)
		os.Mkdir(link, 0o755)
		os.RemoveAll(link)
		os.Symlink(outside, link)
	})
	emptyDir(t, outside, "mount target under a swapped directory")
}
