package nsenter

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Setup asks the constructor to act as a container's init whose filesystem
// the runtime builds (setup.c): it reports once in its namespaces, waits
// for the process (SendProcess), then waits for start and execs it.
type Setup struct {
	// Proc asks for a procfs context opened inside the pid namespace.
	Proc bool
	// FifoFD is the exec fifo's number in the child, or -1.
	FifoFD int
	// Keyring names a new session keyring to join; "" keeps the caller's.
	Keyring string
}

func (s *Setup) encode(rec func(kind uint32, payload []byte)) {
	ne := binary.NativeEndian
	rec(recSetup, ne.AppendUint32(ne.AppendUint32(nil, b2u(s.Proc)), uint32(int32(s.FifoFD))))
	if s.Keyring != "" {
		rec(recKeyring, []byte(s.Keyring))
	}
}

// ReceiveSetup waits for the child's request to be set up and returns the
// procfs context it opened (nil unless Setup.Proc).
func ReceiveSetup(sock *os.File) (*os.File, error) {
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	raw, err := sock.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("init set-up: %w", err)
	}
	var n, oobn int
	var rerr error
	err = raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, fmt.Errorf("init set-up: %w", err)
	}
	if n == 0 {
		return nil, errors.New("init set-up: the init exited early")
	}
	if buf[0] == 'E' {
		return nil, readError(sock, "init set-up")
	}
	if buf[0] != 'S' {
		return nil, fmt.Errorf("init set-up: unexpected message %q", buf[0])
	}
	if oobn == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("init set-up: bad control message (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("init set-up: bad fd (%v)", err)
	}
	return os.NewFile(uintptr(fds[0]), "procfs-context"), nil
}

// SendProcess sends the process a Setup child execs, once the runtime has
// built the container, and waits until the child has prepared it.
func SendProcess(sock io.ReadWriter, x *Exec) error {
	if err := x.check(); err != nil {
		return err
	}
	var buf bytes.Buffer
	rec := func(kind uint32, payload []byte) {
		_ = binary.Write(&buf, binary.NativeEndian, [2]uint32{kind, uint32(len(payload))})
		buf.Write(payload)
	}
	x.encode(rec)
	rec(recEnd, nil)
	if _, err := sock.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("send the process to the init: %w", err)
	}
	var kind [1]byte
	if _, err := io.ReadFull(sock, kind[:]); err != nil {
		return fmt.Errorf("container init exited before it was ready (%v)", err)
	}
	switch kind[0] {
	case 'R':
		return nil
	case 'E':
		return readError(sock, "container init")
	}
	return fmt.Errorf("container init: unexpected message %q", kind[0])
}
