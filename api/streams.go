package api

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Docker's stream kinds in the multiplexed (stdcopy) format: each frame
// is one byte of kind, three zero bytes, a big-endian uint32 length, then
// the payload.
const (
	streamStdin  byte = 0
	streamStdout byte = 1
	streamStderr byte = 2
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

// outputs returns the writers of stdout and stderr on w: raw for a
// terminal (it has one stream), multiplexed otherwise, as Docker's.
func outputs(w io.Writer, tty bool) (stdout, stderr io.Writer) {
	mu := &sync.Mutex{}
	if tty {
		lw := lockedWriter{w, mu}
		return lw, lw
	}
	return muxWriter{w, streamStdout, mu}, muxWriter{w, streamStderr, mu}
}

// flushWriter flushes an HTTP response after each write, for streams.
type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func newFlushWriter(w http.ResponseWriter) flushWriter {
	f, _ := w.(http.Flusher)
	return flushWriter{w: w, f: f}
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if f.f != nil {
		f.f.Flush()
	}
	return n, err
}

// hijacked is a connection taken over from the HTTP server for a raw
// stream (attach, exec start), with what the server had buffered of it.
type hijacked struct {
	net.Conn
	r *bufio.Reader
}

func (h *hijacked) Read(p []byte) (int, error) { return h.r.Read(p) }

// hijack answers as Docker's daemon: 101 UPGRADED when the client asked
// for the upgrade (Upgrade: tcp), else 200 OK, then a raw stream.
func hijack(w http.ResponseWriter, r *http.Request) (*hijacked, error) {
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
	return &hijacked{Conn: conn, r: brw.Reader}, nil
}

// logLine is one line of the engine's JSON log (Docker's json-file).
type logLine struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// logReader reads complete lines of a log file that is still growing.
type logReader struct {
	r       *bufio.Reader
	partial []byte
}

// next calls emit for each complete line now in the file; it reports
// whether it read any.
func (l *logReader) next(emit func(logLine)) bool {
	read := false
	for {
		b, err := l.r.ReadBytes('\n')
		if len(b) > 0 && err == nil {
			line := append(l.partial, b...)
			l.partial = nil
			var ent logLine
			if json.Unmarshal(line, &ent) == nil {
				emit(ent)
			}
			read = true
			continue
		}
		l.partial = append(l.partial, b...)
		return read
	}
}
