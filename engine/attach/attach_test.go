package attach

import (
	"bytes"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseDetachKeys(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"", []byte{16, 17}, true},
		{"ctrl-a,x", []byte{1, 'x'}, true},
		{"ctrl-@,ctrl-[", []byte{0, 27}, true},
		{"ctrl-\\,ctrl-_,DEL", []byte{28, 31, 127}, true},
		{"a,b,ctrl-z", []byte{'a', 'b', 26}, true},
		{"ctrl-1", nil, false},
		{"ab", nil, false},
		{"ctrl-P", nil, false}, // Docker's names are lower case
		{"ctrl-p,", nil, false},
	} {
		got, err := ParseDetachKeys(tc.in)
		if (err == nil) != tc.ok || (tc.ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("ParseDetachKeys(%q) = %v, %v", tc.in, got, err)
		}
	}
	// Docker's CLI's words.
	if _, err := ParseDetachKeys("ctrl-1"); err == nil || err.Error() != "invalid detach keys (ctrl-1): Unknown character: 'ctrl-1'" {
		t.Errorf("ParseDetachKeys(ctrl-1): %v", err)
	}
}

// socketpair returns both ends of a connected unix stream socket pair.
func socketpair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var conns [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
		t.Cleanup(func() { c.Close() })
	}
	return conns[0], conns[1]
}

func TestFrames(t *testing.T) {
	a, b := socketpair(t)
	for _, tc := range []struct {
		kind byte
		p    []byte
	}{
		{frameHello, []byte(`{"stdin":true}`)},
		{frameStdin, nil},
		{frameStdout, bytes.Repeat([]byte("x"), 70000)},
		{frameResize, []byte{0, 24, 0, 80}},
	} {
		werr := make(chan error, 1)
		go func() { werr <- writeFrame(a, tc.kind, tc.p) }()
		kind, p, err := readFrame(b)
		if err := <-werr; err != nil {
			t.Fatalf("writeFrame: %v", err)
		}
		if err != nil || kind != tc.kind || !bytes.Equal(p, tc.p) && len(tc.p) > 0 {
			t.Errorf("frame %d of %d bytes: got kind %d, %d bytes, %v", tc.kind, len(tc.p), kind, len(p), err)
		}
	}
	// A header claiming more than maxFrame is refused, not allocated.
	if _, err := a.Write([]byte{frameStdout, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readFrame(b); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized frame: %v", err)
	}
}

func TestCopyStdinDetachKeys(t *testing.T) {
	a, b := socketpair(t)
	detached := make(chan struct{})
	keys, _ := ParseDetachKeys("ctrl-p,ctrl-q")
	// ctrl-p then x is not the sequence: both go through.
	// One byte a read, as a terminal delivers keystrokes.
	in := iotest.OneByteReader(strings.NewReader("ab\x10x\x10\x11ignored"))
	if CopyStdin(a, in, keys, detached) {
		t.Error("CopyStdin reported EOF after the detach keys")
	}
	select {
	case <-detached:
	default:
		t.Error("detach keys did not close detached")
	}
	a.Close()
	var got []byte
	for {
		kind, p, err := readFrame(b)
		if err != nil {
			break
		}
		if kind != frameStdin {
			t.Errorf("frame kind %d, want stdin", kind)
		}
		got = append(got, p...)
	}
	if string(got) != "ab\x10x" {
		t.Errorf("stdin sent %q, want %q", got, "ab\x10x")
	}
}

// TestServerAndClient runs both ends over a socket in a temp dir: the
// hello chooses the streams, stdin reaches the container's pipe, and
// CloseStdin ends it.
func TestServerAndClient(t *testing.T) {
	dir := t.TempDir()
	srv, err := Listen(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir + "/" + SocketName)
	if err != nil || fi.Mode().Perm() != 0o600 && fi.Mode().Perm() != 0o700 {
		t.Errorf("socket mode: %v %v", fi, err)
	}
	outOnly, err := Dial(dir, Hello{Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer outOnly.Close()
	both, err := Dial(dir, Hello{Stdin: true, Stdout: true, Stderr: true, CloseStdin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer both.Close()
	// The hellos are read by the server's goroutines: wait until both
	// clients are registered before writing output.
	deadline := time.Now().Add(5 * time.Second)
	for {
		srv.mu.Lock()
		n := len(srv.clients)
		srv.mu.Unlock()
		if n == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := io.WriteString(srv.Stdout(), "out\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(srv.Stderr(), "err\n"); err != nil {
		t.Fatal(err)
	}
	srv.l.Close()
	<-srv.served
	for _, tc := range []struct {
		conn *net.UnixConn
		want string
	}{{outOnly, "out\n"}, {both, "out\nerr\n"}} {
		if err := tc.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		CopyOutput(tc.conn, &out, &out)
		if out.String() != tc.want {
			t.Errorf("client got %q, want %q", out.String(), tc.want)
		}
	}
	if err := writeFrame(both, frameStdin, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := CloseStdin(both); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(srv.Stdin())
	if err != nil || string(data) != "hello" {
		t.Errorf("container stdin %q, %v; want hello then EOF", data, err)
	}
	if _, err := Dial(t.TempDir(), Hello{}); err == nil {
		t.Error("Dial to a dir with no socket succeeded")
	} else if _, ok := err.(*DialError); !ok {
		t.Errorf("Dial error %T, want *DialError", err)
	}
}
