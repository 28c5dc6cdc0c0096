package runtime_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

func TestRlimitNofile(t *testing.T) {
	rt, b := setup(t)
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &cur); err != nil {
		t.Fatal(err)
	}
	// No CAP_SYS_RESOURCE here: stay at or below the caller's hard limit.
	hard := cur.Max
	soft := min(hard, 321)
	b.Update(func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: hard, Soft: soft}}
	})
	if out, want := rt.ShellOutput(t, b, "ulimit -n; ulimit -Hn"), fmt.Sprintf("%d\n%d", soft, hard); out != want {
		t.Errorf("ulimit -n, -Hn: %q, want %q", out, want)
	}
}

func TestOOMScoreAdj(t *testing.T) {
	rt, b := setup(t)
	data, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	// Lowering it needs CAP_SYS_RESOURCE, which this host withholds.
	adj := min(own+123, 1000)
	b.Update(func(s *specs.Spec) { s.Process.OOMScoreAdj = &adj })
	if out := rt.ShellOutput(t, b, "cat /proc/self/oom_score_adj"); out != strconv.Itoa(adj) {
		t.Errorf("oom_score_adj %q, want %d", out, adj)
	}
}

func TestUmask(t *testing.T) {
	rt, b := setup(t)
	mask := uint32(0o027)
	b.Update(func(s *specs.Spec) { s.Process.User.Umask = &mask })
	if out := rt.ShellOutput(t, b, "umask"); out != "0027" {
		t.Errorf("umask %q, want 0027", out)
	}
}

// TestEnvLastWinsAndHome: a variable set twice keeps its last value, once,
// and an empty HOME is the user's from /etc/passwd, for the init and for
// exec alike (runc 1.2's env.bats).
func TestEnvLastWinsAndHome(t *testing.T) {
	rt, b := setup(t)
	env := []string{"PATH=/usr/bin:/bin", "ONE=two", "HOME=/override", "ONE=three", "HOME="}
	b.Update(func(s *specs.Spec) { s.Process.Env = env })
	want := "PATH=/usr/bin:/bin ONE=three HOME=/root"
	b.SetArgs("env")
	res := rt.Run(t, "run", "--bundle", b.Dir, testutil.NewID(t))
	if out := strings.Join(strings.Fields(res.Stdout), " "); res.ExitCode != 0 || out != want {
		t.Errorf("init's env %q (exit %d), want %q", out, res.ExitCode, want)
	}
	id, _ := rt.RunningSleeper(t, b)
	pf := filepath.Join(t.TempDir(), "process.json")
	p := specs.Process{Args: []string{"env"}, Env: env, Cwd: "/"}
	data, _ := json.Marshal(p)
	if err := os.WriteFile(pf, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := strings.Join(strings.Fields(rt.ExecOut(t, "--process", pf, id)), " "); out != want {
		t.Errorf("exec's env %q, want %q", out, want)
	}
	rt.MustRun(t, "delete", "-f", id)
}

func TestUserGroups(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{10, 20}}
	})
	out := rt.ShellOutput(t, b, "id -u; id -g; grep Groups: /proc/self/status | cut -f2")
	if want := "1000\n1001\n10 20"; out != want {
		t.Errorf("uid, gid, groups: %q, want %q", out, want)
	}
}

var capBits = map[string]uint{
	"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7,
	"CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18, "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29,
}

func capMask(t *testing.T, caps []string) string {
	t.Helper()
	var m uint64
	for _, c := range caps {
		bit, ok := capBits[c]
		if !ok {
			t.Fatalf("capBits lacks %s", c)
		}
		m |= 1 << bit
	}
	return fmt.Sprintf("%016x", m)
}

func TestCapabilities(t *testing.T) {
	rt, b := setup(t)
	eff := []string{"CAP_CHOWN", "CAP_KILL"}
	bnd := []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}
	b.Update(func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: bnd, Effective: eff, Permitted: eff}
	})
	out := rt.ShellOutput(t, b, "grep -E '^Cap(Eff|Bnd|Amb):' /proc/self/status")
	want := fmt.Sprintf("CapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%016x", capMask(t, eff), capMask(t, bnd), 0)
	if out != want {
		t.Errorf("capabilities:\n%s\nwant:\n%s", out, want)
	}
}

func TestNoNewPrivileges(t *testing.T) {
	for _, nnp := range []bool{true, false} {
		rt, b := setup(t)
		b.Update(func(s *specs.Spec) { s.Process.NoNewPrivileges = nnp })
		want := "NoNewPrivs:\t0"
		if nnp {
			want = "NoNewPrivs:\t1"
		}
		if out := rt.ShellOutput(t, b, "grep NoNewPrivs /proc/self/status"); out != want {
			t.Errorf("noNewPrivileges=%v: %q, want %q", nnp, out, want)
		}
	}
}

func TestTerminalConsoleSocket(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.ConsoleSize = &specs.Box{Height: 31, Width: 101}
		s.Process.Args = []string{"sh", "-c", "tty; stty size"}
	})
	cs := testutil.NewConsoleSocket(t)
	id := testutil.NewID(t)
	rt.MustRun(t, "create", "--console-socket", cs.Path, "--bundle", b.Dir, id)
	master := cs.Master(t)
	defer master.Close()
	rt.MustRun(t, "start", id)
	got := testutil.ReadTerminal(master)
	if want := "/dev/pts/0\n31 101"; got != want {
		t.Errorf("tty; stty size: %q, want %q", got, want)
	}
}

// TestForegroundTerminalNewlines: run and exec with a terminal and no
// --console-socket copy the pty to stdout byte for byte, as runc does
// (it clears ONLCR on the master): lines end in "\n", not "\r\n".
func TestForegroundTerminalNewlines(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { s.Process.Terminal = true })
	b.Shell("printf 'a\\nb\\n'")
	if res := rt.RunBundle(t, b); res.ExitCode != 0 || res.Stdout != "a\nb\n" {
		t.Errorf("run -t: exit %d stdout %q, want \"a\\nb\\n\"", res.ExitCode, res.Stdout)
	}
	b.Update(func(s *specs.Spec) { s.Process.Terminal = false })
	b.SetArgs("sleep", "100")
	id, _ := rt.StartDetached(t, b)
	res := rt.Run(t, "exec", "-t", id, "sh", "-c", "printf 'c\\nd\\n'")
	if res.ExitCode != 0 || res.Stdout != "c\nd\n" {
		t.Errorf("exec -t: exit %d stdout %q, want \"c\\nd\\n\"", res.ExitCode, res.Stdout)
	}
}

// extraFile is a host file holding content, open for reading.
func extraFile(t *testing.T, content string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "extra")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestPreserveFds(t *testing.T) {
	rt, b := setup(t)
	b.Shell("cat /proc/self/fd/3; echo; echo ${LISTEN_FDS:-unset}")
	cmd := rt.Command("run", "--preserve-fds", "1", "--bundle", b.Dir, testutil.NewID(t))
	cmd.ExtraFiles = []*os.File{extraFile(t, "extra-fd-content")}
	res := rt.RunCmd(t, cmd)
	if res.ExitCode != 0 || res.Stdout != "extra-fd-content\nunset\n" {
		t.Errorf("--preserve-fds 1: exit %d stdout %q, want the file's content on fd 3", res.ExitCode, res.Stdout)
	}
}

// Socket activation: with LISTEN_FDS and LISTEN_PID naming the runtime, runc
// passes the fds on and sets LISTEN_FDS, LISTEN_PID=1 in the container.
func TestListenFds(t *testing.T) {
	rt, b := setup(t)
	b.Shell("echo $LISTEN_FDS $LISTEN_PID; cat /proc/self/fd/3")
	args := append([]string{"-c", `export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"`, rt.Binary},
		"--root", rt.Root, "run", "--bundle", b.Dir, testutil.NewID(t))
	cmd := rt.Command()
	cmd.Path, cmd.Args = "/bin/sh", append([]string{"sh"}, args...)
	cmd.ExtraFiles = []*os.File{extraFile(t, "activated")}
	res := rt.RunCmd(t, cmd)
	if res.ExitCode != 0 || res.Stdout != "1 1\nactivated" {
		t.Errorf("socket activation: exit %d stdout %q, want \"1 1\" and the fd's content", res.ExitCode, res.Stdout)
	}
}
