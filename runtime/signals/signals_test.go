package signals

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want unix.Signal
		ok   bool
	}{
		{"9", unix.SIGKILL, true},
		{"KILL", unix.SIGKILL, true},
		{"sigterm", unix.SIGTERM, true},
		{"SIGUSR1", unix.SIGUSR1, true},
		{"hup", unix.SIGHUP, true},
		{"0", 0, false},
		{"65", 0, false},
		{"NOPE", 0, false},
		{"", 0, false},
	} {
		got, err := Parse(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
