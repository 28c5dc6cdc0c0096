package initreaper

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

const envChild = "BERTH_INITREAPER_TEST_CHILD"

// TestMain lets the test binary play berth-init: the reaper forwards and
// reaps for its whole process, so it runs in a child, not in the test.
func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"status", []string{"--", "/bin/sh", "-c", "exit 3"}, 3},
		{"no separator", []string{"/bin/sh", "-c", "exit 0"}, 0},
		{"signal", []string{"--", "/bin/sh", "-c", "kill -TERM $$"}, 128 + 15},
		{"orphan reaped", []string{"--", "/bin/sh", "-c", "(sleep 0.1 &) ; exit 5"}, 5},
		{"not found", []string{"--", "/nonexistent/cmd"}, 127},
		{"not executable", []string{"--", "/etc/passwd"}, 126},
		{"no command", []string{"--"}, 127},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tc.args...)
			cmd.Env = append(os.Environ(), envChild+"=1")
			err := cmd.Run()
			got := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				got = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("run: %v", err)
			}
			if got != tc.want {
				t.Errorf("exit code %d, want %d", got, tc.want)
			}
		})
	}
}
