package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
)

// TestFailWith: a command's failure carries the code main exits with; an
// exitError (the container's own status) passes through untouched.
func TestFailWith(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int // 0: no codedError
		wantExit int // 0: no exitError
	}{
		{"success", nil, 0, 0},
		{"failure", errors.New("load: no such container"), 255, 0},
		{"container's status", exitError{code: 3}, 0, 3},
		{"wrapped status", errors.Join(errors.New("run"), exitError{code: 7}), 0, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := failWith(255, func(*cobra.Command, []string) error { return tc.err })
			err := run(nil, nil)
			if (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want an error: %v", err, tc.err != nil)
			}
			var ce codedError
			if got := errors.As(err, &ce); got != (tc.wantCode != 0) || got && ce.code != tc.wantCode {
				t.Errorf("codedError = %v (%+v), want code %d", got, ce, tc.wantCode)
			}
			if tc.wantCode != 0 && (err.Error() != tc.err.Error() || !errors.Is(err, tc.err)) {
				t.Errorf("err = %q, want it to be and read as %q", err, tc.err)
			}
			var ee exitError
			if got := errors.As(err, &ee); got != (tc.wantExit != 0) || got && ee.code != tc.wantExit {
				t.Errorf("exitError = %v (%+v), want code %d", got, ee, tc.wantExit)
			}
		})
	}
}

// TestResourcesFromFlags: update's flags become linux.resources as runc's
// do; flags not given stay nil (left alone) and bad values are refused.
func TestResourcesFromFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    string // resources as JSON
		wantErr string // a substring of the error
	}{
		{nil, `{}`, ""},
		{[]string{"--memory", "256m", "--pids-limit", "100"}, `{"memory":{"limit":268435456},"pids":{"limit":100}}`, ""},
		{[]string{"--memory-swap", "-1"}, `{"memory":{"swap":-1}}`, ""},
		{[]string{"--cpu-quota", "-1", "--cpu-period", "100000", "--cpuset-cpus", "0-1"}, `{"cpu":{"quota":-1,"period":100000,"cpus":"0-1"}}`, ""},
		{[]string{"--blkio-weight", "500"}, `{"blockIO":{"weight":500}}`, ""},
		{[]string{"--blkio-weight", "5"}, "", "between 10 and 1000"},
		{[]string{"--cpu-period", "-5"}, "", `--cpu-period "-5": want a non-negative number`},
		{[]string{"--memory", "lots"}, "", "--memory"},
		{[]string{"--l3-cache-schema", "L3:0=f"}, "", "Intel RDT is not supported"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := newUpdateCommand().Flags()
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			r, err := resourcesFromFlags(fs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("resources = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCreateOptions: create's flags and systemd's LISTEN_FDS become the
// container's options.
func TestCreateOptions(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		listenFDs  string
		wantPass   int
		wantListen int
		wantErr    bool
	}{
		{"defaults", nil, "", 0, 0, false},
		{"preserve", []string{"--preserve-fds", "2"}, "", 2, 0, false},
		{"socket activation", []string{"--preserve-fds", "1"}, "3", 4, 3, false},
		{"LISTEN_FDS not a number", nil, "x", 0, 0, false},
		{"negative", []string{"--preserve-fds", "-1"}, "", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("LISTEN_FDS", tc.listenFDs)
			var f createFlags
			cmd := &cobra.Command{}
			f.register(cmd.Flags())
			if err := cmd.Flags().Parse(append([]string{"-b", "/bundle"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			opts, err := f.options()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if opts.Bundle != "/bundle" || opts.PassFDs != tc.wantPass || opts.ListenFDs != tc.wantListen {
				t.Errorf("options = bundle %q, pass %d, listen %d; want /bundle, %d, %d",
					opts.Bundle, opts.PassFDs, opts.ListenFDs, tc.wantPass, tc.wantListen)
			}
		})
	}
}

// TestVersionLines: -v prints runc's lines, and the spec line is the
// runtime-spec this binary was built against.
func TestVersionLines(t *testing.T) {
	saved := gitCommit
	t.Cleanup(func() { gitCommit = saved })
	gitCommit = "abc1234"
	lines := strings.Split(version(), "\n")
	want := []string{"commit: abc1234", "spec: " + specs.Version, "go: go", "libseccomp: "}
	if len(lines) != 1+len(want) {
		t.Fatalf("version lines %q, want the version then %q", lines, want)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i+1], w) {
			t.Errorf("version line %d is %q, want it to begin %q", i+1, lines[i+1], w)
		}
	}
}
