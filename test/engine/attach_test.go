package engine_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/test/testutil"
)

func TestAttach(t *testing.T) {
	e := newEnv(t)
	t.Run("output and exit code", func(t *testing.T) {
		e.Must("run", "-d", "--name", "late", "busybox", "sh", "-c", "sleep 1; echo out; echo err >&2; exit 3")
		r := e.Run("attach", "late")
		if r.ExitCode != 3 || r.Stdout != "out\n" || r.Stderr != "err\n" {
			t.Errorf("attach: exit %d stdout %q stderr %q", r.ExitCode, r.Stdout, r.Stderr)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		e.Must("run", "-d", "-i", "--name", "reader", "busybox", "sh", "-c", "read l; echo got $l; exit 4")
		cmd := e.Cmd("attach", "reader")
		cmd.Stdin = strings.NewReader("hello\n")
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 || string(out) != "got hello\n" {
			t.Errorf("attach with stdin: %v %q", err, out)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		e.Must("create", "--name", "idle", "busybox", "true")
		if r := e.Run("attach", "idle"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "start it first") {
			t.Errorf("attach to created: exit %d %q", r.ExitCode, r.Stderr)
		}
	})
	t.Run("tty resize and detach keys", func(t *testing.T) {
		e.Must("run", "-dit", "--name", "tty", "busybox", "sh")
		master, slavePath, err := console.NewPty()
		if err != nil {
			t.Fatal(err)
		}
		defer master.Close()
		slave, err := os.OpenFile(slavePath, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer slave.Close()
		if err := console.SetSize(slave, specs.Box{Height: 33, Width: 77}); err != nil {
			t.Fatal(err)
		}
		cmd := e.Cmd("attach", "tty")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var out testutil.Buffer
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := master.Read(buf)
				out.Write(buf[:n])
				if err != nil {
					return
				}
			}
		}()
		// Nothing says when attach has sent the size: ask until it shows.
		sized := testutil.WaitFor(5*time.Second, func() bool {
			master.Write([]byte("stty size; echo $((6*7))\r"))
			return out.WaitFor("33 77", 300*time.Millisecond)
		})
		if !sized || !out.WaitFor("42", time.Second) {
			t.Errorf("tty output: %q", out.String())
		}
		master.Write([]byte{16, 17}) // ctrl-p ctrl-q
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("detach: %v", err)
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatal("detach keys did not end attach")
		}
		if got := e.Inspect("tty", "{{.State.Status}}"); got != "running" {
			t.Errorf("after detach: %s", got)
		}
	})
}
