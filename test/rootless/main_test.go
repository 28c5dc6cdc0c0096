// Package rootless_test runs the berth CLI as a real unprivileged user made
// for the test (testutil.User): its store in its home by XDG, in one user
// namespace mapped through newuidmap and newgidmap, and nothing of the
// user's left once the test ends.
package rootless_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// env is berth installed for one throwaway user.
type env struct {
	t   *testing.T
	u   *testutil.User
	bin string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	u := testutil.NewUser(t)
	e := &env{t: t, u: u, bin: u.Install(t, bin)}
	// Registered after the user's, so it runs before: the user's berth
	// removes its containers and the pause process ends the namespace.
	t.Cleanup(e.stop)
	return e
}

// berth runs berth as the user; extra env (KEY=VALUE) replaces the login's.
func (e *env) berth(env []string, args ...string) testutil.Result {
	e.t.Helper()
	cmd := e.u.Command(e.bin, args...)
	cmd.Env = append(cmd.Env, env...)
	return e.u.Run(cmd)
}

// ok runs berth as the user and fails the test unless it exits 0.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	r := e.berth(nil, args...)
	if r.ExitCode != 0 {
		e.t.Fatalf("as %s:\n%s", e.u.Name, r)
	}
	return r.Stdout
}

func (e *env) pausePID() int {
	b, err := os.ReadFile(filepath.Join(e.u.Runtime, "berth", "pause.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// stop removes the user's containers and ends the store's namespace.
func (e *env) stop() {
	if ids := strings.Fields(e.berth(nil, "ps", "-aq").Stdout); len(ids) > 0 {
		if r := e.berth(nil, append([]string{"rm", "-f"}, ids...)...); r.ExitCode != 0 {
			e.t.Errorf("rm -f: %s", r)
		}
	}
	pid := e.pausePID()
	if pid == 0 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	if !testutil.WaitFor(10*time.Second, func() bool {
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil) // reparented to this subreaper
		return syscall.Kill(pid, 0) != nil
	}) {
		e.t.Errorf("pause process %d outlived SIGTERM", pid)
	}
}
