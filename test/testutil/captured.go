package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Captured is what one command printed and its exit code.
type Captured struct {
	Stdout, Stderr string
	Code           int
}

// RunCaptured runs name with args under a timeout and captures both
// streams. A command that cannot start fails the test; one that runs past
// the timeout is killed and reported as an error, so a hang fails its own
// case rather than the suite. prepare, when not nil, sets the command's
// environment, directory or stdin before it starts.
func RunCaptured(t testing.TB, timeout time.Duration, prepare func(*exec.Cmd), name string, args ...string) Captured {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 5 * time.Second
	if prepare != nil {
		prepare(cmd)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Errorf("%s %s: timed out after %s", name, strings.Join(args, " "), timeout)
	}
	return Captured{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// FreePrefix is a /24 prefix ("10.B.N.") of 10.B.0.0/16 that no host
// interface is on and taken (when not nil) has not given out; salt keeps
// two sides of one comparison apart (odd against even third octets).
func FreePrefix(t testing.TB, b, salt int, taken map[string]bool) string {
	t.Helper()
	for i := 0; i < 20; i++ {
		p := fmt.Sprintf("10.%d.%d.", b, (rand.IntN(125)*2+salt)%254+1)
		if !taken[p] && !Routed(p+"1") {
			if taken != nil {
				taken[p] = true
			}
			return p
		}
	}
	t.Fatalf("no free /24 in 10.%d.0.0/16", b)
	return ""
}
