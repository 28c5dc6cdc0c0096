package runner

import (
	"errors"
	"testing"

	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/monitor"
)

// TestMonitorReportKeepsReason: the reason survives the report's JSON
// from the monitor to the starting process.
func TestMonitorReportKeepsReason(t *testing.T) {
	var xe *errdefs.ExecError
	if err := reportErr(monitor.Report{Error: "x", Code: 127, Reason: string(errdefs.ExecNotFound)}); !errors.As(err, &xe) || xe.Reason != errdefs.ExecNotFound {
		t.Errorf("report with a reason: %#v", err)
	}
	var se *errdefs.StatusError
	if err := reportErr(monitor.Report{Error: "x", Code: 125}); !errors.As(err, &se) || se.Code != 125 {
		t.Errorf("report without a reason: %#v", err)
	}
}
