package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// TestRun: the bundle is the runtime's own default spec with the hostname,
// no terminal and the command asked for, over a busybox rootfs; a second
// run over the same directory starts from a fresh spec.
func TestRun(t *testing.T) {
	runtime, err := testutil.RuntimeBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name     string
		hostname string
		args     []string
		wantArgs []string // nil: the runtime's default
	}{
		{"command", "demo-1", []string{"/bin/echo", "hi"}, []string{"/bin/echo", "hi"}},
		{"again, default command", "demo-2", nil, nil},
	}
	var defaultArgs []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := run(runtime, tc.hostname, dir, tc.args); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			var s specs.Spec
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatalf("config.json: %v", err)
			}
			if s.Hostname != tc.hostname || s.Process == nil || s.Process.Terminal {
				t.Errorf("spec: hostname %q, process %+v; want hostname %q, no terminal", s.Hostname, s.Process, tc.hostname)
			}
			if tc.wantArgs != nil {
				if strings.Join(s.Process.Args, " ") != strings.Join(tc.wantArgs, " ") {
					t.Errorf("args = %q, want %q", s.Process.Args, tc.wantArgs)
				}
			} else if defaultArgs = s.Process.Args; len(defaultArgs) == 0 || defaultArgs[0] == "/bin/echo" {
				t.Errorf("args = %q, want the runtime's default spec's, not the last run's", defaultArgs)
			}
			if s.Root == nil || s.Root.Path != "rootfs" {
				t.Errorf("root = %+v, want rootfs", s.Root)
			}
			if fi, err := os.Stat(filepath.Join(dir, "rootfs", "bin", "sh")); err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("rootfs/bin/sh: %v, want busybox's shell", err)
			}
		})
	}
}

// TestRunFails: a runtime that cannot write the spec is reported by name,
// with its output.
func TestRunFails(t *testing.T) {
	dir := t.TempDir()
	err := run("/bin/false", "h", dir, nil)
	if err == nil || !strings.Contains(err.Error(), "/bin/false spec") {
		t.Fatalf("run with /bin/false = %v, want an error naming its spec step", err)
	}
	missing := filepath.Join(dir, "no-such-runtime")
	if err := run(missing, "h", dir, nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("run with a missing runtime = %v, want an error naming it", err)
	}
}
