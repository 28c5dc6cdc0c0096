// Package fds starts the long-lived processes berth spawns (the monitor,
// the DNS responder) one way, and keeps inherited descriptors out of
// them.
package fds

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// The monitor and the DNS responder outlive the berth command that starts
// them, so they must not keep what that command's caller left open: a
// lock taken with `(flock 9; berth run -d ...)` would be held for the
// container's whole life, and a pipe would never see its end. Go opens
// all of its own descriptors close-on-exec but leaves inherited ones as
// they are, so both sides act, as conmon does:
//
//	spawner: every descriptor from 3 up marked close-on-exec before the
//	         start (the child gets its stdio, /dev/null, and ExtraFiles)
//	daemon:  every inherited descriptor above the ones it is given closed
//	         first thing, whoever started it

// CloexecInherited marks every descriptor from 3 up close-on-exec, so no
// program this process starts inherits one it was not given.
func CloexecInherited() {
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil || !errors.Is(err, unix.ENOSYS) {
		return
	}
	for _, fd := range openFDs(3) { // before Linux 5.11
		unix.CloseOnExec(fd)
	}
}

// CloseInherited closes the descriptors from first up that this process
// inherited. They are the ones without close-on-exec: every descriptor
// the Go runtime and berth open has it.
func CloseInherited(first int) {
	for _, fd := range openFDs(first) {
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.Close(fd)
		}
	}
}

// openFDs lists this process's descriptors from first up.
func openFDs(first int) []int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var fds []int
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= first {
			fds = append(fds, fd)
		}
	}
	return fds
}

// Path names this process's descriptor fd through /proc, so that a call
// taking a path (mount(2), open(2) to reopen it with other flags) acts on
// what fd refers to, not on a name an attacker can swap.
func Path(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }
