package initproc

import (
	"errors"
	"testing"
)

// TestLookPathReason: the failures Docker maps to 127 and 126 carry their
// reason; what the parent reads back is the same error.
func TestLookPathReason(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, want string }{
		{dir + "/missing", ReasonNotFound},
		{"no-such-program", ReasonNotFound},
		{dir, ReasonNotExecutable},
		{"/etc/passwd", ReasonNotExecutable},
	} {
		_, err := lookPath(tc.name, []string{"PATH=" + dir})
		if got := reasonOf(err); got != tc.want {
			t.Errorf("%s: reason %q (%v); want %q", tc.name, got, err, tc.want)
		}
		var xe *ExecError
		back := MessageError(Message{Type: MsgError, Error: err.Error(), Reason: reasonOf(err)})
		if !errors.As(back, &xe) || xe.Reason != tc.want || back.Error() != err.Error() {
			t.Errorf("%s: read back as %#v", tc.name, back)
		}
	}
	if reasonOf(errors.New("mount: invalid argument")) != "" {
		t.Error("an unrelated error has a reason")
	}
}
