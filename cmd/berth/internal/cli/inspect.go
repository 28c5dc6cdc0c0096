package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
)

// InspectEach looks up each ref with get and prints what it found as
// PrintInspect does: the names not found are reported after the others
// are printed, as Docker's inspect does, while a usage error (a bad --type)
// ends the command at once.
func InspectEach(w io.Writer, format string, refs []string, get func(ref string) (any, error)) error {
	var out []any
	var errs []error
	for _, ref := range refs {
		obj, err := get(ref)
		if _, usage := err.(UsageError); usage {
			return err
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, obj)
	}
	return PrintInspect(w, format, out, errs)
}

// PrintInspect writes what an inspect command found, as Docker does: each
// object through the --format template, or all of them as one indented JSON
// array; then it returns the errors of the names not found.
func PrintInspect[T any](w io.Writer, format string, out []T, errs []error) error {
	if format != "" && format != "json" {
		rows := make([]any, len(out))
		for i, o := range out {
			rows[i] = o
		}
		var buf bytes.Buffer
		err := RenderTemplate(&buf, format, nil, rows)
		if _, usage := err.(UsageError); err != nil && !usage {
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
	tmpl, err := template.New("format").Funcs(TemplateFuncs).Option("missingkey=error").Parse(format)
	if err != nil {
		return UsageError{Err: fmt.Errorf("invalid --format template: %w", err)}
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
