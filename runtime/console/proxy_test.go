package console

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// startOnSlave runs busybox sh -c script as a session leader whose
// controlling terminal and stdio are the pty slave, as init would.
func startOnSlave(t *testing.T, slavePath, script string) *exec.Cmd {
	t.Helper()
	s, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := exec.Command("/usr/bin/busybox", "sh", "-c", script)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestProxy(t *testing.T) {
	tests := []struct {
		name, script, input string
		want                []string
	}{
		{"output only", "echo hello; echo world", "", []string{"hello\r\n", "world\r\n"}},
		{"input", `read x; echo "got $x"`, "abc\n", []string{"got abc\r\n"}},
		{"size", "stty size", "", []string{"24 80\r\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, p := newPty(t)
			if err := SetSize(m, specs.Box{Height: 24, Width: 80}); err != nil {
				t.Fatal(err)
			}
			cmd := startOnSlave(t, p, tt.script)
			var out testutil.Buffer
			err := Proxy(m, strings.NewReader(tt.input), &out)
			if werr := cmd.Wait(); werr != nil {
				t.Fatalf("shell: %v; output %q", werr, out.String())
			}
			if err != nil {
				t.Fatalf("Proxy: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output %q lacks %q", out.String(), w)
				}
			}
		})
	}
}

// TestProxyTerminal gives Proxy a pty as its own terminal: Proxy must make
// it raw while it runs, pass its size on, and restore it afterwards.
func TestProxyTerminal(t *testing.T) {
	outer, outerSlavePath := newPty(t)
	outerSlave, err := os.OpenFile(outerSlavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer outerSlave.Close()
	if err := SetSize(outer, specs.Box{Height: 33, Width: 99}); err != nil {
		t.Fatal(err)
	}
	m, p := newPty(t)
	// The shell waits for a line that only Proxy can pass on, so that it
	// asks for the size after Proxy has forwarded it.
	cmd := startOnSlave(t, p, "read x; stty size")
	if _, err := outer.WriteString("go\n"); err != nil {
		t.Fatal(err)
	}
	var out testutil.Buffer
	if err := Proxy(m, outerSlave, &out); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "33 99") {
		t.Fatalf("container saw size %q, want 33 99", out.String())
	}
	if !isCanonical(t, outerSlave) {
		t.Fatal("terminal left in raw mode")
	}
}

func isCanonical(t *testing.T, f *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ICANON != 0 && tio.Lflag&unix.ECHO != 0
}
