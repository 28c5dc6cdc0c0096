package health

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/engine/record"
)

// TestRun: a probe's result is the test's exit code and output (cut as
// Docker's), -1 with the reason when it could not run or timed out.
func TestRun(t *testing.T) {
	long := strings.Repeat("x", healthOutputMax+10)
	for _, tc := range []struct {
		name   string
		code   int
		out    string
		err    error
		want   int
		output string
	}{
		{"healthy", 0, "ok\n", nil, 0, "ok\n"},
		{"failing", 1, "refused\n", nil, 1, "refused\n"},
		{"long output", 0, long, nil, 0, long[:healthOutputMax] + "..."},
		{"timeout", -1, "partial", fmt.Errorf("exec: %w", ErrTimeout), -1, "Health check exceeded timeout (2s)"},
		{"not run", -1, "", errors.New("exec: no such file"), -1, "exec: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var argv []string
			var timeout time.Duration
			p := &Prober{Exec: func(c *record.Container, a []string, to time.Duration, out io.Writer) (int, error) {
				argv, timeout = a, to
				_, _ = io.WriteString(out, tc.out)
				return tc.code, tc.err
			}}
			hc := &record.HealthConfig{Test: []string{"CMD", "true"}, Timeout: 2 * time.Second}
			r := p.Run(&record.Container{ID: "abc"}, hc)
			if r.ExitCode != tc.want || r.Output != tc.output {
				t.Errorf("got %d %q, want %d %q", r.ExitCode, r.Output, tc.want, tc.output)
			}
			if len(argv) != 1 || argv[0] != "true" || timeout != 2*time.Second {
				t.Errorf("exec %q with timeout %v", argv, timeout)
			}
			if r.End.Before(r.Start) {
				t.Errorf("ends %v before it starts %v", r.End, r.Start)
			}
		})
	}
}
