package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultURI is where `berth system service` listens unless told.
const DefaultURI = "unix:///run/berth/berth.sock"

// SocketMode is the service socket's: its owner and group may drive the
// engine (that is root on the host), nobody else.
const SocketMode = 0o660

// Listener is where the service accepts connections, and how to leave.
type Listener struct {
	net.Listener
	// Activated: systemd made the socket (LISTEN_FDS) and removes it.
	Activated bool
	path      string // a unix socket we made, removed at Close
	ino       uint64
}

// Listen opens uri (unix:///path or tcp://127.0.0.1:PORT), or takes the
// socket systemd passed (LISTEN_PID is us and LISTEN_FDS is at least 1),
// which wins over uri as podman's does. group ("" for root) owns a unix
// socket made here.
func Listen(uri, group string) (*Listener, error) {
	if l, ok, err := activated(); ok || err != nil {
		return l, err
	}
	if uri == "" {
		uri = DefaultURI
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("listen on %q: %w", uri, err)
	}
	switch u.Scheme {
	case "unix":
		return listenUnix(u.Path, group)
	case "tcp":
		host, _, err := net.SplitHostPort(u.Host)
		if err != nil {
			return nil, fmt.Errorf("listen on %q: %w", uri, err)
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			slog.Warn("the Engine API on a non-loopback address lets anyone who reaches it run containers as root", "address", u.Host)
		}
		l, err := net.Listen("tcp", u.Host)
		if err != nil {
			return nil, fmt.Errorf("listen on %q: %w", uri, err)
		}
		return &Listener{Listener: l}, nil
	}
	return nil, fmt.Errorf("listen on %q: the scheme must be unix or tcp", uri)
}

// activated takes fd 3 when systemd passed sockets to this process.
func activated() (*Listener, bool, error) {
	pid, nfds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	if pid == "" || nfds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, false, nil
	}
	n, err := strconv.Atoi(nfds)
	if err != nil || n < 1 {
		return nil, false, nil
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	const first = 3 // SD_LISTEN_FDS_START
	unix.CloseOnExec(first)
	f := os.NewFile(first, "systemd-socket")
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, true, fmt.Errorf("use the socket systemd passed (fd 3): %w", err)
	}
	return &Listener{Listener: l, Activated: true}, true, nil
}

// listenUnix binds a socket beside path with a umask that leaves it
// unreachable, gives it its group and mode, and renames it into place: it
// is never world-writable, not even for a moment. A socket that still
// answers at path is another service's: it is left alone.
func listenUnix(path, group string) (*Listener, error) {
	gid := 0
	if group != "" {
		g, err := lookupGroup(group)
		if err != nil {
			return nil, err
		}
		gid = g
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("listen on %s: another service answers there", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid())
	os.Remove(tmp)
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", tmp)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ul := l.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (*Listener, error) {
		l.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Lchown(tmp, 0, gid); err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp, SocketMode); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fail(err)
	}
	return &Listener{Listener: l, path: path, ino: st.Ino}, nil
}

func lookupGroup(group string) (int, error) {
	if gid, err := strconv.Atoi(group); err == nil {
		return gid, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return 0, fmt.Errorf("look up the socket's group %q: %w", group, err)
	}
	return strconv.Atoi(g.Gid)
}

// Close stops listening and removes the socket this process made, if it
// is still the one at its path (a newer service may have replaced it).
func (l *Listener) Close() error {
	err := l.Listener.Close()
	if l.path != "" {
		var st unix.Stat_t
		if unix.Lstat(l.path, &st) == nil && st.Ino == l.ino {
			if rerr := os.Remove(l.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Addr names where a client connects, as DOCKER_HOST takes it.
func (l *Listener) URI() string {
	if l.path != "" {
		return "unix://" + l.path
	}
	a := l.Listener.Addr()
	if a.Network() == "tcp" {
		return "tcp://" + a.String()
	}
	return "unix://" + strings.TrimPrefix(a.String(), "@")
}
