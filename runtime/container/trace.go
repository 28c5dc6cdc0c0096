package container

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/berth-containers/berth/internal/ktrace"
)

// phases logs, at debug level, how long each step of a lifecycle command
// took: `berth-runtime --debug run ...` shows where a container's time goes.
type phases struct {
	what string
	last time.Time
	on   bool
}

func newPhases(what string) *phases {
	return &phases{what: what, last: time.Now(), on: slog.Default().Enabled(context.Background(), slog.LevelDebug)}
}

func (p *phases) mark(step string) {
	if !p.on {
		return
	}
	now := time.Now()
	slog.Debug(p.what, "step", step, "took", now.Sub(p.last).String())
	p.last = now
}

// traceClone writes the start of a child: Go's exec.Cmd makes it with
// clone3 (CLONE_INTO_CGROUP when the process starts in its cgroup2
// cgroup, no namespaces yet: the constructor unshares them) and the child
// execs the runtime's sealed copy.
func traceClone(cmd *exec.Cmd, cgroup *os.File) {
	if !ktrace.On() {
		return
	}
	if cgroup != nil {
		dir, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(cgroup.Fd())))
		ktrace.F("clone3({flags=CLONE_INTO_CGROUP, cgroup=%s, exit_signal=SIGCHLD}) = %d", dir, cmd.Process.Pid)
	} else {
		ktrace.F("clone(SIGCHLD) = %d", cmd.Process.Pid)
	}
	ktrace.F("execve(%q, %s) in %d: the runtime's sealed copy, its C constructor first", cmd.Path, ktrace.Argv(cmd.Args), cmd.Process.Pid)
}
