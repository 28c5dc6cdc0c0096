package attach

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// TestSessionRun: the output is copied until the container's exit, whose
// code Run returns; a failed wait is exit 125 with its error; the detach
// keys on stdin end the session with ErrDetached.
func TestSessionRun(t *testing.T) {
	t.Run("exit code and output", func(t *testing.T) {
		a, b := socketpair(t)
		exited := make(chan struct{})
		go func() {
			if err := writeFrame(b, frameStdout, []byte("out\n")); err != nil {
				t.Error(err)
			}
			if err := writeFrame(b, frameStderr, []byte("err\n")); err != nil {
				t.Error(err)
			}
			b.Close()
			close(exited)
		}()
		var out, errw bytes.Buffer
		code, err := Session{Conn: a, Out: &out, Err: &errw,
			Wait: func() (int, error) { <-exited; return 3, nil }}.Run()
		if code != 3 || err != nil || out.String() != "out\n" || errw.String() != "err\n" {
			t.Errorf("Run = %d, %v; out %q err %q", code, err, out.String(), errw.String())
		}
	})
	t.Run("wait fails", func(t *testing.T) {
		a, b := socketpair(t)
		b.Close()
		gone := errors.New("gone")
		if code, err := (Session{Conn: a, Wait: func() (int, error) { return 0, gone }}).Run(); code != 125 || !errors.Is(err, gone) {
			t.Errorf("Run = %d, %v; want 125, %v", code, err, gone)
		}
	})
	t.Run("detach keys", func(t *testing.T) {
		a, _ := socketpair(t)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		keys, _ := ParseDetachKeys("")
		if _, err := w.Write(keys); err != nil {
			t.Fatal(err)
		}
		never := make(chan struct{})
		defer close(never)
		code, err := Session{Conn: a, In: r, Keys: keys, Wait: func() (int, error) { <-never; return 0, nil }}.Run()
		if code != 0 || !errors.Is(err, ErrDetached) {
			t.Errorf("Run = %d, %v; want 0, ErrDetached", code, err)
		}
	})
}
