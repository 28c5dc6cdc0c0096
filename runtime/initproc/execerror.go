package initproc

import "errors"

// Why the user's program could not be run: the reason rides the error
// message to the parent, so the engine maps it to Docker's 127 or 126
// without reading the words.
const (
	ReasonNotFound      = "not-found"      // no such file, or not in PATH
	ReasonNotExecutable = "not-executable" // a directory, or no execute bit
)

// ExecError is a failure to find or invoke the user's program.
type ExecError struct {
	Reason string // ReasonNotFound or ReasonNotExecutable
	Err    error
}

func (e *ExecError) Error() string { return e.Err.Error() }
func (e *ExecError) Unwrap() error { return e.Err }

// reasonOf is err's ExecError reason, or "" when err is no such failure.
func reasonOf(err error) string {
	var xe *ExecError
	if errors.As(err, &xe) {
		return xe.Reason
	}
	return ""
}

// MessageError is the error a parent reads in an error message.
func MessageError(m Message) error {
	if m.Reason != "" {
		return &ExecError{Reason: m.Reason, Err: errors.New(m.Error)}
	}
	return errors.New(m.Error)
}
