// Package attach is the attach wire protocol between a detached
// container's monitor (Server) and the berth commands that attach to it
// (Dial and the copies, and Session, an interactive client's whole attach):
// the frames, the hello, both ends.
package attach

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
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

	// SocketName is the socket's name in the container's run directory.
	SocketName = "attach.sock"
	maxFrame   = 1 << 20
)

// Hello is a client's first frame: which streams it wants.
type Hello struct {
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
	return "/proc/self/fd/" + strconv.Itoa(fd) + "/" + SocketName, os.NewFile(uintptr(fd), dir), nil
}
