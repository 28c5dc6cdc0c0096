package main

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/volume"
)

func TestWantArgs(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	for _, tc := range []struct {
		check cobra.PositionalArgs
		want  string
	}{
		{cobra.NoArgs, "accepts no arguments"},
		{cobra.ExactArgs(1), "requires exactly 1 argument"},
		{cobra.ExactArgs(2), "requires exactly 2 arguments"},
		{cobra.MinimumNArgs(1), "requires at least 1 argument"},
		{cobra.MaximumNArgs(1), "requires at most 1 argument"},
		{cobra.RangeArgs(1, 2), "requires at least 1 and at most 2 arguments"},
	} {
		if got := cli.WantArgs(cmd, tc.check); got != tc.want {
			t.Errorf("wantArgs = %q, want %q", got, tc.want)
		}
	}
}

// TestReport pins Docker 20.10's exit codes and wording (test/compat
// compares them with a real dockerd).
func TestReport(t *testing.T) {
	root := &cobra.Command{Use: "berth"}
	run := &cobra.Command{Use: "run", Short: "Run"}
	create := &cobra.Command{Use: "create"}
	ps := &cobra.Command{Use: "ps"}
	root.AddCommand(run, create, ps)
	for _, tc := range []struct {
		name string
		cmd  *cobra.Command
		err  error
		code int
		out  string
	}{
		{"flag", ps, cli.FlagError{Err: errors.New("unknown flag: --x")}, 125, "unknown flag: --x\nSee 'berth ps --help'.\n"},
		{"unknown command", root, unknownCommandError{"x"}, 1, "berth: 'x' is not a berth command.\nSee 'berth --help'\n"},
		{"container", ps, fmt.Errorf("stop: %w", &store.NotFoundError{Ref: "c"}), 1, "Error: No such container: c\n"},
		{"image", ps, &image.NotFoundError{Ref: "i"}, 1, "Error: No such image: i\n"},
		{"network", ps, &network.NotFoundError{Ref: "n"}, 1, "Error: No such network: n\n"},
		{"volume", ps, &volume.NotFoundError{Name: "v"}, 1, "Error: No such volume: v\n"},
		{"object", ps, cli.ObjectNotFound{Ref: "o"}, 1, "Error: No such object: o\n"},
		{"joined", ps, errors.Join(&volume.NotFoundError{Name: "a"}, &volume.NotFoundError{Name: "b"}), 1,
			"Error: No such volume: a\nError: No such volume: b\n"},
		{"bad value", ps, cli.UsageError{Err: errors.New("invalid filter 'x'")}, 1, "Error: invalid filter 'x'\n"},
		{"create option", create, cli.UsageError{Err: errors.New("bad -m")}, 125, "Error: bad -m\n"},
		{"create missing image", create, &image.NotFoundError{Ref: "i"}, 1, "Error: No such image: i\n"},
		{"create name in use", create, fmt.Errorf("conflict: %w", store.ErrNameInUse), 1, "Error: conflict: name already in use\n"},
		{"create bad env", create, errors.New("invalid environment variable: =bad"), 125, "Error: invalid environment variable: =bad\n"},
		{"run", run, &image.NotFoundError{Ref: "i"}, 125, "berth: Error: No such image: i.\nSee 'berth run --help'.\n"},
		{"run 127", run, &errdefs.ExecError{Reason: errdefs.ExecNotFound, Err: errors.New("exec: \"x\": executable file not found in $PATH")}, 127,
			"berth: Error: exec: \"x\": executable file not found in $PATH.\n"},
		{"run 126", run, &errdefs.ExecError{Reason: errdefs.ExecNotExecutable, Err: errors.New("exec: \"/etc\": permission denied")}, 126,
			"berth: Error: exec: \"/etc\": permission denied.\n"},
		{"run other start failure", run, &errdefs.ExecError{Err: errors.New("cgroup: no such controller")}, 125,
			"berth: Error: cgroup: no such controller.\nSee 'berth run --help'.\n"},
		{"container code", run, &errdefs.StatusError{Code: 3}, 3, ""},
		{"silent", ps, cli.ErrSilent, 1, ""},
		{"tagged", ps, cli.WithTag(&image.NotFoundError{Ref: "127.0.0.1:5000/a"}), 1, "Error: No such image: 127.0.0.1:5000/a:latest\n"},
		{"has tag", ps, cli.WithTag(&image.NotFoundError{Ref: "a:1"}), 1, "Error: No such image: a:1\n"},
	} {
		var w bytes.Buffer
		if code := report(&w, tc.cmd, tc.err); code != tc.code || w.String() != tc.out {
			t.Errorf("%s: exit %d, %q; want %d, %q", tc.name, code, w.String(), tc.code, tc.out)
		}
	}
}
