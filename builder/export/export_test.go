package export

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, typ, dest, err string
	}{
		{"out", "local", "out", ""},
		{"-", "tar", "-", ""},
		{"type=local,dest=d", "local", "d", ""},
		{"type=tar,dest=f.tar", "tar", "f.tar", ""},
		{"type=oci,dest=-", "oci", "-", ""},
		{"type=registry,dest=x", "", "", "not supported"},
		{"type=tar", "", "", "dest is missing"},
		{"dest=x", "", "", "type is missing"},
		{"type=local,dest=-", "", "", "needs a directory"},
		{"type=tar,dest=x,compression=gzip", "", "", "not compression"},
		{"type=tar,oops", "", "", "not key=value"},
	} {
		o, err := Parse(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || o.Type != c.typ || o.Dest != c.dest {
			t.Errorf("%q: %+v, %v; want %s %s", c.in, o, err, c.typ, c.dest)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.tar")
	o := &Output{Type: "tar", Dest: p}
	if err := o.Write(func(w io.Writer) error { _, err := w.Write([]byte("ok")); return err }); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "ok" {
		t.Errorf("wrote %q", data)
	}
	// A failed write leaves the old file and no temp file.
	if err := o.Write(func(w io.Writer) error { w.Write([]byte("half")); return errors.New("boom") }); err == nil {
		t.Error("a failed write succeeded")
	}
	if data, _ := os.ReadFile(p); string(data) != "ok" {
		t.Errorf("after a failed write: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left: %v", entries)
	}
	var buf bytes.Buffer
	o = &Output{Type: "tar", Dest: "-", Stdout: &buf}
	if err := o.Write(func(w io.Writer) error { _, err := w.Write([]byte("s")); return err }); err != nil || buf.String() != "s" {
		t.Errorf("stdout: %q, %v", buf.String(), err)
	}
}
