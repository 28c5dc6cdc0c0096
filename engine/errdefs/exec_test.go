package errdefs

import (
	"errors"
	"fmt"
	"testing"

	"github.com/berth-containers/berth/runtime/initproc"
)

// TestExecFailure: berth-runtime's typed reason wins over the words; other
// runtimes' words are read as Docker reads them.
func TestExecFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want ExecReason
	}{
		{"typed not found", fmt.Errorf("create: %w", &initproc.ExecError{Reason: initproc.ReasonNotFound, Err: errors.New("exec: \"x\"")}), ExecNotFound},
		{"typed not executable", &initproc.ExecError{Reason: initproc.ReasonNotExecutable, Err: errors.New("no such file or directory")}, ExecNotExecutable},
		{"runc not found", errors.New(`exec: "x": executable file not found in $PATH`), ExecNotFound},
		{"crun not found", errors.New("executable file `x` not found: No such file or directory"), ExecNotFound},
		{"runc permission", errors.New(`exec: "/etc/passwd": permission denied`), ExecNotExecutable},
		{"format", errors.New("exec format error"), ExecNotExecutable},
		{"other", errors.New("cgroup: write memory.max: invalid argument"), ExecFailed},
	} {
		xe := ExecFailure(tc.err)
		if xe.Reason != tc.want || !errors.Is(xe, tc.err) {
			t.Errorf("%s: reason %q (wraps %v); want %q", tc.name, xe.Reason, errors.Is(xe, tc.err), tc.want)
		}
	}
}
