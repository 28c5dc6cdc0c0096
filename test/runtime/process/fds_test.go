package process_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// TestNoInheritedFDsInInit: fds the runtime's caller leaves open without
// close-on-exec (fd 3, and one at 9 like the bats lock) reach neither the
// init waiting for start nor an exec'd process; --preserve-fds still passes
// its own (runc's "detect fd leak as comprehensively as possible").
func TestNoInheritedFDsInInit(t *testing.T) {
	rt, b := setup(t)
	leaked, err := os.Open(b.ConfigPath()) // any file the test has open
	if err != nil {
		t.Fatal(err)
	}
	defer leaked.Close()
	b.SetArgs("sleep", "1000")
	id := testutil.NewID(t)
	cmd := rt.Command("create", "--bundle", b.Dir, id)
	cmd.ExtraFiles = make([]*os.File, 7)
	cmd.ExtraFiles[0], cmd.ExtraFiles[6] = leaked, leaked // fds 3 and 9
	if res := rt.RunCmd(t, cmd); res.ExitCode != 0 {
		t.Fatalf("create: exit %d", res.ExitCode)
	}
	checkFDs := func(pid int, who string) {
		t.Helper()
		dir := "/proc/" + itoa(pid) + "/fd"
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if target, _ := os.Readlink(filepath.Join(dir, e.Name())); target == leaked.Name() {
				t.Errorf("%s has the caller's fd: %s -> %s", who, e.Name(), target)
			}
		}
	}
	checkFDs(rt.State(t, id).Pid, "the created init")
	pidFile := filepath.Join(t.TempDir(), "pid")
	cmd = rt.Command("exec", "--detach", "--pid-file", pidFile, id, "sleep", "1000")
	cmd.ExtraFiles = []*os.File{leaked}
	if res := rt.RunCmd(t, cmd); res.ExitCode != 0 {
		t.Fatalf("exec: exit %d", res.ExitCode)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	t.Cleanup(func() { // as ExecDetached: we are its subreaper
		_ = unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
	})
	checkFDs(pid, "an exec'd process")
}
