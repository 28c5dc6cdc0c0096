package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/berth-containers/berth/engine/monitor"
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
		xe := execFailure(tc.err)
		if xe.Reason != tc.want || !errors.Is(xe, tc.err) {
			t.Errorf("%s: reason %q (wraps %v); want %q", tc.name, xe.Reason, errors.Is(xe, tc.err), tc.want)
		}
	}
}

// TestMonitorReportKeepsReason: the reason survives the report's JSON
// from the monitor to the starting process.
func TestMonitorReportKeepsReason(t *testing.T) {
	var xe *ExecError
	if err := reportErr(monitor.Report{Error: "x", Code: 127, Reason: string(ExecNotFound)}); !errors.As(err, &xe) || xe.Reason != ExecNotFound {
		t.Errorf("report with a reason: %#v", err)
	}
	var se *StatusError
	if err := reportErr(monitor.Report{Error: "x", Code: 125}); !errors.As(err, &se) || se.Code != 125 {
		t.Errorf("report without a reason: %#v", err)
	}
}
