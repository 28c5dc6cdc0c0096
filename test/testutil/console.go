package testutil

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// ConsoleSocket is the receiving end of runc's --console-socket: the
// runtime connects and sends the pty master as an SCM_RIGHTS message.
type ConsoleSocket struct {
	Path   string
	ln     *net.UnixListener
	master chan result
}

type result struct {
	f   *os.File
	err error
}

// NewConsoleSocket listens on a fresh unix socket and accepts one
// connection in the background.
func NewConsoleSocket(t testing.TB) *ConsoleSocket {
	t.Helper()
	base, err := SuiteDir()
	if err != nil {
		t.Fatal(err)
	}
	// Unix socket paths are limited to 108 bytes: keep it out of t.TempDir,
	// whose name holds the test name.
	dir, err := os.MkdirTemp(base, "cs")
	if err != nil {
		t.Fatalf("console socket dir: %v", err)
	}
	path := filepath.Join(dir, "sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatalf("listen on console socket: %v", err)
	}
	cs := &ConsoleSocket{Path: path, ln: ln, master: make(chan result, 1)}
	t.Cleanup(func() {
		ln.Close()
		os.RemoveAll(dir)
		select {
		case r := <-cs.master:
			if r.f != nil {
				r.f.Close()
			}
		default:
		}
	})
	go func() { cs.master <- cs.accept() }()
	return cs
}

func (cs *ConsoleSocket) accept() result {
	conn, err := cs.ln.AcceptUnix()
	if err != nil {
		return result{err: fmt.Errorf("accept console socket: %w", err)}
	}
	defer conn.Close()
	f, err := recvFd(conn)
	return result{f: f, err: err}
}

// recvFd reads one message carrying one file descriptor.
func recvFd(conn *net.UnixConn) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("read console socket: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("parse console socket message: %w", err)
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("console socket: want 1 control message, got %d", len(msgs))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("console socket: want 1 fd, got %d", len(fds))
	}
	// runc sends the pty's name as the message body.
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}

// Master waits for the runtime to send the pty master. The caller owns it.
func (cs *ConsoleSocket) Master(t testing.TB) *os.File {
	t.Helper()
	r := <-cs.master
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.f
}

// Terminal is a pty for a client under test: Slave is its stdin, stdout
// and stderr; what it writes collects in Out; Type writes to it as keys.
type Terminal struct {
	Master, Slave *os.File
	Out           Buffer
}

// NewTerminal opens a pty and reads its master in the background; both
// ends close at the end of the test.
func NewTerminal(t testing.TB) *Terminal {
	t.Helper()
	master, slave, err := openPty()
	if err != nil {
		t.Fatal(err)
	}
	term := &Terminal{Master: master, Slave: slave}
	t.Cleanup(func() { slave.Close(); master.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			term.Out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return term
}

// Type writes keys to the terminal as a user typing them.
func (term *Terminal) Type(t testing.TB, keys string) {
	t.Helper()
	if _, err := term.Master.Write([]byte(keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}
