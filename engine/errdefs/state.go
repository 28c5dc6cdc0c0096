// Package errdefs is the engine's typed errors: what cmd/berth and the API
// map to exit codes and HTTP statuses with errors.As instead of reading
// error text. A container's state refusing an operation (StateError), a
// program that did not run (ExecError, 126/127), an exit code to end with
// (StatusError).
package errdefs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// StateError is an operation the container's state refuses (not running,
// paused, stopped). Error is lower-case, as Go's errors are; Docker prints
// the same words capitalised ("Container abc is not running"), and scripts
// grep for them, so the CLI prints Docker instead.
type StateError struct {
	// Op is the context Docker puts before the message, as in "cannot kill
	// container: c1", or empty.
	Op string
	// Msg is the message proper, starting with its first word lower-case:
	// "container abc is not running".
	Msg string
	// Bare is set where Docker's CLI prints the message without its
	// "Error: " prefix (attach to a stopped container).
	Bare bool
}

// NewStateError is a StateError of op and msg.
func NewStateError(op, msg string) *StateError { return &StateError{Op: op, Msg: msg} }

func (e *StateError) Error() string {
	if e.Op == "" {
		return e.Msg
	}
	return e.Op + ": " + e.Msg
}

// Docker is the message in Docker's words: each part capitalised.
func (e *StateError) Docker() string {
	if e.Op == "" {
		return capitalise(e.Msg)
	}
	return capitalise(e.Op) + ": " + capitalise(e.Msg)
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.WriteRune(unicode.ToUpper(r))
	b.WriteString(s[n:])
	return b.String()
}
