package kfile

import (
	"strings"
	"testing"
)

func TestOpenProc(t *testing.T) {
	for _, tc := range []struct {
		path, err string
	}{
		{"/proc", ""},
		{"/proc/sys", "not the root of a procfs"},
		{"/sys", "not on procfs"},
		{"/proc/self/fd/0", "open procfs"},
	} {
		p, err := OpenProc(tc.path)
		if tc.err == "" {
			if err != nil {
				t.Errorf("OpenProc(%s): %v", tc.path, err)
				continue
			}
			p.Close()
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("OpenProc(%s) = %v, want an error with %q", tc.path, err, tc.err)
		}
		if p != nil {
			p.Close()
		}
	}
}

func TestProcWriteRefusesEscapes(t *testing.T) {
	p, err := OpenProc("/proc")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, rel := range []string{"../etc/hostname", "self/fd/1", "self/cwd/x"} {
		if err := p.Write(rel, []byte("x")); err == nil {
			t.Errorf("Write(%s) succeeded", rel)
		}
	}
}
