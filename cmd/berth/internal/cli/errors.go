package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/volume"
)

// FlagError is a flag that cobra could not parse (exit 125).
type FlagError struct{ Err error }

func (f FlagError) Error() string { return f.Err.Error() }

func (f FlagError) Unwrap() error { return f.Err }

// ArgsError is a wrong number of arguments (exit 1), printed as Docker's
// cli/required.go words it.
type ArgsError struct {
	cmd  *cobra.Command
	want string // "requires exactly 1 argument", "accepts no arguments"
}

func (a ArgsError) Error() string {
	return fmt.Sprintf("%q %s.\nSee '%s --help'.\n\nUsage:  %s\n\n%s",
		a.cmd.CommandPath(), a.want, a.cmd.CommandPath(), useLine(a.cmd), a.cmd.Short)
}

// useLine is the command's usage line without cobra's " [flags]".
func useLine(cmd *cobra.Command) string { return strings.TrimSuffix(cmd.UseLine(), " [flags]") }

// WantArgs words what check accepts as Docker does, found by trying it
// on 0 to probeArgs arguments: cobra's checks look only at the count.
func WantArgs(cmd *cobra.Command, check cobra.PositionalArgs) string {
	const probeArgs = 8
	lo, hi := -1, -1
	for n := 0; n <= probeArgs; n++ {
		if check(cmd, make([]string, n)) == nil {
			if lo < 0 {
				lo = n
			}
			hi = n
		}
	}
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return fmt.Sprintf("%d arguments", n)
	}
	switch {
	case hi == 0:
		return "accepts no arguments"
	case lo == hi:
		return "requires exactly " + plural(lo)
	case hi == probeArgs:
		return "requires at least " + plural(lo)
	case lo == 0:
		return "requires at most " + plural(hi)
	}
	return fmt.Sprintf("requires at least %d and at most %s", lo, plural(hi))
}

// ObjectNotFound is an inspect name that is neither a container nor an
// image.
type ObjectNotFound struct{ Ref string }

func (o ObjectNotFound) Error() string { return "no such object: " + o.Ref }

// NoSuch is a missing object in Docker's words: "No such container: x".
func NoSuch(err error) (string, bool) {
	var o ObjectNotFound
	var c *store.NotFoundError
	var i *image.NotFoundError
	var n *network.NotFoundError
	var v *volume.NotFoundError
	switch {
	case errors.As(err, &o):
		return "No such object: " + o.Ref, true
	case errors.As(err, &c):
		return "No such container: " + c.Ref, true
	case errors.As(err, &i):
		return "No such image: " + i.Ref, true
	case errors.As(err, &n):
		return "No such network: " + n.Ref, true
	case errors.As(err, &v):
		return "No such volume: " + v.Name, true
	}
	return "", false
}

// WithTag words a missing image as Docker's daemon does where it looks the
// name up with its tag (history, tag, create, run): name:latest when the
// name has no tag or digest.
func WithTag(err error) error {
	var i *image.NotFoundError
	if !errors.As(err, &i) {
		return err
	}
	last := i.Ref[strings.LastIndexByte(i.Ref, '/')+1:]
	if strings.ContainsAny(last, ":@") {
		return err
	}
	return &image.NotFoundError{Ref: i.Ref + ":latest"}
}

// Message is err as the user reads it after "Error: "; each error of a
// joined one (inspect of several missing names) on a line of its own.
func Message(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, Message(e))
		}
		return strings.Join(lines, "\nError: ")
	}
	if m, ok := NoSuch(err); ok {
		return m
	}
	// The engine's state errors are lower-case, as Go's are; Docker's
	// words are capitalised, and scripts match them.
	var st *errdefs.StateError
	if errors.As(err, &st) {
		return strings.Replace(err.Error(), st.Error(), st.Docker(), 1)
	}
	return err.Error()
}

// Bare reports whether Docker's CLI prints err without "Error: ".
func Bare(err error) bool {
	var st *errdefs.StateError
	var be BareError
	return errors.As(err, &be) || errors.As(err, &st) && st.Bare && err.Error() == st.Error()
}

// BareError is one Docker's CLI prints as it is, without "Error: ".
type BareError struct{ Err error }

func (b BareError) Error() string { return b.Err.Error() }

func (b BareError) Unwrap() error { return b.Err }

// Exit codes, as Docker's CLI.
const (
	ExitError        = 1
	ExitUsage        = 125
	ExitCannotInvoke = 126
	ExitNotFound     = 127
)

// UsageError marks a bad option value (exit 125 for run and create, whose
// options Docker's flag parser checks; 1 elsewhere, as Docker's).
type UsageError struct{ Err error }

func (u UsageError) Error() string { return u.Err.Error() }

func (u UsageError) Unwrap() error { return u.Err }

// Args wraps a cobra argument check so a wrong count fails as Docker's:
// exit 1, its wording and the usage.
func Args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return ArgsError{cmd: cmd, want: WantArgs(cmd, check)}
		}
		return nil
	}
}
