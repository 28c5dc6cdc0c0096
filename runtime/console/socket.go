package console

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// maxNameLen bounds the file name sent along with a descriptor.
const maxNameLen = 4096

// SendFD connects to the unix socket at socketPath (a --console-socket) and
// sends f over it with f's name as payload, as runc does.
func SendFD(socketPath string, f *os.File) error {
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socketPath, Net: "unix"})
	if err != nil {
		return fmt.Errorf("connect to console socket %s: %w", socketPath, err)
	}
	defer c.Close()
	return SendFDConn(c, f)
}

// Pair makes a connected console socket pair in place of a
// --console-socket path: local is the container process's console socket
// (CreateOptions.Console), and the pty master it sends arrives on remote,
// for RecvFD. Both ends are close-on-exec.
func Pair() (local *os.File, remote *net.UnixConn, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("console socketpair: %w", err)
	}
	rf := os.NewFile(uintptr(fds[1]), "console-remote")
	conn, err := net.FileConn(rf) // a dup: rf is closed either way
	rf.Close()
	if err != nil {
		unix.Close(fds[0])
		return nil, nil, fmt.Errorf("console socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "console"), conn.(*net.UnixConn), nil
}

// RecvMaster receives the pty master the container's process sends over
// the other end of a Pair, waiting at most timeout: the process sends it
// before create or exec returns, so a longer wait means it never will.
func RecvMaster(remote *net.UnixConn, timeout time.Duration) (*os.File, error) {
	if err := remote.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	return RecvFD(remote)
}

// SendFDConn sends f over an already connected socket. Init uses it with the
// console socket the runtime opened for it before pivot_root hid the path.
func SendFDConn(c *net.UnixConn, f *os.File) error {
	name := f.Name()
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	oob := unix.UnixRights(int(f.Fd()))
	n, oobn, err := c.WriteMsgUnix([]byte(name), oob, nil)
	if err == nil && (n != len(name) || oobn != len(oob)) {
		err = fmt.Errorf("short write: %d of %d bytes, %d of %d control bytes", n, len(name), oobn, len(oob))
	}
	if err != nil {
		return fmt.Errorf("send %s over %s: %w", f.Name(), c.RemoteAddr(), err)
	}
	return nil
}

// RecvFD receives one descriptor sent by SendFD, named by its payload. The
// descriptor arrives close-on-exec.
func RecvFD(c *net.UnixConn) (*os.File, error) {
	name := make([]byte, maxNameLen)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := c.ReadMsgUnix(name, oob)
	if err != nil {
		return nil, fmt.Errorf("receive fd over %s: %w", c.LocalAddr(), err)
	}
	if n == 0 && oobn == 0 {
		return nil, fmt.Errorf("receive fd over %s: %w", c.LocalAddr(), errors.New("connection closed"))
	}
	fds, err := parseRights(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("receive fd over %s: %w", c.LocalAddr(), err)
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}

// parseRights returns the one descriptor of an SCM_RIGHTS message and closes
// any others, so a confused peer cannot leak descriptors into us.
func parseRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("parse control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue // carries no descriptor
		}
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return nil, fmt.Errorf("parse rights: %w", err)
		}
		fds = append(fds, got...)
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("got %d descriptors, want 1", len(fds))
	}
	return fds, nil
}
