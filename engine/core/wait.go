package core

import (
	"time"

	"github.com/berth-containers/berth/internal/proc"
)

// WaitGone waits up to d for the process pid (started at start) to be
// gone, and reports whether it is.
func WaitGone(pid int, start uint64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for proc.Alive(pid, start) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
