package options_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// probeEnv makes the test binary the probe an unprivileged user runs
// (TestMain routes it to permProbe).
const probeEnv = "BERTH_TEST_PERM_PROBE"

// permProbe tries each "op path" argument pair and prints "op path
// result", the result being ok or the errno's name.
func permProbe(args []string) int {
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Printf("%s %s %s\n", args[i], args[i+1], probeResult(tryOp(args[i], args[i+1])))
	}
	return 0
}

func tryOp(op, path string) error {
	switch op {
	case "list":
		_, err := os.ReadDir(path)
		return err
	case "read":
		return closeAfter(os.Open(path))
	case "write":
		return closeAfter(os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o666))
	case "open-rw": // a device node
		return closeAfter(os.OpenFile(path, os.O_RDWR, 0))
	case "exec":
		p, err := os.StartProcess(path, []string{path, "true"}, &os.ProcAttr{})
		if err == nil {
			_, err = p.Wait()
		}
		return err
	case "connect":
		c, err := net.Dial("unix", path)
		if err == nil {
			c.Close()
		}
		return err
	}
	return fmt.Errorf("unknown probe op %q", op)
}

func closeAfter(f *os.File, err error) error {
	if err == nil {
		f.Close()
	}
	return err
}

func probeResult(err error) string {
	var errno syscall.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	}
	return strings.ReplaceAll(err.Error(), " ", "_")
}

// umask runs berth under the given umask, as a careless caller would.
func (e *env) umask(mask string, args ...string) string {
	e.T.Helper()
	full := append([]string{"-c", `umask ` + mask + `; exec "$@"`, "sh", e.Bin, "--root", e.Root, "--runroot", e.Runroot}, args...)
	var stderr strings.Builder
	cmd := exec.Command("sh", full...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		e.T.Fatalf("umask %s; berth %s: %v\n%s%s", mask, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// localUser makes a real unprivileged user, removed at the end of the test.
func localUser(t *testing.T) *syscall.Credential {
	t.Helper()
	name := fmt.Sprintf("bperm%d", os.Getpid()%100000)
	if out, err := exec.Command("useradd", "-M", "-N", "-s", "/bin/false", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
	})
	ids := make([]uint32, 2)
	for i, flag := range []string{"-u", "-g"} {
		out, err := exec.Command("id", flag, name).Output()
		n, perr := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 32)
		if err != nil || perr != nil {
			t.Fatalf("id %s %s: %v %v", flag, name, err, perr)
		}
		ids[i] = uint32(n)
	}
	// Groups empty: setgroups drops root's supplementary groups.
	return &syscall.Credential{Uid: ids[0], Gid: ids[1], Groups: []uint32{}}
}

// openPathTo lets every user pass through dir and its parents up to the
// suite's temp dir, so that only berth's own modes stand in the way.
func openPathTo(t *testing.T, dir string) {
	t.Helper()
	suite, err := testutil.SuiteDir()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		old := st.Mode().Perm()
		if err := os.Chmod(d, old|0o011); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(d, old) })
		if d == suite || d == "/" {
			return
		}
	}
}

// overlayOf finds the container's rootfs mount point and upper dir in
// /proc/self/mountinfo, where any local user sees them.
func overlayOf(t *testing.T, id string) (mountPoint, upper string) {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || !strings.Contains(fields[4], id) || !strings.HasSuffix(fields[4], "/rootfs") {
			continue
		}
		for _, o := range strings.Split(fields[len(fields)-1], ",") {
			if v, ok := strings.CutPrefix(o, "upperdir="); ok {
				return fields[4], v
			}
		}
	}
	t.Fatalf("no overlay of %s in mountinfo", id)
	return "", ""
}

// TestPermLocalUser tries, as a real unprivileged user, every way into a
// container that berth's directories offered: its files, a setuid-root
// binary and a device node it made, its attach socket, log, state and
// volume. berth ran under umask 000 throughout.
func TestPermLocalUser(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Dir(e.Root)
	openPathTo(t, dir)
	cred := localUser(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "probe")
	if out, err := exec.Command("cp", self, probe).CombinedOutput(); err != nil {
		t.Fatalf("copy the probe: %v\n%s", err, out)
	}
	// The first command on a fresh root: it used to make volumes/ 0701.
	e.umask("000", "volume", "create", "pv")
	id := strings.TrimSpace(e.umask("000", "run", "-d", "-i", "-t", "-v", "pv:/data", "busybox", "sleep", "1000"))
	e.Must("exec", id, "sh", "-c", "cp /bin/busybox /suid && chmod 4755 /suid && mknod -m 666 /nulldev c 1 3 && echo secret >/data/f")
	rootfs, upper := overlayOf(t, id)
	sock := filepath.Join(dir, "a.sock") // the real path is too long to connect to
	if err := os.Symlink(filepath.Join(e.Runroot, "containers", id, "attach.sock"), sock); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(e.Root, "volumes", "pv", "_data")
	denied := []string{
		"list", rootfs, "read", rootfs + "/etc/passwd", "write", rootfs + "/tmp/pwned",
		"exec", rootfs + "/suid", "open-rw", rootfs + "/nulldev",
		"list", upper, "exec", upper + "/suid", "open-rw", upper + "/nulldev",
		"connect", sock,
		"read", filepath.Join(e.Root, "containers", id, id+"-json.log"),
		"read", filepath.Join(e.Root, "containers", id, "config.json"),
		"read", filepath.Join(e.Runroot, "runtime", id, "state.json"),
		"read", filepath.Join(e.Root, "metadata.db"),
		"list", data, "read", data + "/f",
	}
	for i := 1; i < len(denied); i += 2 {
		if _, err := os.Stat(denied[i]); err != nil && denied[i-1] != "write" {
			t.Fatalf("what the user tries must exist: %v", err)
		}
	}
	// Controls: the user gets this far, and runs programs it may run.
	allowed := []string{"list", dir, "exec", "/usr/bin/busybox"}
	cmd := exec.Command(probe, append(allowed, denied...)...)
	cmd.Env = []string{probeEnv + "=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe as uid %d: %v\n%s", cred.Uid, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != (len(allowed)+len(denied))/2 {
		t.Fatalf("probe printed %d lines for %d ops:\n%s", len(lines), (len(allowed)+len(denied))/2, out)
	}
	for i, l := range lines {
		want := "EACCES"
		if i < len(allowed)/2 {
			want = "ok"
		}
		if !strings.HasSuffix(l, " "+want) {
			t.Errorf("as uid %d: %s, want %s", cred.Uid, l, want)
		}
	}
	if _, err := os.Stat(rootfs + "/tmp/pwned"); err == nil {
		t.Error("the user wrote into the container's rootfs")
	}
}

// chosenModes are the only entries under the roots that group or others
// may use; each is reached only through 0700 directories. The key is the
// path under the root or run root.
var chosenModes = map[string]fs.FileMode{
	"snapshots/overlay/snapshots/*/fs": 0o755, // a container's or layer's root
	"volumes/*/_data":                  0o755, // a volume's root, as the container sees it
	"containers/*/hosts":               0o644, // bind-mounted into the container
	"containers/*/hostname":            0o644,
	"containers/*/resolv.conf":         0o644,
	"oci-layout":                       0o644, // the OCI layout's marker
	"runtime/*":                        0o711, // runc's container dir, in a 0700 runtime root
	"runtime/.seccomp-cache":           0o700, // the compiled profiles; not a container dir
	"runtime/*/exec.fifo":              0o622, // written by an init that may not be root
	"netns/*":                          0o444, // nsfs's own mode
	"networks/*/names":                 0o644,
	"containers/*/rootfs":              0o755, // the mounted fs above
}

// container content is the container's own: not walked.
var contentDirs = []string{"snapshots/overlay/snapshots/*/fs", "volumes/*/_data", "containers/*/rootfs", "containers/*/mnt-*"}

func chosenMode(rel string) (fs.FileMode, bool) {
	if m, ok := chosenModes[rel]; ok { // an exact entry wins over a pattern
		return m, true
	}
	for pat, m := range chosenModes {
		if ok, _ := filepath.Match(pat, rel); ok {
			return m, true
		}
	}
	return 0, false
}

// checkModes walks a root: the root itself 0700, and nothing in it usable
// by group or others beyond chosenModes.
func checkModes(t *testing.T, root string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(root, path)
		mode := info.Mode().Perm()
		if want, ok := chosenMode(rel); ok {
			if mode != want {
				t.Errorf("%s: mode %o, want %o", path, mode, want)
			}
		} else if rel == "." && mode != 0o700 || info.Mode()&fs.ModeSymlink == 0 && mode&0o077 != 0 {
			t.Errorf("%s: mode %o: group or others may use it", path, mode)
		}
		for _, pat := range contentDirs {
			if ok, _ := filepath.Match(pat, rel); ok && d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d entries under %s", n, root)
	}
}

// TestPermStateModes runs berth under umask 000 on roots that an older
// berth left world-traversable, then walks both roots. Under umask 077
// a container's users still enter its root, its volumes and workdir.
func TestPermStateModes(t *testing.T) {
	e := newEnv(t)
	for _, d := range []string{filepath.Join(e.Root, "volumes"), filepath.Join(e.Runroot, "containers"), filepath.Join(e.Runroot, "runtime")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chmod(d, 0o701)
		os.Chmod(filepath.Dir(d), 0o711)
	}
	e.umask("000", "volume", "create", "mv")
	id := strings.TrimSpace(e.umask("000", "run", "-d", "-i", "-t", "-v", "mv:/data", "busybox", "sleep", "1000"))
	if got := strings.TrimSpace(e.umask("000", "exec", id, "sh", "-c", "umask")); got != "0022" {
		t.Errorf("exec'd process under umask 000: umask %s, want Docker's 0022", got)
	}
	out := t.TempDir()
	e.umask("000", "cp", id+":/etc/passwd", filepath.Join(out, "passwd"))
	// Archives of an image or a container's files: 0600, as Docker's.
	e.umask("000", "save", "-o", filepath.Join(out, "image.tar"), "busybox")
	e.umask("000", "export", "-o", filepath.Join(out, "files.tar"), id)
	for _, f := range []string{"image.tar", "files.tar"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want 0600", f, st.Mode(), err)
		}
	}
	e.umask("000", "network", "create", "permnet")
	e.umask("000", "run", "-d", "--network", "permnet", "busybox", "sleep", "1000")
	checkModes(t, e.Root)
	checkModes(t, e.Runroot)
	for _, sock := range []string{filepath.Join(e.Runroot, "containers", id, "attach.sock"), filepath.Join(e.Runroot, "dns.sock")} {
		if st, err := os.Stat(sock); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want a 0600 socket", sock, st.Mode(), err)
		}
	}
	got := e.umask("077", "run", "--rm", "--user", "1000", "-w", "/work/dir", "-v", "mv2:/data", "busybox",
		"sh", "-c", "ls / >/dev/null && ls /data && pwd")
	if !strings.Contains(got, "/work/dir") {
		t.Errorf("as uid 1000 under umask 077: %q", got)
	}
}

// TestDaemonsKeepNoCallerFD: the monitor and the dns responder outlive
// `berth run -d`, and must not hold what its caller had open.
func TestDaemonsKeepNoCallerFD(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "fdnet")
	lock := filepath.Join(t.TempDir(), "lock")
	sh := `(flock 9 && exec "$@") 9>"$LOCK"`
	cmd := exec.Command("sh", "-c", sh, "sh", e.Bin, "--root", e.Root, "--runroot", e.Runroot,
		"run", "-d", "--network", "fdnet", "busybox", "sleep", "1000")
	cmd.Env = append(os.Environ(), "LOCK="+lock)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("(flock 9; berth run -d) 9>lock: %v\n%s", err, out)
	}
	if err := exec.Command("flock", "-n", lock, "true").Run(); err != nil {
		t.Errorf("the lock is still held after berth run -d returned: %v", err)
	}
	if out := e.Must("ps", "-q"); len(strings.Fields(out)) != 1 {
		t.Fatalf("the container does not run: %q", out)
	}
	// A pipe on stdout and one on another fd: both end when berth does.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	run := e.Cmd("run", "-d", "--network", "fdnet", "busybox", "sleep", "1000")
	stdout, err := run.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	run.ExtraFiles = []*os.File{nil, pw} // fd 4: the monitor's own fd 3 would cover fd 3
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	done := make(chan error, 2)
	for _, r := range []io.Reader{stdout, pr} {
		go func() { _, err := io.ReadAll(r); done <- err }()
	}
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a pipe berth run -d was given never saw its end: a daemon holds it")
		}
	}
	if err := run.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(e.Must("ps", "-q"))); n != 2 {
		t.Errorf("%d containers run, want 2", n)
	}
}
