package security_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

// TestCVE2019_5736ExecOverwrite is the attack on runc exec: the container's
// program is a script whose interpreter is /proc/self/exe, so exec runs the
// runtime's own binary inside the container; a container process holds it
// open through /proc/PID/exe and, once it exits, writes through that handle.
// The write must fail and the host binary must stay as it was.
func TestCVE2019_5736ExecOverwrite(t *testing.T) {
	rt, b := setup(t)
	if rt.Name() != "berth-runtime" {
		t.Skip("the script keeps the runtime's binary alive through berth-runtime's init protocol")
	}
	before := fileHash(t, rt.Binary)
	// With "init" and a socket on stdin, berth-runtime's init blocks reading
	// its config from stdin, which the test holds open.
	if err := os.WriteFile(filepath.Join(b.Rootfs, "evil"), []byte("#!/proc/self/exe init\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := b.BindHostDir("/out")
	id, _ := rt.RunningSleeper(t, b)
	// The attacker runs detached: while any berth-runtime process runs the
	// host binary, a write would fail with ETXTBSY anyway and prove nothing.
	script := `for i in $(seq 3000); do
		f=$(grep -l -a '^/proc/self/exe' /proc/[0-9]*/cmdline 2>/dev/null | head -1)
		[ -n "$f" ] && p=$(basename $(dirname $f)) && break; sleep 0.02; done
	[ -n "$p" ] || { echo no-evil-process > /out/result; exit 3; }
	exec 3< /proc/$p/exe || { echo cannot-open-exe > /out/result; exit 4; }
	echo held > /out/held
	while [ -e /proc/$p ]; do sleep 0.05; done; sleep 0.5
	readlink /proc/self/fd/3 > /out/target
	(echo pwned >> /proc/self/fd/3) 2> /out/error && echo OVERWRITTEN > /out/result || echo refused > /out/result`
	rt.ExecDetached(t, id, "sh", "-c", script)
	cmd := rt.Command("exec", "--env", "_BERTH_INIT_SOCK=0", id, "/evil")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Generous waits: on a loaded host the attacker's scan of /proc is slow,
	// and a pass does not wait for them.
	testutil.WaitFor(60*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(out, "held"))
		return err == nil
	})
	stdin.Close()
	cmd.Process.Kill()
	cmd.Wait()
	// The evil process is the exec's child: with its parent gone it comes
	// to the test (the subreaper); kill it so the attacker goes on.
	killContainerProcess(t, rt, id, "evil")
	var result []byte
	testutil.WaitFor(60*time.Second, func() bool { result, _ = os.ReadFile(filepath.Join(out, "result")); return len(result) > 0 })
	target, _ := os.ReadFile(filepath.Join(out, "target"))
	why, _ := os.ReadFile(filepath.Join(out, "error"))
	t.Logf("attack from inside: %s on %s: %s", bytes.TrimSpace(result), bytes.TrimSpace(target), bytes.TrimSpace(why))
	if string(result) == "OVERWRITTEN\n" || fileHash(t, rt.Binary) != before {
		t.Fatalf("CVE-2019-5736: a container process wrote the host's runtime binary")
	}
	if string(result) != "refused\n" {
		t.Errorf("attack did not run as planned: %q", result)
	}
}

// killContainerProcess SIGKILLs the container's processes whose command
// line contains name, from the host, and reaps them.
func killContainerProcess(t *testing.T, rt *testutil.Runtime, id, name string) {
	t.Helper()
	pids, _ := os.ReadDir("/proc")
	for _, e := range pids {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		// A process that already exited (the init reads EOF once stdin is
		// closed) is a zombie with an empty cmdline: match its comm too.
		comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
		if bytes.Contains(cmdline, []byte(name)) && bytes.HasPrefix(cmdline, []byte("/proc/self/exe")) ||
			string(bytes.TrimSpace(comm)) == name {
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
		}
	}
}

// TestCVE2024_21626LeakedCwd: a cwd reached through a leaked fd of the
// runtime would be a host directory. Every such cwd must be refused, for
// the container's process and for exec.
func TestCVE2024_21626LeakedCwd(t *testing.T) {
	rt, b := setup(t)
	for fd := 3; fd <= 8; fd++ {
		b.Update(func(s *specs.Spec) {
			s.Process.Cwd = "/proc/self/fd/" + strconv.Itoa(fd)
			s.Process.Args = []string{"sh", "-c", "pwd; ls .."}
		})
		if res := rt.RunBundle(t, b); res.ExitCode == 0 {
			t.Errorf("cwd /proc/self/fd/%d accepted; the process saw:\n%s", fd, res.Stdout)
		}
	}
	b.Update(func(s *specs.Spec) { s.Process.Cwd = "/"; s.Process.Args = []string{"sleep", "1000"} })
	id, _ := rt.StartDetached(t, b)
	for fd := 3; fd <= 8; fd++ {
		if res := rt.Run(t, "exec", "--cwd", "/proc/self/fd/"+strconv.Itoa(fd), id, "pwd"); res.ExitCode == 0 {
			t.Errorf("exec --cwd /proc/self/fd/%d accepted: %s", fd, res.Stdout)
		}
	}
}

// TestNoLeakedFds: the process has stdio and nothing else of the runtime's,
// whether it is the container's process or exec'd (CVE-2024-21626).
func TestNoLeakedFds(t *testing.T) {
	rt, b := setup(t)
	// ls opens /proc/self/fd itself: that is the 4th entry.
	const script = "ls /proc/self/fd | wc -l"
	if out := rt.ShellOutput(t, b, script); out != "4" {
		t.Errorf("container process has %s fds, want stdio and ls's own", out)
	}
	id, _ := rt.RunningSleeper(t, b)
	if out := rt.ExecOut(t, id, "sh", "-c", script); out != "4" {
		t.Errorf("exec'd process has %s fds, want stdio and ls's own", out)
	}
}

// TestMaskedPathsStay: masked and read-only paths cannot be unmounted or
// remounted from inside, even by root in the container.
func TestMaskedPathsStay(t *testing.T) {
	rt, b := setup(t)
	b.Shell(`umount /proc/kcore 2>/dev/null && echo umounted-kcore
umount -l /proc/sys 2>/dev/null && echo umounted-sys
mount -o remount,rw /proc/sys 2>/dev/null && echo remounted-sys
mount -o remount,rw,bind /proc/sys 2>/dev/null && echo remounted-bind-sys
echo 1 > /proc/sys/kernel/sysrq 2>/dev/null && echo wrote-sysrq
head -c1 /proc/kcore 2>/dev/null | wc -c
echo done`)
	if out := strings.TrimSpace(rt.RunBundle(t, b).Stdout); out != "0\ndone" {
		t.Errorf("undoing masked/read-only paths from inside: %q, want only \"0\\ndone\"", out)
	}
}

// TestDefaultCapabilities: `spec`'s default set is runc's (AUDIT_WRITE,
// KILL, NET_BIND_SERVICE) and the inheritable set is empty
// (CVE-2022-29162: inheritable capabilities would survive exec of a
// non-root program).
func TestDefaultCapabilities(t *testing.T) {
	rt, b := setup(t)
	out := rt.ShellOutput(t, b, "grep -E '^Cap(Inh|Prm|Eff|Bnd):' /proc/self/status | tr -d '\\t'")
	want := "CapInh:0000000000000000\nCapPrm:0000000020000420\nCapEff:0000000020000420\nCapBnd:0000000020000420"
	if out != want {
		t.Errorf("default capabilities:\n%s\nwant:\n%s", out, want)
	}
	id, _ := rt.RunningSleeper(t, b)
	if got := rt.ExecOut(t, id, "sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd):' /proc/self/status | tr -d '\\t'"); got != want {
		t.Errorf("exec'd process capabilities:\n%s\nwant:\n%s", got, want)
	}
}

// hostBlockDevice returns a block device of the host as "major minor".
func hostBlockDevice(t *testing.T) (int64, int64) {
	t.Helper()
	entries, err := os.ReadDir("/sys/dev/block")
	if err != nil || len(entries) == 0 {
		t.Skip("no block device on this host (/sys/dev/block is empty)")
	}
	maj, min, _ := strings.Cut(entries[0].Name(), ":")
	a, _ := strconv.ParseInt(maj, 10, 64)
	c, _ := strconv.ParseInt(min, 10, 64)
	return a, c
}

// TestHostBlockDeviceRefused: even with CAP_MKNOD, a node of a host block
// device made inside cannot be opened: the device cgroup allows only the
// spec's devices.
func TestHostBlockDeviceRefused(t *testing.T) {
	rt, b := setup(t)
	maj, min := hostBlockDevice(t)
	b.Update(func(s *specs.Spec) {
		s.Root.Readonly = false
		c := s.Process.Capabilities
		for _, set := range []*[]string{&c.Bounding, &c.Effective, &c.Permitted} {
			*set = append(*set, "CAP_MKNOD", "CAP_SYS_RAWIO")
		}
	})
	b.Shell("mknod /blk b " + itoa(int(maj)) + " " + itoa(int(min)) + " 2>&1; head -c 512 /blk >/dev/null 2>&1 && echo OPENED || echo refused")
	out := rt.RunBundle(t, b).Stdout
	if !strings.HasSuffix(strings.TrimSpace(out), "refused") {
		t.Errorf("host block device %d:%d inside the container: %q", maj, min, out)
	}
}

// TestProcSymlinkRefused (CVE-2019-16884, CVE-2019-19921): a rootfs whose
// /proc is a symlink, or a mount that would land on /proc through one, must
// not give the container a /proc that is not procfs.
func TestProcSymlinkRefused(t *testing.T) {
	rt, b := setup(t)
	proc := filepath.Join(b.Rootfs, "proc")
	os.RemoveAll(proc)
	os.MkdirAll(filepath.Join(b.Rootfs, "fakeproc"), 0o755)
	if err := os.Symlink("/fakeproc", proc); err != nil {
		t.Fatal(err)
	}
	b.Shell("stat -f -c %T /proc")
	res := rt.RunBundle(t, b)
	if res.ExitCode == 0 && strings.TrimSpace(res.Stdout) != "proc" {
		t.Errorf("/proc symlinked to /fakeproc: the container's /proc is %q", res.Stdout)
	}

	rt, b = setup(t)
	os.Symlink("/proc", filepath.Join(b.Rootfs, "evil"))
	b.AddMount(specs.Mount{Destination: "/evil", Type: "tmpfs", Source: "tmpfs"})
	b.Shell("stat -f -c %T /proc")
	res = rt.RunBundle(t, b)
	if res.ExitCode == 0 && strings.TrimSpace(res.Stdout) != "proc" {
		t.Errorf("tmpfs mounted at /evil -> /proc: the container's /proc is %q", res.Stdout)
	}
}

// TestMountDestinationSwapRace (CVE-2021-30465): while containers start,
// another process swaps a mount destination between a directory and a
// symlink to a host directory. No mount may ever land on the host.
func TestMountDestinationSwapRace(t *testing.T) {
	rt, b := setup(t)
	host := t.TempDir()
	dest := filepath.Join(b.Rootfs, "data")
	b.AddMount(specs.Mount{Destination: "/data", Type: "tmpfs", Source: "tmpfs"})
	swapRace(t, rt, b, 3*time.Second, func() {
		os.Remove(dest)
		os.Mkdir(dest, 0o755)
		os.Remove(dest)
		os.Symlink(host, dest)
	})
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if bytes.Contains(mounts, []byte(host)) {
		t.Errorf("a container's mount landed on the host at %s", host)
	}
	exec.Command("umount", "-l", host).Run()
	var st unix.Statfs_t
	if err := unix.Statfs(host, &st); err == nil && st.Type == unix.TMPFS_MAGIC {
		t.Errorf("host dir %s has a tmpfs on it", host)
	}
}

// swapRace runs the bundle up to 20 times within d while another goroutine
// calls swap over and over: the attacker racing the runtime's set-up.
func swapRace(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle, d time.Duration, swap func()) {
	t.Helper()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			swap()
		}
	}()
	deadline := time.Now().Add(d)
	for i := 0; i < 20 && time.Now().Before(deadline); i++ {
		rt.Command("run", "--bundle", b.Dir, testutil.NewID(t)).Run()
	}
	close(stop)
	<-done
}
