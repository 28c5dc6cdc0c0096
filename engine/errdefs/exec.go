package errdefs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/berth-containers/berth/runtime/initproc"
)

// ExecReason says why a container's (or an exec's) program did not run.
type ExecReason string

const (
	ExecFailed        ExecReason = ""                           // the runtime failed otherwise
	ExecNotFound      ExecReason = initproc.ReasonNotFound      // no such program
	ExecNotExecutable ExecReason = initproc.ReasonNotExecutable // a directory, no execute bit
)

// ExecError is a start or exec that the runtime refused: cmd/berth maps
// its Reason to Docker's exit codes (127, 126).
type ExecError struct {
	Reason ExecReason
	Err    error
}

func (e *ExecError) Error() string { return e.Err.Error() }
func (e *ExecError) Unwrap() error { return e.Err }

// ExecFailure types a failed start or exec. berth-runtime's library says
// why in an initproc.ExecError; other runtimes (runc, crun) and the C exec
// path only in words, read here and nowhere else.
func ExecFailure(err error) *ExecError {
	reason := ExecFailed
	var xe *initproc.ExecError
	if errors.As(err, &xe) {
		reason = ExecReason(xe.Reason)
	} else {
		msg := strings.ToLower(err.Error()) // crun: "No such file or directory"
		switch {
		case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
			reason = ExecNotFound
		case strings.Contains(msg, "permission denied"), strings.Contains(msg, "exec format error"):
			reason = ExecNotExecutable
		}
	}
	return &ExecError{Reason: reason, Err: fmt.Errorf("failed to create task for container: %w", err)}
}

// exitCode is the code the container's record keeps for a start that
// failed so, as Docker's daemon records it (the CLI's own mapping is
// cmd/berth's).
func (r ExecReason) ExitCode() int {
	switch r {
	case ExecNotFound:
		return 127
	case ExecNotExecutable:
		return 126
	}
	return 125
}

// StatusError carries the exit code a command should end with: Docker's 125
// for berth's own failures, else the container's own. A program that could
// not be run is an ExecError instead, which cmd/berth maps to 126 or 127.
type StatusError struct {
	Code int
	Err  error
}

func (s *StatusError) Error() string {
	if s.Err == nil {
		return fmt.Sprintf("exit status %d", s.Code)
	}
	return s.Err.Error()
}

func (s *StatusError) Unwrap() error { return s.Err }
