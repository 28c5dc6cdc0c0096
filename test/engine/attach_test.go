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

// TestDetachKeys: run -it, attach and start -ai leave the container
// running when the detach keys come through the terminal (Docker's
// ctrl-p,ctrl-q, or --detach-keys), and a bad --detach-keys is refused as
// Docker's CLI refuses it, before anything is made.
func TestDetachKeys(t *testing.T) {
	e := newEnv(t)
	// detaches runs berth args on a new terminal, makes sure the shell in
	// the container answers, types keys and wants berth to exit 0 with
	// the container still running.
	detaches := func(t *testing.T, name, keys string, args ...string) {
		t.Helper()
		term := testutil.NewTerminal(t)
		cmd := e.Cmd(args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = term.Slave, term.Slave, term.Slave
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		answered := testutil.WaitFor(10*time.Second, func() bool {
			term.Type(t, "echo $((6*7))\r")
			return term.Out.WaitFor("42", 300*time.Millisecond)
		})
		if !answered {
			cmd.Process.Kill()
			t.Fatalf("%v: no answer from the shell: %q", args, term.Out.String())
		}
		term.Type(t, keys)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: after the detach keys: %v (%q)", args, err, term.Out.String())
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: the detach keys did not end it: %q", args, term.Out.String())
		}
		if got := e.Inspect(name, "{{.State.Status}}"); got != "running" {
			t.Errorf("%v: after detaching the container is %s", args, got)
		}
	}
	t.Run("run -it, Docker's keys", func(t *testing.T) {
		detaches(t, "r1", "\x10\x11", "run", "-it", "--name", "r1", "busybox", "sh")
		// Attached again, it is the same shell.
		detaches(t, "r1", "\x10\x11", "attach", "r1")
	})
	t.Run("run -it --detach-keys", func(t *testing.T) {
		// ctrl-p ctrl-q are no detach keys now: they reach the shell.
		detaches(t, "r2", "\x10\x11\x18x", "run", "-it", "--rm", "--name", "r2", "--detach-keys", "ctrl-x,x", "busybox", "sh")
		detaches(t, "r2", "q", "attach", "--detach-keys", "q", "r2")
	})
	t.Run("start -ai --detach-keys", func(t *testing.T) {
		e.Must("create", "-it", "--name", "s1", "busybox", "sh")
		detaches(t, "s1", "\x1b\x7f", "start", "-ai", "--detach-keys", "ctrl-[,DEL", "s1")
	})
	e.Must("rm", "-f", "r1", "r2", "s1")
	t.Run("run -it to the end", func(t *testing.T) {
		term := testutil.NewTerminal(t)
		cmd := e.Cmd("run", "-it", "--rm", "--name", "r3", "busybox", "sh", "-c", "read l; echo got $l; exit 3")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = term.Slave, term.Slave, term.Slave
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		term.Type(t, "in\r")
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !term.Out.WaitFor("got in", time.Second) {
			t.Errorf("run -it: %v, output %q", err, term.Out.String())
		}
		if r := e.Run("inspect", "r3"); r.ExitCode == 0 {
			t.Errorf("--rm left r3")
		}
	})

	t.Run("refused", func(t *testing.T) {
		e.Must("run", "-d", "--name", "target", "busybox", "sleep", "100")
		before := e.Must("ps", "-aq")
		for _, tc := range []struct {
			args []string
			code int
			msg  string
		}{
			{[]string{"run", "-it", "--detach-keys", "ctrl-1", "busybox", "true"}, 125, "berth: invalid detach keys (ctrl-1): Unknown character: 'ctrl-1'.\nSee 'berth run --help'.\n"},
			{[]string{"attach", "--detach-keys", "ctrl-P", "target"}, 1, "invalid detach keys (ctrl-P): Unknown character: 'ctrl-P'\n"},
			{[]string{"start", "-a", "--detach-keys", "a,,b", "target"}, 1, "invalid detach keys (a,,b): Unknown character: ''\n"},
			{[]string{"exec", "--detach-keys", "ab", "target", "true"}, 1, "invalid detach keys (ab): Unknown character: 'ab'\n"},
		} {
			if r := e.Run(tc.args...); r.ExitCode != tc.code || r.Stderr != tc.msg {
				t.Errorf("%v: exit %d %q, want %d %q", tc.args, r.ExitCode, r.Stderr, tc.code, tc.msg)
			}
		}
		if after := e.Must("ps", "-aq"); after != before {
			t.Errorf("a refused run left a container: %q, before %q", after, before)
		}
		e.Must("rm", "-f", "target")
	})
}
