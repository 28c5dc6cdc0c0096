package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ForEach applies fn to each named container as Docker's CLI does: the
// name is printed on success, the error on failure, and the command fails
// if any did (an error wrapped in NotCounted is printed only).
func ForEach(out io.Writer, refs []string, fn func(ref string) error) error {
	failed := 0
	for _, ref := range refs {
		if err := fn(ref); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %s\n", Message(err))
			var nc NotCounted
			if !errors.As(err, &nc) {
				failed++
			}
			continue
		}
		fmt.Fprintln(out, ref)
	}
	if failed > 0 {
		return ErrSilent
	}
	return nil
}

// NotCounted is an error ForEach prints without failing the command.
type NotCounted struct{ Err error }

func (n NotCounted) Error() string { return n.Err.Error() }

func (n NotCounted) Unwrap() error { return n.Err }

// ErrSilent fails a command whose errors were printed already.
var ErrSilent = errors.New("")
