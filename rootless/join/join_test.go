package join

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The test binary links join.c's constructor like berth does, so a child
// of it started with EnvJoin set runs TestMain's report already inside.
func TestMain(m *testing.M) {
	if os.Getenv("_BERTH_JOIN_TEST_REPORT") != "" {
		user, err1 := os.Readlink("/proc/self/ns/user")
		mnt, err2 := os.Readlink("/proc/self/ns/mnt")
		if err1 != nil || err2 != nil {
			fmt.Fprintln(os.Stderr, err1, err2)
			os.Exit(2)
		}
		_, set := os.LookupEnv(EnvJoin)
		wd, _ := os.Getwd()
		fmt.Printf("%s %s %v %s\n", user, mnt, set, wd)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// report runs the child in dir ("": the test's working directory).
func report(t *testing.T, pid, dir string) (string, error) {
	t.Helper()
	cmd := exec.Command("/proc/self/exe")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "_BERTH_JOIN_TEST_REPORT=1", EnvJoin+"="+pid)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestJoin starts a pause process in a user and mount namespace of its
// own and checks a child with EnvJoin naming it runs in both, without the
// variable. Root maps itself, so no subordinate ids are needed.
func TestJoin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to map uid 0 into a new user namespace")
	}
	pause := exec.Command("sleep", "30")
	pause.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		Pdeathsig:   syscall.SIGKILL,
	}
	if err := pause.Start(); err != nil {
		t.Skipf("cannot make a user namespace here: %v", err)
	}
	t.Cleanup(func() {
		if err := pause.Process.Kill(); err != nil {
			t.Error(err)
		}
		_ = pause.Wait() // killed: its error is the signal
	})
	pid := strconv.Itoa(pause.Process.Pid)
	// Start returns once sleep runs: clone made its namespaces before.
	user, err := os.Readlink("/proc/" + pid + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	mnt, err := os.Readlink("/proc/" + pid + "/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	hostUser, err := os.Readlink("/proc/self/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	if user == hostUser {
		t.Fatalf("pause process shares our user namespace %s", user)
	}
	// The working directory is kept: setns(CLONE_NEWNS) alone would move
	// it to /, and relative paths (berth build .) would name files there.
	dir := t.TempDir()
	out, err := report(t, pid, dir)
	if err != nil {
		t.Fatalf("joined child: %v: %s", err, out)
	}
	if want := user + " " + mnt + " false " + dir; out != want {
		t.Errorf("joined child reports %q, want %q", out, want)
	}
}

func TestJoinFailures(t *testing.T) {
	for _, tc := range []struct{ name, pid, msg string }{
		{"no such process", "999999999", "open the user namespace of the store's pause process 999999999"},
		{"not a pid", "../self", "pause process ../self"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := report(t, tc.pid, "")
			ee, ok := err.(*exec.ExitError)
			// exit 125, as Docker's for an error of the engine itself.
			if !ok || ee.ExitCode() != 125 || !strings.Contains(out, tc.msg) {
				t.Errorf("exit %v, output %q; want 125 with %q", err, out, tc.msg)
			}
		})
	}
	// Empty is unset: the process runs as it is.
	out, err := report(t, "", "")
	if host, herr := os.Readlink("/proc/self/ns/user"); err != nil || herr != nil || !strings.HasPrefix(out, host+" ") {
		t.Errorf("empty %s: %q, %v, %v", EnvJoin, out, err, herr)
	}
}
