package attach

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/console"
)

// Dial connects to the monitor serving dir (the container's run
// directory) and says what the client wants.
func Dial(dir string, h Hello) (*net.UnixConn, error) {
	path, df, err := socketPath(dir)
	if err != nil {
		return nil, err
	}
	defer df.Close()
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, &DialError{Err: err}
	}
	data, err := json.Marshal(h)
	if err == nil {
		err = writeFrame(conn, frameHello, data)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// DialError is a connect that failed: no monitor listens.
type DialError struct{ Err error }

func (e *DialError) Error() string { return e.Err.Error() }
func (e *DialError) Unwrap() error { return e.Err }

// CopyOutput writes the container's output frames to out and errw (either
// may be nil) until the connection ends.
func CopyOutput(conn io.Reader, out, errw io.Writer) {
	for {
		kind, p, err := readFrame(conn)
		if err != nil {
			return
		}
		var w io.Writer
		switch {
		case kind == frameStdout && out != nil:
			w = out
		case kind == frameStderr && errw != nil:
			w = errw
		}
		if w != nil {
			if _, err := w.Write(p); err != nil {
				return // our own output is gone: nothing more to show
			}
		}
	}
}

// CloseStdin sends the end of the client's stdin: the container's stdin
// closes if the hello asked for CloseStdin.
func CloseStdin(conn io.Writer) error { return writeFrame(conn, frameStdin, nil) }

// CopyStdin sends in to the container until EOF or the detach keys; it
// reports whether it read to the end.
func CopyStdin(conn *net.UnixConn, in io.Reader, keys []byte, detached chan struct{}) bool {
	buf := make([]byte, 32<<10)
	matched := 0
	for {
		n, err := in.Read(buf)
		if n > 0 {
			p := buf[:n]
			if len(keys) > 0 {
				var out bytes.Buffer
				for _, b := range p {
					if b == keys[matched] {
						matched++
						if matched == len(keys) {
							close(detached)
							return false
						}
						continue
					}
					out.Write(keys[:matched])
					matched = 0
					out.WriteByte(b)
				}
				p = out.Bytes()
			}
			if len(p) > 0 && writeFrame(conn, frameStdin, p) != nil {
				return false
			}
		}
		if err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// ForwardSize sends the terminal's size now and on every SIGWINCH.
func ForwardSize(f *os.File, conn *net.UnixConn) (stop func()) {
	send := func() {
		b, err := console.Size(f)
		if err != nil {
			return
		}
		var p [4]byte
		binary.BigEndian.PutUint16(p[:], uint16(b.Height))
		binary.BigEndian.PutUint16(p[2:], uint16(b.Width))
		if err := writeFrame(conn, frameResize, p[:]); err != nil {
			// The monitor went away; the output copy ends attach.
			slog.Debug("attach resize", "error", err)
		}
	}
	send()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				send()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// ParseDetachKeys reads Docker's --detach-keys as Docker's own parser
// (moby/term's ToBytes) does: comma-separated single characters, ctrl-<x>
// for x in @, a-z, [, \\, ], ^, _ (lower case only), or DEL. An empty string is
// Docker's ctrl-p,ctrl-q. The error reads as Docker's CLI's (which checks
// the keys before it creates anything; 20.10's daemon said "Invalid detach
// keys (X) provided" only once the container existed).
func ParseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		s = "ctrl-p,ctrl-q"
	}
	var keys []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			keys = append(keys, k[0])
		case k == "DEL":
			keys = append(keys, 127)
		case len(k) == len("ctrl-x") && strings.HasPrefix(k, "ctrl-") && strings.IndexByte("@abcdefghijklmnopqrstuvwxyz[\\]^_", k[5]) >= 0:
			keys = append(keys, k[5]&0x1f) // ctrl-@ 0, ctrl-a 1, ..., ctrl-_ 31
		default:
			return nil, fmt.Errorf("invalid detach keys (%s): Unknown character: '%s'", s, k)
		}
	}
	return keys, nil
}
