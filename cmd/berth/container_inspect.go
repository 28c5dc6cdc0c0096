package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/spf13/cobra"
)

func newInspectContainerCommand(g *globalOptions) *cobra.Command {
	var format, typ string
	var size bool
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
			if cmd.Parent().Name() == "container" {
				typ = "container"
			}
			var out []any
			var errs []error
			for _, ref := range a {
				obj, err := inspectObject(cmd.Context(), g, e, ref, typ, size)
				if _, usage := err.(usageError); usage {
					return err
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				out = append(out, obj)
			}
			return printInspect(cmd.OutOrStdout(), format, out, errs)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template")
	cmd.Flags().StringVar(&typ, "type", "", "only look for this type: container, image, network or volume")
	cmd.Flags().BoolVarP(&size, "size", "s", false, "display total file sizes if the type is container")
	return cmd
}

// printInspect writes what an inspect command found, as Docker does: each
// object through the --format template, or all of them as one indented JSON
// array; then it returns the errors of the names not found.
func printInspect[T any](w io.Writer, format string, out []T, errs []error) error {
	if format != "" && format != "json" {
		rows := make([]any, len(out))
		for i, o := range out {
			rows[i] = o
		}
		var buf bytes.Buffer
		err := renderTemplate(&buf, format, nil, rows)
		if _, usage := err.(usageError); err != nil && !usage {
			// As Docker's inspect: a template that fails on the Go value
			// (such as {{.Id}}, whose field is ID) runs again on the JSON,
			// whose keys are Docker's.
			buf.Reset()
			err = renderJSONValues(&buf, format, out)
		}
		if err != nil {
			return err
		}
		if _, err := buf.WriteTo(w); err != nil {
			return err
		}
		return errors.Join(errs...)
	}
	if out == nil {
		out = []T{}
	}
	// --format json is Docker's JSON inspector: the same array, on one line.
	data, err := json.MarshalIndent(out, "", "    ")
	if format == "json" {
		data, err = json.Marshal(out)
	}
	if err != nil {
		return fmt.Errorf("encode inspect output: %w", err)
	}
	fmt.Fprintln(w, string(data))
	return errors.Join(errs...)
}

// asJSONValue is v as it reads in inspect's JSON output: maps keyed by the
// JSON names, numbers kept as written.
func asJSONValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode inspect output: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode inspect output: %w", err)
	}
	return out, nil
}

// renderJSONValues runs format on each of out as its JSON reads, a missing
// key being an error as in Docker's fallback.
func renderJSONValues[T any](w io.Writer, format string, out []T) error {
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(templateFuncs).Option("missingkey=error").Parse(format)
	if err != nil {
		return usageError{fmt.Errorf("invalid --format template: %w", err)}
	}
	for _, o := range out {
		v, err := asJSONValue(o)
		if err != nil {
			return err
		}
		if err := tmpl.Execute(w, v); err != nil {
			return fmt.Errorf("format: %w", err)
		}
		fmt.Fprintln(w)
	}
	return nil
}
