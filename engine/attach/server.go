package attach

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/console"
)

// Server is the monitor's end: it fans the container's output out to
// attached clients and feeds their input to the container.
type Server struct {
	l       *net.UnixListener
	stdinR  *os.File // the container's stdin (with -i)
	stdinW  *os.File
	mu      sync.Mutex
	clients map[*attachConn]bool
	master  *os.File   // the pty master while a -t container runs
	size    *specs.Box // a resize that came before master
	// conns counts connections being served and served is closed when
	// the accept loop ends: a monitor goes idle only without any
	// (engine/monitor).
	conns  int
	served chan struct{}
}

type attachConn struct {
	conn  *net.UnixConn
	hello Hello
	wmu   sync.Mutex
}

// Listen serves a new socket in dir (the container's run directory), with
// a stdin pipe for the container when openStdin.
func Listen(dir string, openStdin bool) (*Server, error) {
	s := &Server{clients: map[*attachConn]bool{}}
	path, df, err := socketPath(dir)
	if err != nil {
		return nil, err
	}
	defer df.Close()
	os.Remove(filepath.Join(dir, SocketName))
	s.l, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// Whoever connects types into the container: root only, whatever the
	// umask made it (dir is 0700 meanwhile).
	if err = statedir.ChmodSocket(int(df.Fd()), SocketName); err != nil {
		s.l.Close()
		return nil, err
	}
	if openStdin {
		if s.stdinR, s.stdinW, err = os.Pipe(); err != nil {
			s.l.Close()
			return nil, fmt.Errorf("attach stdin pipe: %w", err)
		}
	}
	s.start()
	return s, nil
}

// Adopt serves a listener and stdin pipe a monitor kept across its
// re-execution (engine/monitor); the pipe ends may be nil.
func Adopt(l *net.UnixListener, stdinR, stdinW *os.File) *Server {
	s := &Server{clients: map[*attachConn]bool{}, l: l, stdinR: stdinR, stdinW: stdinW}
	s.start()
	return s
}

func (s *Server) start() {
	s.l.SetUnlinkOnClose(false)
	s.served = make(chan struct{})
	go s.serve()
}

// Stdout and Stderr are the container's output streams, as the monitor's
// copies write them: each goes to the clients that asked for it.
func (s *Server) Stdout() io.Writer { return streamWriter{s, frameStdout} }
func (s *Server) Stderr() io.Writer { return streamWriter{s, frameStderr} }

// Stdin is the container's end of the stdin pipe, nil without one.
func (s *Server) Stdin() *os.File { return s.stdinR }

// StdinPipe is both ends of the stdin pipe, for a monitor that keeps them
// across an exec; the writer is nil once a start -ai client closed it.
func (s *Server) StdinPipe() (r, w *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdinR, s.stdinW
}

// Suspend stops accepting and returns a dup of the listening socket: a
// client that connects from now on waits in the backlog. One already
// connected would lose its connection if the caller exec'd: with one,
// Suspend serves again and reports busy.
func (s *Server) Suspend() (l *os.File, busy bool, err error) {
	// A dup: the listener's own fd is the Go poller's.
	l, err = s.l.File()
	if err != nil {
		return nil, false, fmt.Errorf("attach socket: %w", err)
	}
	s.l.Close()
	<-s.served
	s.mu.Lock()
	busy = s.conns > 0
	s.mu.Unlock()
	if !busy {
		return l, false, nil
	}
	nl, err := net.FileListener(l)
	l.Close()
	if err != nil {
		return nil, true, fmt.Errorf("attach socket: %w", err)
	}
	s.l = nl.(*net.UnixListener)
	s.start()
	return nil, true, nil
}

// SetMaster gives the server the pty master of a -t container, for the
// clients' resizes.
func (s *Server) SetMaster(m *os.File) {
	s.mu.Lock()
	s.master = m
	size := s.size
	s.mu.Unlock()
	if size != nil {
		s.resize(*size)
	}
}

func (s *Server) serve() {
	defer close(s.served)
	for {
		conn, err := s.l.AcceptUnix()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		go func() {
			s.handle(conn)
			s.mu.Lock()
			s.conns--
			s.mu.Unlock()
		}()
	}
}

func (s *Server) handle(conn *net.UnixConn) {
	err := conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var kind byte
	var p []byte
	if err == nil {
		kind, p, err = readFrame(conn)
	}
	ac := &attachConn{conn: conn}
	if err != nil || kind != frameHello || json.Unmarshal(p, &ac.hello) != nil {
		conn.Close()
		return
	}
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		conn.Close()
		return
	}
	s.mu.Lock()
	s.clients[ac] = true
	s.mu.Unlock()
	defer s.drop(ac)
	for {
		kind, p, err := readFrame(conn)
		if err != nil {
			return
		}
		switch kind {
		case frameStdin:
			if ac.hello.Stdin && len(p) == 0 && ac.hello.CloseStdin {
				s.closeStdin()
			} else if ac.hello.Stdin {
				s.writeStdin(p)
			}
		case frameResize:
			if len(p) == 4 {
				s.resize(specs.Box{Height: uint(binary.BigEndian.Uint16(p)), Width: uint(binary.BigEndian.Uint16(p[2:]))})
			}
		}
	}
}

func (s *Server) writeStdin(p []byte) {
	s.mu.Lock()
	w := s.stdinW
	s.mu.Unlock()
	if w != nil {
		if _, err := w.Write(p); err != nil {
			// The container closed its stdin: what the client types
			// has nowhere to go, as with a closed terminal.
			slog.Debug("attach stdin", "error", err)
		}
	}
}

// closeStdin gives the container EOF on its stdin, for good: a client of
// start -ai reached the end of its own.
func (s *Server) closeStdin() {
	s.mu.Lock()
	w := s.stdinW
	s.stdinW = nil
	s.mu.Unlock()
	if w != nil {
		w.Close()
	}
}

func (s *Server) resize(b specs.Box) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.master == nil {
		// A monitor woken by this client gets its pty back a moment
		// after it serves the socket: the size waits for it.
		s.size = &b
		return
	}
	if err := console.SetSize(s.master, b); err != nil {
		slog.Debug("attach resize", "error", err)
	}
}

func (s *Server) drop(ac *attachConn) {
	s.mu.Lock()
	delete(s.clients, ac)
	s.mu.Unlock()
	ac.conn.Close()
}

// streamWriter is one output stream of the container, as the monitor's
// copies write it.
type streamWriter struct {
	s    *Server
	kind byte
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	var to []*attachConn
	for ac := range w.s.clients {
		if (w.kind == frameStdout && ac.hello.Stdout) || (w.kind == frameStderr && ac.hello.Stderr) {
			to = append(to, ac)
		}
	}
	w.s.mu.Unlock()
	for _, ac := range to {
		ac.wmu.Lock()
		err := ac.conn.SetWriteDeadline(time.Now().Add(time.Second))
		if err == nil {
			err = writeFrame(ac.conn, w.kind, p)
		}
		ac.wmu.Unlock()
		if err != nil {
			w.s.drop(ac)
		}
	}
	return len(p), nil
}
