package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// forEach applies fn to each named container as Docker's CLI does: the
// name is printed on success, the error on failure, and the command fails
// if any did (an error wrapped in notCounted is printed only).
func forEach(out io.Writer, refs []string, fn func(ref string) error) error {
	failed := 0
	for _, ref := range refs {
		if err := fn(ref); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %s\n", message(err))
			var nc notCounted
			if !errors.As(err, &nc) {
				failed++
			}
			continue
		}
		fmt.Fprintln(out, ref)
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

// notCounted is an error forEach prints without failing the command.
type notCounted struct{ error }

func (n notCounted) Unwrap() error { return n.error }

// errSilent fails a command whose errors were printed already.
var errSilent = errors.New("")
