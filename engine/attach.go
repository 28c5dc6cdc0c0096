package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/console"
)

// The attach protocol. A detached container's monitor listens on
//
//	<runroot>/containers/<id>/attach.sock
//
// and speaks in frames with Docker's stdcopy header: one byte of kind,
// three zero bytes, a big-endian uint32 length, then the payload.
//
//	client --> hello  {"stdin":true,"stdout":true,"stderr":true}
//	client --> stdin  bytes for the container's stdin (with -i)
//	client --> resize height, width (two big-endian uint16) of the pty
//	client <-- stdout, stderr  the container's output from now on
//
// The monitor never waits on a slow client for long: a write that blocks
// for a second drops that client. A client learns that the container
// ended from the record (Engine.Wait); the output of its last moments is
// in the socket by then, since the monitor records an exit only after its
// output copies end.
const (
	frameStdin  byte = 0
	frameStdout byte = 1
	frameStderr byte = 2
	frameResize byte = 3
	frameHello  byte = 4

	attachSocket = "attach.sock"
	maxFrame     = 1 << 20
)

type attachHello struct {
	Stdin  bool `json:"stdin"`
	Stdout bool `json:"stdout"`
	Stderr bool `json:"stderr"`
	// CloseStdin: an empty stdin frame ends the container's stdin.
	CloseStdin bool `json:"closeStdin,omitempty"`
}

func writeFrame(w io.Writer, kind byte, p []byte) error {
	var hdr [8]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(p)))
	if _, err := w.Write(append(hdr[:], p...)); err != nil {
		return err
	}
	return nil
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[4:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("attach frame of %d bytes is too large", n)
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return hdr[0], p, err
}

// socketPath names a socket in dir by a short path: a test's run root can
// make the full path longer than the 108 bytes a socket address holds, so
// it goes through /proc/self/fd of an O_PATH descriptor of dir. The caller
// closes the returned file after bind or connect.
func socketPath(dir string) (string, *os.File, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, err
	}
	return "/proc/self/fd/" + strconv.Itoa(fd) + "/" + attachSocket, os.NewFile(uintptr(fd), dir), nil
}

// attachServer is the monitor's end: it fans the container's output out to
// attached clients and feeds their input to the container.
type attachServer struct {
	l       *net.UnixListener
	stdinR  *os.File // the container's stdin (with -i)
	stdinW  *os.File
	mu      sync.Mutex
	clients map[*attachConn]bool
	master  *os.File   // the pty master while a -t container runs
	size    *specs.Box // a resize that came before master
	// conns counts connections being served and served is closed when
	// the accept loop ends: a monitor goes idle only without any
	// (monitor_idle.go).
	conns  int
	served chan struct{}
}

type attachConn struct {
	conn  *net.UnixConn
	hello attachHello
	wmu   sync.Mutex
}

// monitorStdio makes the monitor's attach server and the Stdio that runs
// the container through it. Without the socket a container still runs:
// it only cannot be attached to.
func (e *Engine) monitorStdio(c *Container) *Stdio {
	s := &attachServer{clients: map[*attachConn]bool{}}
	dir := e.runDir(c.ID)
	path, df, err := socketPath(dir)
	if err == nil {
		os.Remove(filepath.Join(dir, attachSocket))
		s.l, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		if err == nil {
			// Whoever connects types into the container: root only,
			// whatever the umask made it (dir is 0700 meanwhile).
			if err = statedir.ChmodSocket(int(df.Fd()), attachSocket); err != nil {
				s.l.Close()
			}
		}
		df.Close()
	}
	if err != nil {
		slog.Warn("attach socket", "id", c.ID, "error", err)
		return nil
	}
	if c.Config.OpenStdin {
		s.stdinR, s.stdinW, _ = os.Pipe()
	}
	return s.start()
}

// start serves the socket and returns the Stdio that runs the container
// through it; a monitor that re-executed itself (monitor_idle.go) starts
// one on the listener and stdin pipe it kept.
func (s *attachServer) start() *Stdio {
	s.l.SetUnlinkOnClose(false)
	stdio := &Stdio{Out: streamWriter{s, frameStdout}, Err: streamWriter{s, frameStderr}, detached: true, onConsole: s.setMaster}
	if s.stdinR != nil {
		stdio.In = s.stdinR
	}
	s.served = make(chan struct{})
	go s.serve()
	return stdio
}

func (s *attachServer) setMaster(m *os.File) {
	s.mu.Lock()
	s.master = m
	size := s.size
	s.mu.Unlock()
	if size != nil {
		s.resize(*size)
	}
}

func (s *attachServer) serve() {
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

func (s *attachServer) handle(conn *net.UnixConn) {
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	kind, p, err := readFrame(conn)
	ac := &attachConn{conn: conn}
	if err != nil || kind != frameHello || json.Unmarshal(p, &ac.hello) != nil {
		conn.Close()
		return
	}
	conn.SetReadDeadline(time.Time{})
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

func (s *attachServer) writeStdin(p []byte) {
	s.mu.Lock()
	w := s.stdinW
	s.mu.Unlock()
	if w != nil {
		w.Write(p)
	}
}

// closeStdin gives the container EOF on its stdin, for good: a client of
// start -ai reached the end of its own.
func (s *attachServer) closeStdin() {
	s.mu.Lock()
	w := s.stdinW
	s.stdinW = nil
	s.mu.Unlock()
	if w != nil {
		w.Close()
	}
}

func (s *attachServer) resize(b specs.Box) {
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

func (s *attachServer) drop(ac *attachConn) {
	s.mu.Lock()
	delete(s.clients, ac)
	s.mu.Unlock()
	ac.conn.Close()
}

// streamWriter is one output stream of the container, as the monitor's
// copies write it.
type streamWriter struct {
	s    *attachServer
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
		ac.conn.SetWriteDeadline(time.Now().Add(time.Second))
		err := writeFrame(ac.conn, w.kind, p)
		ac.wmu.Unlock()
		if err != nil {
			w.s.drop(ac)
		}
	}
	return len(p), nil
}

// ErrNoAttachSocket is returned for a container no monitor of its own
// watches: one run in the foreground of `berth run`.
var ErrNoAttachSocket = errors.New("no attach socket")

// dialAttach connects to a container's monitor and says what it wants.
func (e *Engine) dialAttach(c *Container, h attachHello) (*net.UnixConn, error) {
	path, df, err := socketPath(e.runDir(c.ID))
	if err != nil {
		return nil, fmt.Errorf("attach to %s: %w", c.Name, err)
	}
	defer df.Close()
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("cannot attach to container %s: it runs in the foreground of its berth run (%w: %v)", c.Name, ErrNoAttachSocket, err)
	}
	data, _ := json.Marshal(h)
	if err := writeFrame(conn, frameHello, data); err != nil {
		conn.Close()
		return nil, fmt.Errorf("attach to %s: %w", c.Name, err)
	}
	return conn, nil
}
