// Package hooks runs the OCI lifecycle hooks of a container (prestart,
// createRuntime, createContainer, startContainer, poststart, poststop) the
// way runc does: one after the other, each with the container's state JSON
// on stdin, stopping at the first failure (RunAll, for poststop, goes on).
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxOutput bounds how much of a hook's stdout and of its stderr is kept for
// the error message: a hook must not be able to blow up the runtime's memory
// or its log.
const maxOutput = 4096

// waitDelay is how long Run waits, once a hook has exited or been killed, for
// a process the hook left behind to close the hook's stdout and stderr.
const waitDelay = 2 * time.Second

// Run runs the hooks hs of the given kind in order. Each hook gets exactly
// its path, args (args[0] is argv[0]; the path when args is empty) and env
// (nothing inherited from the runtime), and the state as JSON on stdin. A
// hook with a timeout is killed when it expires, with its process group. The first hook that fails
// stops the run; the error names the kind, the index and the path and
// carries the hook's output.
func Run(kind string, hs []specs.Hook, state *specs.State) error {
	return run(kind, hs, state, false)
}

// RunAll runs every hook of hs even when some fail, as runtime-spec 1.3
// asks of poststop hooks ("the remaining hooks and lifecycle continue as
// if the hook had succeeded"), and returns each failure, joined.
func RunAll(kind string, hs []specs.Hook, state *specs.State) error {
	return run(kind, hs, state, true)
}

func run(kind string, hs []specs.Hook, state *specs.State, all bool) error {
	if len(hs) == 0 {
		return nil
	}
	js, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("%s hooks: encode state: %w", kind, err)
	}
	var first error
	for i, h := range hs {
		err := runOne(h, js)
		if err == nil {
			continue
		}
		// runc's words, which clients and runc's tests match.
		err = fmt.Errorf("error running %s hook #%d: %s: %w", kind, i, h.Path, err)
		if !all {
			return err
		}
		if first == nil {
			first = err
		} else {
			// One line for the log, the first failure still unwrappable.
			first = fmt.Errorf("%w; %v", first, err)
		}
	}
	return first
}

func runOne(h specs.Hook, state []byte) error {
	if !filepath.IsAbs(h.Path) {
		return errors.New("path is not absolute")
	}
	ctx := context.Background()
	var timeout time.Duration
	if h.Timeout != nil {
		if *h.Timeout <= 0 {
			return fmt.Errorf("timeout %d is not positive", *h.Timeout)
		}
		timeout = time.Duration(*h.Timeout) * time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := command(ctx, h, state)
	var stdout, stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("ran past its timeout of %s", timeout)
	}
	if err != nil {
		return fmt.Errorf("%w%s", err, describeOutput(&stdout, &stderr))
	}
	return nil
}

func command(ctx context.Context, h specs.Hook, state []byte) *exec.Cmd {
	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args = h.Args
	if len(cmd.Args) == 0 {
		cmd.Args = []string{h.Path}
	}
	// A nil Env would make the hook inherit ours.
	cmd.Env = append([]string{}, h.Env...)
	cmd.Stdin = bytes.NewReader(state)
	// The hook leads a process group of its own so that a timeout kills
	// whatever it started too, not only the hook.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return unix.Kill(-cmd.Process.Pid, unix.SIGKILL) }
	cmd.WaitDelay = waitDelay
	return cmd
}

func describeOutput(stdout, stderr *limitedBuffer) string {
	s := ""
	if stdout.Len() > 0 {
		s += ", stdout: " + stdout.String()
	}
	if stderr.Len() > 0 {
		s += ", stderr: " + stderr.String()
	}
	return s
}

// limitedBuffer keeps the first maxOutput bytes written to it and accepts
// (and drops) the rest, so the hook never blocks on a full pipe.
type limitedBuffer struct {
	buf       bytes.Buffer
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := maxOutput - b.buf.Len()
	if len(p) > room {
		b.truncated = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) Len() int { return b.buf.Len() }

// String quotes the output so the error stays on one line.
func (b *limitedBuffer) String() string {
	s := fmt.Sprintf("%q", bytes.TrimRight(b.buf.Bytes(), "\n"))
	if b.truncated {
		s += " (truncated)"
	}
	return s
}
