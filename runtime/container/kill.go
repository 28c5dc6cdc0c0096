package container

import (
	"errors"
	"log/slog"

	"golang.org/x/sys/unix"
)

// sigkill SIGKILLs pid on a cleanup path, where there is no caller left
// to return an error to: a process already gone (ESRCH) is what was
// wanted, anything else is logged, since a process it could not kill may
// keep the container's cgroup from being removed.
func sigkill(pid int) {
	if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
		slog.Warn("kill leftover process", "pid", pid, "err", err)
	}
}
