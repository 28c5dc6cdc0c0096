package portfwd

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary links the forwarder's constructor, so Start re-executes
// it as the forwarder. It joins this test's own network namespace (a
// container's would do the same) and forwards loopback to loopback.

// echoTCP serves TCP echo on loopback; it returns the port.
func echoTCP(t *testing.T) uint16 {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// echoUDP answers each datagram with "echo:" and the datagram.
func echoUDP(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, peer, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = c.WriteTo(append([]byte("echo:"), buf[:n]...), peer)
		}
	}()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

// hostTCP binds the "host" side the forwarder takes over; it returns the
// listener's file and the address a client dials.
func hostTCP(t *testing.T) (*os.File, string) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() // the file is a dup; the forwarder accepts on it
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, l.Addr().String()
}

func hostUDP(t *testing.T) (*os.File, string) {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.(*net.UDPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, c.LocalAddr().String()
}

func netns(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// start runs the forwarder and ends it (by its pid) when the test does.
func start(t *testing.T, id string, ls []Listener) int {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("joining a network namespace needs CAP_SYS_ADMIN")
	}
	pid, err := Start(id, netns(t), netip.MustParseAddr("127.0.0.1"), ls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if IsForwarder(pid, id) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return pid
}

// TestForwardTCPAndUDP: one forwarder carries a TCP stream both ways (with
// the half-close) and UDP datagrams with their replies, for two clients.
func TestForwardTCPAndUDP(t *testing.T) {
	tcpFile, tcpAddr := hostTCP(t)
	udpFile, udpAddr := hostUDP(t)
	id := "portfwd-test-" + strings.ReplaceAll(t.Name(), "/", "-")
	pid := start(t, id, []Listener{
		{File: tcpFile, Proto: "tcp", ContainerPort: echoTCP(t)},
		{File: udpFile, Proto: "udp", ContainerPort: echoUDP(t)},
	})
	if !IsForwarder(pid, id) {
		t.Errorf("IsForwarder(%d, %q) = false for the forwarder just started", pid, id)
	}
	if IsForwarder(pid, id+"-other") {
		t.Errorf("IsForwarder(%d) = true for another container's ID", pid)
	}

	t.Run("tcp", func(t *testing.T) {
		payload := bytes.Repeat([]byte("berth "), 100_000) // more than one splice's pipe
		for i := range 2 {
			c, err := net.DialTimeout("tcp4", tcpAddr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			go func() {
				_, _ = c.Write(payload)
				_ = c.(*net.TCPConn).CloseWrite() // the echo server sees EOF, then closes
			}()
			got, err := io.ReadAll(c)
			c.Close()
			if err != nil {
				t.Fatalf("client %d: read: %v", i, err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatalf("client %d: got %d bytes back, want the %d sent", i, len(got), len(payload))
			}
		}
	})

	t.Run("udp", func(t *testing.T) {
		for _, msg := range []string{"one", "two"} {
			c, err := net.Dial("udp4", udpAddr)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, err := c.Read(buf)
			c.Close()
			if err != nil {
				t.Fatalf("%s: no reply through the forwarder: %v", msg, err)
			}
			if got := string(buf[:n]); got != "echo:"+msg {
				t.Errorf("reply = %q, want %q", got, "echo:"+msg)
			}
		}
	})
}

// TestStartRefuses: Start reports a forwarder that cannot run, naming the
// container, instead of returning a pid.
func TestStartRefuses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, as the forwarder does")
	}
	notNS, err := os.Open("/proc/self/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	defer notNS.Close()
	tests := []struct {
		name    string
		netns   *os.File
		target  string
		wantErr string
	}{
		{"IPv6 target", netns(t), "::1", "target ::1 is not IPv4"},
		{"not a namespace", notNS, "127.0.0.1", "join the container's network namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := hostTCP(t)
			pid, err := Start("refused", tc.netns, netip.MustParseAddr(tc.target), []Listener{{File: f, Proto: "tcp", ContainerPort: 1}})
			if err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("Start = pid %d, want an error", pid)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "refused") {
				t.Errorf("err = %q, want it to name the container and say %q", err, tc.wantErr)
			}
		})
	}
}

// TestConnectionSocketOptions: both sockets of a forwarded connection
// have TCP_NODELAY and portfwd.c's NOTSENT_LOWAT (32 KiB), so bytes wait
// in the pipe, not unsent in a socket (portfwd.c says why). Read from the
// forwarder's own fds (pidfd_getfd), while the connection is open.
func TestConnectionSocketOptions(t *testing.T) {
	tcpFile, tcpAddr := hostTCP(t)
	id := "portfwd-test-sockopts"
	pid := start(t, id, []Listener{{File: tcpFile, Proto: "tcp", ContainerPort: echoTCP(t)}})
	c, err := net.DialTimeout("tcp4", tcpAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("x")); err != nil { // the echo: the container side is connected
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	conns := 0
	for _, e := range ents {
		n, _ := strconv.Atoi(e.Name())
		fd, err := unix.PidfdGetfd(pidfd, n, 0)
		if err != nil {
			continue // closed meanwhile
		}
		typ, terr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
		listening, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		if terr == nil && typ == unix.SOCK_STREAM && listening == 0 {
			conns++
			lowat, _ := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT)
			nodelay, _ := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY)
			if lowat != 32<<10 || nodelay != 1 {
				t.Errorf("forwarder fd %d: TCP_NOTSENT_LOWAT %d, TCP_NODELAY %d; want %d and 1", n, lowat, nodelay, 32<<10)
			}
		}
		unix.Close(fd)
	}
	if conns != 2 {
		t.Errorf("forwarder holds %d connected TCP sockets, want 2 (host side, container side)", conns)
	}
}
