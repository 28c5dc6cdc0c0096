package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/network"
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

// unknownCommandError is a command name that berth does not have (exit 1).
type unknownCommandError struct{ name string }

func (u unknownCommandError) Error() string {
	return fmt.Sprintf("berth: '%s' is not a berth command.\nSee 'berth --help'", u.name)
}

// execExitCode is Docker's exit code for a container's program that did
// not run: 127 when it is not there, 126 when it cannot be invoked.
func execExitCode(xe *errdefs.ExecError) int {
	switch xe.Reason {
	case errdefs.ExecNotFound:
		return cli.ExitNotFound
	case errdefs.ExecNotExecutable:
		return cli.ExitCannotInvoke
	}
	return cli.ExitUsage
}

// report prints err, which cmd returned, as Docker's CLI would and returns
// the exit code.
func report(w io.Writer, cmd *cobra.Command, err error) int {
	var se *errdefs.StatusError
	var xe *errdefs.ExecError
	var fe cli.FlagError
	var ae cli.ArgsError
	var uc unknownCommandError
	var ue cli.UsageError
	var sig *engine.SignaledError
	isRun := cmd != nil && cmd.Name() == "run"
	switch {
	case errors.Is(err, cli.ErrSilent):
		return cli.ExitError
	case errors.As(err, &sig):
		dieBy(sig.Signal)
	case errors.As(err, &fe):
		path := "berth"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(w, "%s\nSee '%s --help'.\n", fe.Err, path)
		return cli.ExitUsage
	case errors.As(err, &ae):
		fmt.Fprintln(w, ae.Error())
		return cli.ExitError
	case errors.As(err, &uc):
		fmt.Fprintln(w, uc.Error())
		return cli.ExitError
	case errors.As(err, &se):
		if se.Err != nil {
			printError(w, cmd, se.Err, isRun, se.Code == cli.ExitUsage)
		}
		return se.Code
	case errors.As(err, &xe):
		code := execExitCode(xe)
		printError(w, cmd, xe, isRun, code == cli.ExitUsage)
		return code
	case isRun:
		printError(w, cmd, err, true, true)
		return cli.ExitUsage
	}
	printError(w, cmd, err, false, false)
	// create's option checks are where Docker's flag parser has them
	// (125); what Docker's daemon finds (a missing image or network, a
	// name in use) exits 1.
	if cmd != nil && cmd.Name() == "create" && (errors.As(err, &ue) || !daemonSide(err)) {
		return cli.ExitUsage
	}
	return cli.ExitError
}

// daemonSide reports whether create failed where Docker's daemon, not its
// CLI, would have found the fault.
func daemonSide(err error) bool {
	_, missing := cli.NoSuch(err)
	return missing || errors.Is(err, store.ErrNameInUse) || errors.Is(err, network.ErrNotFound) || errors.Is(err, health.ErrInvalid)
}

// printError prints one error: run's as Docker's run does ("berth: Error:
// ...." and, for its own failures, where to read the usage).
func printError(w io.Writer, cmd *cobra.Command, err error, isRun, seeHelp bool) {
	if !isRun {
		prefix := "Error: "
		if cli.Bare(err) {
			prefix = ""
		}
		fmt.Fprintf(w, "%s%s\n", prefix, cli.Message(err))
		return
	}
	prefix := "Error: "
	if be := (cli.BareError{}); errors.As(err, &be) {
		prefix = "" // the CLI's own check: "docker: <error>."
	}
	fmt.Fprintf(w, "berth: %s%s.\n", prefix, strings.TrimSuffix(cli.Message(err), "."))
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
		return cli.ErrSilent
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
