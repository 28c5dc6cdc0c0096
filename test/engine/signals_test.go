package engine_test

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// startBerth starts berth in the background with its output in a Buffer.
func (e *env) startBerth(args ...string) (*exec.Cmd, *testutil.Buffer, <-chan error) {
	e.T.Helper()
	var out testutil.Buffer
	cmd := e.Cmd(args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.T.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, &out, done
}

// endsWithin waits for a berth started by startBerth, killing it after d.
func endsWithin(t *testing.T, cmd *exec.Cmd, done <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("berth %v still runs after %s", cmd.Args[5:], d)
		return nil
	}
}

// signaledBy says whether err is a process's death by sig.
func signaledBy(err error, sig syscall.Signal) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// Docker's CLI installs no handler in logs -f: SIGINT and SIGTERM end it.
func TestLogsFollowSignals(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "talker", "busybox", "sh", "-c", "echo hi; exec sleep 100")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd, out, done := e.startBerth("logs", "-f", "talker")
		if !out.WaitFor("hi", 5*time.Second) {
			t.Fatalf("logs -f printed %q", out.String())
		}
		cmd.Process.Signal(sig)
		if err := endsWithin(t, cmd, done, 5*time.Second); !signaledBy(err, sig) {
			t.Errorf("logs -f after %v: %v, want death by the signal", sig, err)
		}
	}
}

// attach proxies SIGINT and SIGTERM to the container (not a tty) and stays
// until it exits; with --sig-proxy=false they end attach and the container
// runs on.
func TestAttachSignals(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "trapper", "busybox", "sh", "-c",
		`trap 'echo got INT' INT; trap 'echo got TERM; exit 7' TERM; while :; do echo tick; sleep 0.1; done`)
	cmd, out, done := e.startBerth("attach", "trapper")
	// attach shows no old output: a tick means it is connected.
	if !out.WaitFor("tick", 5*time.Second) {
		t.Fatalf("attach never showed the container's output: %q", out.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	if !out.WaitFor("got INT", 5*time.Second) {
		t.Errorf("SIGINT not proxied: %q", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := endsWithin(t, cmd, done, 5*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 || !strings.Contains(out.String(), "got TERM") {
		t.Errorf("attach after proxied SIGTERM: %v, output %q; want exit 7 and got TERM", err, out.String())
	}

	e.Must("run", "-d", "--name", "sleeper", "busybox", "sh", "-c", "while :; do echo tick; sleep 0.1; done")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd, out, done := e.startBerth("attach", "--sig-proxy=false", "sleeper")
		if !out.WaitFor("tick", 5*time.Second) {
			t.Fatalf("attach --sig-proxy=false never showed the container's output: %q", out.String())
		}
		cmd.Process.Signal(sig)
		if err := endsWithin(t, cmd, done, 5*time.Second); !signaledBy(err, sig) {
			t.Errorf("attach --sig-proxy=false after %v: %v, want death by the signal", sig, err)
		}
		if got := e.Inspect("sleeper", "{{.State.Status}}"); got != "running" {
			t.Errorf("after attach --sig-proxy=false got %v: %s, want running", sig, got)
		}
	}
}

// echo hi | docker start -ai (created with -i, running cat) prints hi and
// exits with cat's code; start -a with stdin piped returns the container's
// exit code, every time.
func TestStartAttachStdin(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "-i", "--name", "cat", "busybox", "cat")
	e.Must("create", "-i", "--name", "three", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
	for i := 0; i < 5; i++ {
		cmd := e.Cmd("start", "-ai", "cat")
		cmd.Stdin = strings.NewReader("hi\n")
		out, err := runWithin(t, cmd, 20*time.Second)
		if err != nil || out != "hi\n" {
			t.Errorf("start -ai %d: %v, stdout %q", i, err, out)
		}
		cmd = e.Cmd("start", "-a", "three")
		cmd.Stdin = strings.NewReader("x\n")
		out, err = runWithin(t, cmd, 20*time.Second)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 || out != "out\n" {
			t.Errorf("start -a %d: %v, stdout %q; want exit 3 and out", i, err, out)
		}
	}
}

// runWithin runs cmd and returns its stdout, killing it after d.
func runWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) (string, error) {
	t.Helper()
	var out testutil.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	err := endsWithin(t, cmd, done, d)
	return out.String(), err
}
