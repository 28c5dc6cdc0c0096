// Package pidfd hands a process's pidfd to a client over a unix socket,
// as runc's --pidfd-socket does for run, create and exec.
package pidfd

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// Send sends a pidfd of pid over the unix socket at path, as runc's
// --pidfd-socket: a client that holds it can wait for and signal the
// process with no pid-reuse race. The message's data is the fd's name.
// An empty path sends nothing.
func Send(path string, pid int) error {
	if path == "" {
		return nil
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("pidfd of process %d: %w", pid, err)
	}
	defer unix.Close(fd)
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("connect to pidfd socket %s: %w", path, err)
	}
	defer conn.Close()
	if _, _, err := conn.WriteMsgUnix([]byte("pidfd"), unix.UnixRights(fd), nil); err != nil {
		return fmt.Errorf("send pidfd to %s: %w", path, err)
	}
	return nil
}
