package main

import (
	"fmt"
	"os"

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
	if err := ktrace.CheckFormat(t.format); err != nil {
		return err
	}
	if t.file == "" {
		return nil
	}
	if detached {
		return fmt.Errorf("--trace: not with --detach (the monitor starts a detached container); trace it in the foreground")
	}
	f := os.Stderr
	if t.file != "-" {
		var err error
		if f, err = os.OpenFile(t.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return fmt.Errorf("open trace file %s: %w", t.file, err)
		}
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("open trace file %s: %w", t.file, err)
		}
	}
	return ktrace.Start(f, t.format, "berth")
}
