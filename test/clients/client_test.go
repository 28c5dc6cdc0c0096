package clients_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
	"golang.org/x/sys/unix"
)

// cmdTimeout bounds every client command: a runtime that hangs must fail
// its test, not the whole suite.
const cmdTimeout = 90 * time.Second

// client is one container tool as the tests drive it: its binary, the
// global flags and environment that point it at the test's private daemon
// or storage, and the logs to show when a command fails.
type client struct {
	bin  string
	args []string // global flags before the command
	env  []string // added to the environment
	logs []string // daemon logs whose error lines explain a failure
}

// runner runs prepared commands with testutil's sane_run logging; it needs
// no runtime of its own.
var runner testutil.Runtime

func (c *client) command(t testing.TB, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, c.bin, append(append([]string(nil), c.args...), args...)...)
	cmd.Env = append(os.Environ(), c.env...)
	// Clients and what they spawn (conmon writes an "oom" file into its
	// working directory) must not write into the source tree.
	cmd.Dir = os.TempDir()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs the client to completion; a failure is logged with its output
// and the error lines of the daemon logs.
func (c *client) run(t testing.TB, args ...string) testutil.Result {
	t.Helper()
	return c.runCmd(t, c.command(t, args...))
}

func (c *client) runCmd(t testing.TB, cmd *exec.Cmd) testutil.Result {
	t.Helper()
	res := runner.RunCmd(t, cmd)
	if res.ExitCode != 0 {
		c.logErrors(t)
	}
	return res
}

// must is run that fails the test unless the client exits 0.
func (c *client) must(t testing.TB, args ...string) testutil.Result {
	t.Helper()
	res := c.run(t, args...)
	if res.ExitCode != 0 {
		t.Fatalf("%s %s: exit status %d: %s", filepath.Base(c.bin), strings.Join(args, " "), res.ExitCode, lastLine(res.Stderr))
	}
	return res
}

// output is must's trimmed stdout.
func (c *client) output(t testing.TB, args ...string) string {
	t.Helper()
	return strings.TrimSpace(c.must(t, args...).Stdout)
}

// logErrors logs the lines of the daemon logs that name an error: that is
// where a client puts the runtime's own message when its CLI only says
// "exit status 1".
func (c *client) logErrors(t testing.TB) {
	t.Helper()
	for _, l := range c.logs {
		data, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		var lines []string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "level=error") || strings.Contains(line, `"level":"error"`) {
				lines = append(lines, line)
			}
		}
		if len(lines) > 10 {
			lines = lines[len(lines)-10:]
		}
		if len(lines) > 0 {
			t.Logf("last errors in %s:\n%s", l, strings.Join(lines, "\n"))
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// expectExit runs the client and fails the test unless it exits with code.
func (c *client) expectExit(t testing.TB, code int, args ...string) testutil.Result {
	t.Helper()
	res := c.run(t, args...)
	if res.ExitCode != code {
		t.Errorf("%s %s: exit status %d, want %d", filepath.Base(c.bin), strings.Join(args, " "), res.ExitCode, code)
	}
	return res
}

// runTTY runs the client on a new pseudo-terminal, as a user at a shell
// would, types input and returns what the terminal showed and the exit
// status.
func (c *client) runTTY(t testing.TB, input string, args ...string) (string, int) {
	t.Helper()
	master, slave, err := openPty()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	cmd := c.command(t, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatalf("start %s: %v", cmd, err)
	}
	slave.Close()
	var out testutil.Buffer
	copied := make(chan struct{})
	go func() {
		// The read ends with EIO once the last holder of the slave closes it.
		_, _ = io.Copy(&out, master)
		close(copied)
	}()
	if input != "" {
		if _, err := master.WriteString(input); err != nil {
			t.Errorf("type into the terminal: %v", err)
		}
	}
	err = cmd.Wait()
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v", cmd, err)
		}
		code = ee.ExitCode()
	}
	if code != 0 {
		t.Logf("command: %s\nexit status: %d\nterminal:\n%s", cmd, code, out.String())
		c.logErrors(t)
	}
	return out.String(), code
}

// openPty opens a new pseudo-terminal pair.
func openPty() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("open pty slave: %w", err)
	}
	return m, s, nil
}

// wantContains fails the test unless got holds want.
func wantContains(t testing.TB, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: want %q in:\n%s", what, want, got)
	}
}

// runtimeBinary is the runtime under test, as testutil resolves it.
func runtimeBinary(t testing.TB) string {
	t.Helper()
	testutil.RequireRoot(t)
	rt, err := testutil.RuntimeBinary()
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// requireBinaries skips t when a client is not installed
// (hack/install-deps.sh installs them all).
func requireBinaries(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (run hack/install-deps.sh): %v", n, err)
		}
	}
}
