// Package console makes the pseudo-terminal of a container with a terminal
// and hands its master to whoever shows it to a user, as runc does:
//
//	init (in the container)             runtime / console-socket listener
//	NewPty                 -- master fd over SCM_RIGHTS -->  RecvFD
//	SetupSlave: slave on 0,1,2, exec                         Proxy (or recvtty)
package console

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ptmx is opened by path so that inside a container it is the container's
// own devpts instance (/dev/ptmx links to pts/ptmx there).
const ptmx = "/dev/ptmx"

// NewPty opens a new pseudo-terminal. The master is named "/dev/ptmx", the
// name runc sends with it over a console socket; slavePath is /dev/pts/N.
func NewPty() (master *os.File, slavePath string, err error) {
	master, err = os.OpenFile(ptmx, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open pty master: %w", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, "", fmt.Errorf("unlock pty %s: %w", ptmx, err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, "", fmt.Errorf("get pty number of %s: %w", ptmx, err)
	}
	return master, fmt.Sprintf("/dev/pts/%d", n), nil
}

// SetSize sets the window size of the terminal f (master or slave).
func SetSize(f *os.File, s specs.Box) error {
	ws := &unix.Winsize{Row: uint16(s.Height), Col: uint16(s.Width)}
	if err := unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, ws); err != nil {
		return fmt.Errorf("set size %dx%d of %s: %w", s.Width, s.Height, f.Name(), err)
	}
	return nil
}

// Size returns the window size of the terminal f.
func Size(f *os.File) (specs.Box, error) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return specs.Box{}, fmt.Errorf("get size of %s: %w", f.Name(), err)
	}
	return specs.Box{Height: uint(ws.Row), Width: uint(ws.Col)}, nil
}

// ClearONLCR stops the terminal from turning "\n" into "\r\n" on output, so
// that what the container writes arrives byte for byte; runc and its recvtty
// do this on the master they receive.
func ClearONLCR(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("get termios of %s: %w", f.Name(), err)
	}
	t.Oflag &^= unix.ONLCR
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("clear onlcr of %s: %w", f.Name(), err)
	}
	return nil
}

// Peer opens the slave of master through the master itself (TIOCGPTPEER),
// not by its /dev/pts/N path, which the container could have made a
// symlink to something else (CVE-2025-52565).
func Peer(master *os.File) (*os.File, error) {
	fd, _, errno := unix.Syscall(unix.SYS_IOCTL, master.Fd(), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errno != 0 {
		return nil, fmt.Errorf("open the pty slave of %s: %w", master.Name(), errno)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		unix.Close(int(fd))
		return nil, fmt.Errorf("get pty number of %s: %w", master.Name(), err)
	}
	return os.NewFile(fd, fmt.Sprintf("/dev/pts/%d", n)), nil
}

// SetupSlave makes the pty slave at path the controlling terminal and the
// stdin, stdout and stderr of the calling process. The caller must have
// called setsid first: only a session leader without a terminal can acquire
// one.
func SetupSlave(path string) error {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open pty slave %s: %w", path, err)
	}
	return setupSlave(fd, path)
}

// SetupSlaveFile is SetupSlave for a slave already open (see Peer). It
// takes f over: f must not be used afterwards.
func SetupSlaveFile(f *os.File) error {
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return fmt.Errorf("dup pty slave %s: %w", f.Name(), err)
	}
	return setupSlave(fd, f.Name())
}

// setupSlave makes fd, the slave named path, the controlling terminal and
// fds 0, 1 and 2, and closes it unless it is one of them.
func setupSlave(fd int, path string) error {
	if err := unix.IoctlSetInt(fd, unix.TIOCSCTTY, 0); err != nil {
		unix.Close(fd)
		return fmt.Errorf("make %s the controlling terminal: %w", path, err)
	}
	for i := 0; i < 3; i++ {
		if fd == i {
			continue
		}
		// dup3 leaves O_CLOEXEC off the copy, so 0, 1 and 2 survive exec.
		if err := unix.Dup3(fd, i, 0); err != nil {
			unix.Close(fd)
			return fmt.Errorf("dup %s onto fd %d: %w", path, i, err)
		}
	}
	if fd > 2 {
		if err := unix.Close(fd); err != nil {
			return fmt.Errorf("close pty slave %s: %w", path, err)
		}
	}
	return nil
}
