package router

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Stream runs f on w: an error before f sent a byte is the answer's,
// one after can only end the stream (the status is sent), so it is logged.
func Stream(w io.Writer, f func(io.Writer) error) error {
	sw := &sentWriter{w: w}
	err := f(sw)
	if err != nil && sw.sent {
		slog.Warn("api stream ended", "err", err)
		return nil
	}
	return err
}

type sentWriter struct {
	w    io.Writer
	sent bool
}

func (s *sentWriter) Write(b []byte) (int, error) {
	s.sent = s.sent || len(b) > 0
	return s.w.Write(b)
}

// Docker's stream kinds in the multiplexed (stdcopy) format: each frame
// is one byte of kind, three zero bytes, a big-endian uint32 length, then
// the payload.
const (
	streamStdin  byte = 0
	streamStdout byte = 1
	StreamStderr byte = 2
)

// muxWriter writes each Write as one stdcopy frame of its stream; the
// writers of one connection share mu so frames do not interleave.
type muxWriter struct {
	w      io.Writer
	stream byte
	mu     *sync.Mutex
}

func (m muxWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var hdr [8]byte
	hdr[0] = m.stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(p)))
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(append(hdr[:], p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lockedWriter serialises the raw writes of a terminal's stream.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Outputs returns the writers of stdout and stderr on w: raw for a
// terminal (it has one stream), multiplexed otherwise, as Docker's.
func Outputs(w io.Writer, tty bool) (stdout, stderr io.Writer) {
	mu := &sync.Mutex{}
	if tty {
		lw := lockedWriter{w, mu}
		return lw, lw
	}
	return muxWriter{w, streamStdout, mu}, muxWriter{w, StreamStderr, mu}
}

// flushWriter flushes an HTTP response after each write, for streams.
type flushWriter struct {
	w http.ResponseWriter
	F http.Flusher
}

func NewFlushWriter(w http.ResponseWriter) flushWriter {
	f, _ := w.(http.Flusher)
	return flushWriter{w: w, F: f}
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if f.F != nil {
		f.F.Flush()
	}
	return n, err
}

// Hijacked is a connection taken over from the HTTP server for a raw
// stream (attach, exec start), with what the server had buffered of it.
type Hijacked struct {
	net.Conn
	r *bufio.Reader
}

func (h *Hijacked) Read(p []byte) (int, error) { return h.r.Read(p) }

// Hijack answers as Docker's daemon: 101 UPGRADED when the client asked
// for the upgrade (Upgrade: tcp), else 200 OK, then a raw stream.
func Hijack(w http.ResponseWriter, r *http.Request) (*Hijacked, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("the connection cannot be hijacked for a stream")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	head := "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"
	if r.Header.Get("Upgrade") != "" {
		head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
	}
	if _, err := conn.Write([]byte(head)); err != nil {
		conn.Close()
		return nil, err
	}
	return &Hijacked{Conn: conn, r: brw.Reader}, nil
}
