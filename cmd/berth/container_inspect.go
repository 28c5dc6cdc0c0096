package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
)

func newInspectContainerCommand(g *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on containers (or images)",
		Long: `Show containers as Docker's JSON (State, Config, HostConfig, Mounts,
NetworkSettings). A name that is no container is looked up as an image.`,
		Example: `  berth inspect web
  berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' web`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			var out []any
			var errs []error
			for _, ref := range a {
				in, err := e.Inspect(ref)
				if err == nil {
					out = append(out, in)
					continue
				}
				if !engine.IsNotFound(err) || cmd.Parent().Name() == "container" {
					errs = append(errs, err)
					continue
				}
				svc, _ := g.images()
				img, ierr := svc.Get(cmd.Context(), ref)
				if ierr != nil {
					errs = append(errs, fmt.Errorf("no such object: %s", ref))
					continue
				}
				out = append(out, svc.Inspect(cmd.Context(), img))
			}
			return printInspect(cmd.OutOrStdout(), format, out, errs)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template")
	return cmd
}

// printInspect writes what an inspect command found, as Docker does: each
// object through the --format template, or all of them as one indented JSON
// array; then it returns the errors of the names not found.
func printInspect[T any](w io.Writer, format string, out []T, errs []error) error {
	if format != "" {
		rows := make([]any, len(out))
		for i, o := range out {
			rows[i] = o
		}
		if err := renderTemplate(w, format, nil, rows); err != nil {
			return err
		}
		return errors.Join(errs...)
	}
	if out == nil {
		out = []T{}
	}
	data, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return fmt.Errorf("encode inspect output: %w", err)
	}
	fmt.Fprintln(w, string(data))
	return errors.Join(errs...)
}
