// Package idlemon is the idle phase of a detached container's monitor: a
// loop in C (idlemon.c) that runs before the Go runtime starts, in the
// monitor's own process, re-executed. It logs the container's output and
// waits for its exit in a fraction of the memory a Go process needs, and
// hands back to Go (re-executing berth again) when there is more to do.
// engine/monitor.go draws the whole protocol. Importing this package links
// the constructor in.
package idlemon

// #cgo CFLAGS: -Wall -Wextra -O2
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

const (
	envIdle = "_BERTH_IDLE"
	// EnvResume is set by the C loop when it re-executes berth:
	// "exit:<code>" once the container exited, "wake" when the wake fd
	// became readable while it runs.
	EnvResume = "BERTH_MONITOR_RESUME"
)

// Params are what the C loop watches.
type Params struct {
	Pid      int      // the container's process, a child of this one
	Out, Err *os.File // its output pipes; with a terminal, Out is the pty master and Err nil
	Wake     *os.File // readable means: hand back to Go now (the attach socket); may be nil
	// Keep are other files that must survive both execs (the stdin pipe).
	Keep    []*os.File
	LogPath string
	LogMax  int64
	// LogFiles is how many log files are kept, the current one with them.
	LogFiles int
	// Probe is the wait before the first healthcheck probe; 0: none.
	Probe time.Duration
}

// Exec replaces this process with the C loop, keeping its pid, its
// children and the files in p. argv is what the process is re-executed
// with, by this exec and by the C loop's own; env is the environment the
// Go side finds again after it. Exec returns only on failure.
func Exec(argv, env []string, p Params) error {
	fd := func(f *os.File) int {
		if f == nil {
			return -1
		}
		return int(f.Fd())
	}
	for _, f := range append([]*os.File{p.Out, p.Err, p.Wake}, p.Keep...) {
		if f == nil {
			continue
		}
		if _, err := unix.FcntlInt(f.Fd(), unix.F_SETFD, 0); err != nil {
			return fmt.Errorf("keep %s open across exec: %w", f.Name(), err)
		}
	}
	if strings.ContainsRune(p.LogPath, 0) {
		return fmt.Errorf("log path %q has a NUL byte", p.LogPath)
	}
	spec := strings.Join([]string{
		strconv.Itoa(p.Pid), strconv.Itoa(fd(p.Out)), strconv.Itoa(fd(p.Err)), strconv.Itoa(fd(p.Wake)),
		strconv.FormatInt(p.LogMax, 10), strconv.Itoa(max(p.LogFiles, 1)), strconv.FormatInt(p.Probe.Milliseconds(), 10), p.LogPath,
	}, ":")
	env = append(env[:len(env):len(env)], envIdle+"="+spec)
	err := unix.Exec("/proc/self/exe", argv, env)
	return fmt.Errorf("re-execute the monitor's idle loop: %w", err)
}
