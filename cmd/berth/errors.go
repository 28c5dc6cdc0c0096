package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/volume"
)

// Docker's CLI (20.10, checked side by side in test/compat) decides its
// exit code so, and berth follows it:
//
//	a flag it cannot parse                          125, "unknown flag: --x\nSee 'docker ps --help'."
//	run: anything that fails before the container   125, "docker: <error>.\nSee 'docker run --help'."
//	run: the command cannot be invoked / not found  126 / 127
//	everything else (wrong argument count, unknown  1,   "Error: <error>" (the daemon's
//	command, a missing object, a bad filter value)       errors as "Error response from daemon: ...")
//
// berth has no daemon, so its errors read "Error: ..." where Docker's say
// "Error response from daemon: ...".

// flagError is a flag that cobra could not parse (exit 125).
type flagError struct{ err error }

func (f flagError) Error() string { return f.err.Error() }
func (f flagError) Unwrap() error { return f.err }

// argsError is a wrong number of arguments (exit 1), printed as Docker's
// cli/required.go words it.
type argsError struct {
	cmd  *cobra.Command
	want string // "requires exactly 1 argument", "accepts no arguments"
}

func (a argsError) Error() string {
	return fmt.Sprintf("%q %s.\nSee '%s --help'.\n\nUsage:  %s\n\n%s",
		a.cmd.CommandPath(), a.want, a.cmd.CommandPath(), useLine(a.cmd), a.cmd.Short)
}

// useLine is the command's usage line without cobra's " [flags]".
func useLine(cmd *cobra.Command) string { return strings.TrimSuffix(cmd.UseLine(), " [flags]") }

// wantArgs words what check accepts as Docker does, found by trying it
// on 0 to probeArgs arguments: cobra's checks look only at the count.
func wantArgs(cmd *cobra.Command, check cobra.PositionalArgs) string {
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

// unknownCommandError is a command name that berth does not have (exit 1).
type unknownCommandError struct{ name string }

func (u unknownCommandError) Error() string {
	return fmt.Sprintf("berth: '%s' is not a berth command.\nSee 'berth --help'", u.name)
}

// objectNotFound is an inspect name that is neither a container nor an
// image.
type objectNotFound struct{ ref string }

func (o objectNotFound) Error() string { return "no such object: " + o.ref }

// noSuch is a missing object in Docker's words: "No such container: x".
func noSuch(err error) (string, bool) {
	var o objectNotFound
	var c *engine.NotFoundError
	var i *image.NotFoundError
	var n *network.NotFoundError
	var v *volume.NotFoundError
	switch {
	case errors.As(err, &o):
		return "No such object: " + o.ref, true
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

// withTag words a missing image as Docker's daemon does where it looks the
// name up with its tag (history, tag, create, run): name:latest when the
// name has no tag or digest.
func withTag(err error) error {
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

// message is err as the user reads it after "Error: "; each error of a
// joined one (inspect of several missing names) on a line of its own.
func message(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, message(e))
		}
		return strings.Join(lines, "\nError: ")
	}
	if m, ok := noSuch(err); ok {
		return m
	}
	// The engine's state errors are lower-case, as Go's are; Docker's
	// words are capitalised, and scripts match them.
	var st *engine.StateError
	if errors.As(err, &st) {
		return strings.Replace(err.Error(), st.Error(), st.Docker(), 1)
	}
	return err.Error()
}

// bare reports whether Docker's CLI prints err without "Error: ".
func bare(err error) bool {
	var st *engine.StateError
	var be bareError
	return errors.As(err, &be) || errors.As(err, &st) && st.Bare && err.Error() == st.Error()
}

// execExitCode is Docker's exit code for a container's program that did
// not run: 127 when it is not there, 126 when it cannot be invoked.
func execExitCode(xe *engine.ExecError) int {
	switch xe.Reason {
	case engine.ExecNotFound:
		return exitNotFound
	case engine.ExecNotExecutable:
		return exitCannotInvoke
	}
	return exitUsage
}

// bareError is one Docker's CLI prints as it is, without "Error: ".
type bareError struct{ error }

func (b bareError) Unwrap() error { return b.error }

// report prints err, which cmd returned, as Docker's CLI would and returns
// the exit code.
func report(w io.Writer, cmd *cobra.Command, err error) int {
	var se *engine.StatusError
	var xe *engine.ExecError
	var fe flagError
	var ae argsError
	var uc unknownCommandError
	var ue usageError
	var sig *engine.SignaledError
	isRun := cmd != nil && cmd.Name() == "run"
	switch {
	case errors.Is(err, errSilent):
		return exitError
	case errors.As(err, &sig):
		dieBy(sig.Signal)
	case errors.As(err, &fe):
		path := "berth"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(w, "%s\nSee '%s --help'.\n", fe.err, path)
		return exitUsage
	case errors.As(err, &ae):
		fmt.Fprintln(w, ae.Error())
		return exitError
	case errors.As(err, &uc):
		fmt.Fprintln(w, uc.Error())
		return exitError
	case errors.As(err, &se):
		if se.Err != nil {
			printError(w, cmd, se.Err, isRun, se.Code == exitUsage)
		}
		return se.Code
	case errors.As(err, &xe):
		code := execExitCode(xe)
		printError(w, cmd, xe, isRun, code == exitUsage)
		return code
	case isRun:
		printError(w, cmd, err, true, true)
		return exitUsage
	}
	printError(w, cmd, err, false, false)
	// create's option checks are where Docker's flag parser has them
	// (125); what Docker's daemon finds (a missing image or network, a
	// name in use) exits 1.
	if cmd != nil && cmd.Name() == "create" && (errors.As(err, &ue) || !daemonSide(err)) {
		return exitUsage
	}
	return exitError
}

// daemonSide reports whether create failed where Docker's daemon, not its
// CLI, would have found the fault.
func daemonSide(err error) bool {
	_, missing := noSuch(err)
	return missing || errors.Is(err, engine.ErrNameInUse) || errors.Is(err, network.ErrNotFound) || errors.Is(err, engine.ErrHealthcheck)
}

// printError prints one error: run's as Docker's run does ("berth: Error:
// ...." and, for its own failures, where to read the usage).
func printError(w io.Writer, cmd *cobra.Command, err error, isRun, seeHelp bool) {
	if !isRun {
		prefix := "Error: "
		if bare(err) {
			prefix = ""
		}
		fmt.Fprintf(w, "%s%s\n", prefix, message(err))
		return
	}
	prefix := "Error: "
	if be := (bareError{}); errors.As(err, &be) {
		prefix = "" // the CLI's own check: "docker: <error>."
	}
	fmt.Fprintf(w, "berth: %s%s.\n", prefix, strings.TrimSuffix(message(err), "."))
	if seeHelp {
		fmt.Fprintf(w, "See '%s --help'.\n", cmd.CommandPath())
	}
}

// groupUsage is what a command group (container, image, network, ...)
// prints when it is called without a command or with one it lacks: its
// usage on stderr, as Docker's; exit 0 without a command, 1 with a wrong one.
func groupUsage(cmd *cobra.Command, a []string) error {
	if err := groupUsageTemplate.Execute(cmd.ErrOrStderr(), cmd); err != nil {
		return err
	}
	if len(a) > 0 {
		return errSilent
	}
	return nil
}

var groupUsageTemplate = template.Must(template.New("group").Funcs(template.FuncMap{
	"pad": func(s string, n int) string { return fmt.Sprintf("%-*s", n, s) },
}).Parse(`
Usage:  {{.CommandPath}} COMMAND

{{.Short}}

Commands:
{{- range .Commands}}{{if .IsAvailableCommand}}
  {{pad .Name 11}} {{.Short}}{{end}}{{end}}

Run '{{.CommandPath}} COMMAND --help' for more information on a command.
`))

// dockerGroups makes every command group behave as Docker's: usage on
// stderr, and an unknown command an error (cobra prints help and exits 0).
func dockerGroups(root *cobra.Command) {
	root.Args = cobra.ArbitraryArgs
	root.RunE = func(cmd *cobra.Command, a []string) error {
		if len(a) > 0 {
			return unknownCommandError{a[0]}
		}
		return cmd.Help()
	}
	for _, c := range root.Commands() {
		if c.HasSubCommands() {
			c.Args, c.RunE = cobra.ArbitraryArgs, groupUsage
		}
	}
}
