// Package benchenv is what every berth benchmark does first.
package benchenv

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Setup checks that the benchmark runs as root, makes it a child subreaper
// (containers' monitors and inits outlive the commands that start them, and
// PID 1 on this kind of host does not reap orphans) and returns a new
// directory under /tmp named after prefix, for the caller to remove.
func Setup(prefix string) (string, error) {
	if os.Geteuid() != 0 {
		return "", errors.New("run as root: containers need namespaces and cgroups")
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return "", fmt.Errorf("become child subreaper: %w", err)
	}
	dir, err := os.MkdirTemp("/tmp", prefix)
	if err != nil {
		return "", fmt.Errorf("make temp dir: %w", err)
	}
	return dir, nil
}
