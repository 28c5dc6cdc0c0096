package attach

import (
	"encoding/binary"
	"net"
)

// Stream is a client's connection for a program that does its own I/O, as
// the API server does for its hijacked connections, instead of the copies
// of client.go.
type Stream struct{ conn *net.UnixConn }

// NewStream wraps a connection Dial returned.
func NewStream(conn *net.UnixConn) *Stream { return &Stream{conn: conn} }

// Read returns the next output: 1 for stdout, 2 for stderr, and its bytes.
func (s *Stream) Read() (byte, []byte, error) { return readFrame(s.conn) }

// WriteStdin sends p to the container's stdin; empty p ends it.
func (s *Stream) WriteStdin(p []byte) error { return writeFrame(s.conn, frameStdin, p) }

// Resize sets the size of the container's terminal.
func (s *Stream) Resize(height, width uint16) error {
	var p [4]byte
	binary.BigEndian.PutUint16(p[:], height)
	binary.BigEndian.PutUint16(p[2:], width)
	return writeFrame(s.conn, frameResize, p[:])
}

// Close ends the connection; the container runs on.
func (s *Stream) Close() error { return s.conn.Close() }
