package container

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/internal/ktrace"
)

// traceFlags are run's and exec's --trace: the steps the runtime library
// asks of the kernel, as `berth-runtime --trace` writes them.
type traceFlags struct{ file, format string }

func (t *traceFlags) register(f *pflag.FlagSet) {
	f.StringVar(&t.file, "trace", "", "write each step asked of the kernel to `FILE` (--trace alone: stderr)")
	f.Lookup("trace").NoOptDefVal = "-"
	f.StringVar(&t.format, "trace-format", "text", "trace format: text or json")
}

// start begins the trace in this process; the container's processes
// inherit it. detached: a monitor, not this process, would start the
// container, and it does not carry the trace.
func (t *traceFlags) start(detached bool) error {
	if t.file == "" {
		return ktrace.CheckFormat(t.format)
	}
	if detached {
		return fmt.Errorf("--trace: not with --detach (the monitor starts a detached container); trace it in the foreground")
	}
	return ktrace.Open(t.file, t.format, "berth")
}
