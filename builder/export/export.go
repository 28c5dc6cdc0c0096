// Package export is where a build's --output goes, in BuildKit's terms:
// the exporter (local, tar, oci) and its destination, parsed from the
// flag, and the file a tar or OCI archive is written to whole or not at
// all.
package export

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Output is --output: where the result goes besides the image store.
// BuildKit's exporters: local writes the files of the target stage to a
// directory, tar writes them as a tar, oci writes an OCI image layout tar.
type Output struct {
	Type string // local, tar, oci
	Dest string // a directory (local), a file or "-" for Stdout (tar, oci)
	// Stdout takes a tar or oci output with Dest "-".
	Stdout io.Writer
}

// Parse reads --output as BuildKit does: "type=local,dest=DIR",
// "type=tar,dest=FILE", "type=oci,dest=FILE", or a lone DIR for
// type=local ("-" alone is a tar on stdout).
func Parse(s string) (*Output, error) {
	if !strings.Contains(s, "=") {
		if s == "-" {
			return &Output{Type: "tar", Dest: "-"}, nil
		}
		return &Output{Type: "local", Dest: s}, nil
	}
	o := &Output{}
	for _, f := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid --output %q: %q is not key=value", s, f)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "type":
			o.Type = v
		case "dest":
			o.Dest = v
		default:
			return nil, fmt.Errorf("invalid --output %q: berth build takes type and dest, not %s", s, k)
		}
	}
	switch o.Type {
	case "local", "tar", "oci":
	case "":
		return nil, fmt.Errorf("invalid --output %q: type is missing (local, tar or oci)", s)
	default:
		return nil, fmt.Errorf("invalid --output %q: type %s is not supported (local, tar or oci)", s, o.Type)
	}
	if o.Dest == "" {
		return nil, fmt.Errorf("invalid --output %q: dest is missing", s)
	}
	if o.Type == "local" && o.Dest == "-" {
		return nil, fmt.Errorf("invalid --output %q: a local output needs a directory", s)
	}
	return o, nil
}

// Write gives fn the output's file (a temp file renamed into place,
// so a failed build leaves no half-written archive) or stdout.
func (o *Output) Write(fn func(io.Writer) error) error {
	if o.Dest == "-" {
		if o.Stdout == nil {
			return fmt.Errorf("no stdout for dest=-")
		}
		return fn(o.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.Dest), "."+filepath.Base(o.Dest)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), o.Dest)
}
