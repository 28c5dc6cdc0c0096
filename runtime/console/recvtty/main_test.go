package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/runtime/console"
	"golang.org/x/sys/unix"
)

// recvttyBin is the program under test, built once by TestMain: the tests
// drive the real program, flags and all.
var recvttyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "recvtty-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	recvttyBin = filepath.Join(dir, "recvtty")
	code := 1
	if out, err := exec.Command("go", "build", "-o", recvttyBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v: %s\n", err, out)
	} else {
		code = m.Run()
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "remove %s: %v\n", dir, err)
	}
	os.Exit(code)
}

// start runs recvtty and waits for its pid file.
func start(t *testing.T, mode string, stdin io.Reader, stdout io.Writer) (*exec.Cmd, string) {
	t.Helper()
	dir := t.TempDir()
	sock, pidFile := filepath.Join(dir, "tty.sock"), filepath.Join(dir, "pid")
	cmd := exec.Command(recvttyBin, "--mode", mode, "--pid-file", pidFile, sock)
	cmd.Stdin, cmd.Stdout = stdin, stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			if err := cmd.Process.Kill(); err != nil {
				t.Errorf("kill recvtty: %v", err)
			}
			_ = cmd.Wait() // killed just above: its error is that signal
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			if string(b) != strconv.Itoa(cmd.Process.Pid) {
				t.Fatalf("pid file says %q, pid is %d", b, cmd.Process.Pid)
			}
			return cmd, sock
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid file: %v; stderr %s", err, stderr.String())
		}
	}
}

// sendPty makes a pty, sends its master to sock and returns the slave.
func sendPty(t *testing.T, sock string) *os.File {
	t.Helper()
	m, p, err := console.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := console.SendFD(sock, m); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSingle(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inR.Close()
	defer inW.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	cmd, sock := start(t, "single", inR, outW)
	outW.Close()
	slave := sendPty(t, sock)

	if _, err := inW.WriteString("ping\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if err := slave.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := slave.Read(buf); err != nil || string(buf[:n]) != "ping\n" {
		t.Fatalf("slave read %q, %v; want ping", buf[:n], err)
	}
	// The slave echoes what it reads; ONLCR is cleared, so the bytes come
	// back unchanged.
	if _, err := slave.WriteString("pong\n"); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("recvtty: %v", err)
	}
	out, err := io.ReadAll(outR)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(out), "pong\n") || strings.Contains(string(out), "\r") {
		t.Fatalf("stdout %q, want the echo and pong with no carriage return", out)
	}
}

func TestNull(t *testing.T) {
	var stdout bytes.Buffer
	cmd, sock := start(t, "null", nil, &stdout)
	// Two containers in a row: null mode keeps serving, and drains each so
	// that a chatty container never blocks on a full terminal.
	for i := 0; i < 2; i++ {
		slave := sendPty(t, sock)
		big := bytes.Repeat([]byte("x"), 256<<10)
		if _, err := slave.Write(big); err != nil {
			t.Fatalf("pty %d: %v", i, err)
		}
		slave.Close()
	}
	if cmd.ProcessState != nil {
		t.Fatalf("recvtty exited: %v", cmd.ProcessState)
	}
	if err := cmd.Process.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// recvtty exits on SIGTERM by the signal's default action: Wait's
	// error is that signal, and what matters is what it wrote.
	_ = cmd.Wait()
	if stdout.Len() != 0 {
		t.Fatalf("null mode wrote %d bytes to stdout", stdout.Len())
	}
}

func TestUsage(t *testing.T) {
	tests := [][]string{{}, {"--mode", "bogus", "x.sock"}, {"a", "b"}}
	for _, args := range tests {
		err := exec.Command(recvttyBin, args...).Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("recvtty %v: %v, want exit status 2", args, err)
		}
	}
}
