package phases

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestMark: with debug on, each mark is one line naming the command and
// the step with the time since the mark before; with it off, or on a nil
// Timer, nothing is logged.
func TestMark(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		nilT  bool
		want  []string // a substring per line logged
	}{
		{"debug", slog.LevelDebug, false, []string{"msg=create step=load took=", "msg=create step=start took="}},
		{"info", slog.LevelInfo, false, nil},
		{"nil timer", slog.LevelDebug, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			old := slog.Default()
			slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level})))
			t.Cleanup(func() { slog.SetDefault(old) })
			var tm *Timer
			if !tc.nilT {
				tm = New("create")
			}
			tm.Mark("load")
			time.Sleep(2 * time.Millisecond) // a step that takes time, not synchronisation
			tm.Mark("start")
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if buf.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(tc.want) {
				t.Fatalf("logged %q, want %d line(s)", lines, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d = %q, want %q", i, lines[i], w)
				}
			}
			if len(lines) == 2 {
				// the second step's time is its own, not since New
				took := lines[1][strings.Index(lines[1], "took=")+5:]
				d, err := time.ParseDuration(took)
				if err != nil || d < 2*time.Millisecond {
					t.Errorf("start took %q (%v), want at least the 2ms it slept", took, err)
				}
			}
		})
	}
}
