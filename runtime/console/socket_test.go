package console

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// listen makes a console socket in a temp dir and returns its path and a
// channel that yields what RecvFD got from the first connection.
func listen(t *testing.T) (string, <-chan recvResult) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan recvResult, 1)
	go func() {
		c, err := ln.AcceptUnix()
		if err != nil {
			ch <- recvResult{err: err}
			return
		}
		defer c.Close()
		f, err := RecvFD(c)
		ch <- recvResult{f, err}
	}()
	return path, ch
}

type recvResult struct {
	f   *os.File
	err error
}

func TestSendRecvPty(t *testing.T) {
	path, ch := listen(t)
	m, p := newPty(t)
	if err := SendFD(path, m); err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.f.Close()
	if r.f.Name() != "/dev/ptmx" {
		t.Fatalf("received name %q, want /dev/ptmx", r.f.Name())
	}
	if flags, err := unix.FcntlInt(r.f.Fd(), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Fatalf("received fd flags %#x, %v: want close-on-exec", flags, err)
	}
	// The received descriptor is the same master: the slave hears it.
	s, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := r.f.WriteString("through the socket\n"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, s, "through the socket\n")
}

// TestPair sends a pty master from the local end as a container's init
// does and receives the same master on the remote end.
func TestPair(t *testing.T) {
	local, remote, err := Pair()
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	defer remote.Close()
	if flags, err := unix.FcntlInt(local.Fd(), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("local end fd flags %#x, %v: want close-on-exec", flags, err)
	}
	m, p := newPty(t)
	lc, err := net.FileConn(local)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	if err := SendFDConn(lc.(*net.UnixConn), m); err != nil {
		t.Fatal(err)
	}
	got, err := RecvFD(remote)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	s, err := os.OpenFile(p, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := got.WriteString("through the pair\n"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, s, "through the pair\n")
}

func TestRecvFDErrors(t *testing.T) {
	tests := []struct {
		name string
		send func(c *net.UnixConn) error
	}{
		{"no descriptor", func(c *net.UnixConn) error { _, err := c.Write([]byte("/dev/ptmx")); return err }},
		{"two descriptors", func(c *net.UnixConn) error {
			_, _, err := c.WriteMsgUnix([]byte("x"), unix.UnixRights(0, 1), nil)
			return err
		}},
		{"closed", func(c *net.UnixConn) error { return c.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, ch := listen(t)
			c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := tt.send(c); err != nil {
				t.Fatal(err)
			}
			if r := <-ch; r.err == nil {
				r.f.Close()
				t.Fatal("RecvFD succeeded")
			}
		})
	}
}

func TestSendFDNoListener(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.sock")
	err := SendFD(path, os.Stdin)
	if err == nil {
		t.Fatal("SendFD to a missing socket succeeded")
	}
	want := "connect to console socket " + path + ": dial unix " + path + ": connect: no such file or directory"
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}
