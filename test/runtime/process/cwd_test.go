package process_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// TestCwdForNonRootUser: the working directory is entered before the
// process drops to its user, and again after if that failed, as runc
// does: a cwd only root may enter (/root, 0700) and one only the
// container's user may enter both work, for the init and for an exec.
func TestCwdForNonRootUser(t *testing.T) {
	for _, tc := range []struct {
		name  string
		owner int // of the cwd, mode 0700
	}{
		{"cwd only root may enter", 0},
		{"cwd only the user may enter", 42},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			// As runc's bats: a --root only root may enter.
			if err := os.Chmod(rt.Root, 0o700); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(b.Rootfs, "home", "private")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, tc.owner, tc.owner); err != nil {
				t.Fatal(err)
			}
			b.Update(func(s *specs.Spec) {
				s.Process.Cwd = "/home/private"
				s.Process.User = specs.User{UID: 42}
			})
			b.Shell("pwd")
			if res := rt.RunBundle(t, b); res.ExitCode != 0 || res.Stdout != "/home/private\n" {
				t.Errorf("run as uid 42: exit %d, stdout %q; want /home/private", res.ExitCode, res.Stdout)
			}
			id, _ := rt.RunningSleeper(t, b)
			for _, user := range []string{"0", "42"} {
				if out := rt.ExecOut(t, "--user", user, id, "pwd"); out != "/home/private" {
					t.Errorf("exec --user %s: pwd %q, want /home/private", user, out)
				}
			}

			// With a terminal, the process is set up by the Go init.
			b.Update(func(s *specs.Spec) { s.Process.Terminal, s.Process.Args = true, []string{"pwd"} })
			cs := testutil.NewConsoleSocket(t)
			id = testutil.NewID(t)
			rt.MustRun(t, "run", "-d", "--console-socket", cs.Path, "--bundle", b.Dir, id)
			out := testutil.ReadTerminal(cs.Master(t))
			if out != "/home/private" {
				t.Errorf("run -d -t as uid 42: %q, want /home/private", out)
			}
		})
	}
}

// TestStartWhenUserCannotSearchRoot: a rootfs of mode 0700 (as a tarball
// with "./" 0700 unpacks) leaves a container user no way through "/". The
// init, already that user, still gets past the exec fifo: it reopens it
// through /proc/self/fd held from before the drop, as runc's procfs
// handle, so start succeeds; the program's own execve is then refused.
func TestStartWhenUserCannotSearchRoot(t *testing.T) {
	for _, terminal := range []bool{false, true} { // set up in C, in Go
		rt, b := setup(t)
		if err := os.Chmod(b.Rootfs, 0o700); err != nil {
			t.Fatal(err)
		}
		b.Update(func(s *specs.Spec) {
			s.Process.User = specs.User{UID: 42}
			s.Process.Terminal = terminal
		})
		id := testutil.NewID(t)
		args := []string{"create", "--bundle", b.Dir}
		if terminal {
			args = append(args, "--console-socket", testutil.NewConsoleSocket(t).Path)
		}
		rt.MustRun(t, append(args, id)...)
		if res := rt.Run(t, "start", id); res.ExitCode != 0 || strings.Contains(res.Stderr, "fifo") {
			t.Errorf("start (terminal %v) of an init whose user cannot search /: exit %d, %s", terminal, res.ExitCode, res.Stderr)
		}
	}
}
