package console

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// slaveEnv makes a re-run of the test binary call SetupSlave on the path it
// holds, then report on its stdout (now the pty) whether it got the terminal.
const slaveEnv = "BERTH_CONSOLE_TEST_SLAVE"

func TestMain(m *testing.M) {
	if p := os.Getenv(slaveEnv); p != "" {
		if err := SetupSlave(p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		fmt.Printf("ctty pgrp=%d pid=%d err=%v\n", pgrp, os.Getpid(), err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func newPty(t *testing.T) (*os.File, string) {
	t.Helper()
	if _, err := os.Stat(ptmx); err != nil {
		t.Skipf("no %s on this host: %v", ptmx, err)
	}
	m, p, err := NewPty()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, p
}

// readUntil reads f until what it read contains want or the deadline passes.
func readUntil(t *testing.T, f *os.File, want string) string {
	t.Helper()
	if err := f.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 512)
	for !bytes.Contains(got, []byte(want)) {
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("read %s: %v; read so far %q, want %q", f.Name(), err, got, want)
		}
	}
	return string(got)
}

func TestNewPty(t *testing.T) {
	m, p := newPty(t)
	if m.Name() != "/dev/ptmx" || !strings.HasPrefix(p, "/dev/pts/") {
		t.Fatalf("master %q, slave %q", m.Name(), p)
	}
	s, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open slave: %v", err)
	}
	defer s.Close()
	if err := ClearONLCR(m); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteString("from slave\n"); err != nil {
		t.Fatal(err)
	}
	if got := readUntil(t, m, "from slave\n"); got != "from slave\n" {
		t.Fatalf("master read %q: ONLCR not cleared", got)
	}
	if _, err := m.WriteString("from master\n"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, s, "from master\n")
}

func TestSetSize(t *testing.T) {
	m, p := newPty(t)
	s, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, box := range []specs.Box{{Height: 24, Width: 80}, {Height: 1, Width: 1}, {Height: 300, Width: 1000}} {
		if err := SetSize(m, box); err != nil {
			t.Fatal(err)
		}
		got, err := Size(s)
		if err != nil || got != box {
			t.Fatalf("slave size %+v, %v; want %+v", got, err, box)
		}
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if _, err := Size(devnull); err == nil {
		t.Fatal("Size of /dev/null succeeded")
	}
}

func TestSetupSlave(t *testing.T) {
	m, p := newPty(t)
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), slaveEnv+"="+p)
	cmd.Stdin, cmd.Stdout = devnull, devnull
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := readUntil(t, m, "\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	want := fmt.Sprintf("ctty pgrp=%d pid=%d err=<nil>", cmd.Process.Pid, cmd.Process.Pid)
	if strings.TrimSpace(got) != want {
		t.Fatalf("child said %q, want %q", got, want)
	}
}

func TestSetupSlaveErrors(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"missing", "/dev/pts/999999", "open pty slave /dev/pts/999999: no such file or directory"},
		{"not a tty", os.DevNull, "make /dev/null the controlling terminal: inappropriate ioctl for device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := SetupSlave(tt.path); err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %s", err, tt.want)
			}
		})
	}
}

func TestPeer(t *testing.T) {
	m, p := newPty(t)
	s, err := Peer(m)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Name() != p {
		t.Errorf("peer named %q, want %q", s.Name(), p)
	}
	if err := ClearONLCR(m); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteString("from peer\n"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, m, "from peer\n")
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if _, err := Peer(devnull); err == nil {
		t.Error("Peer of /dev/null succeeded")
	}
}
