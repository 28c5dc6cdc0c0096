package security_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// seccompNotif and seccompNotifResp are the kernel's struct seccomp_notif
// and struct seccomp_notif_resp (linux/seccomp.h).
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// seccompAgent is a listenerPath agent as runc's contrib/seccomp-agent: it
// takes each process's notify fd with its state, and answers mkdir and
// mkdirat: a path ending in "denied" fails with EXDEV, any other goes on
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
type seccompAgent struct {
	path string
	ln   *net.UnixListener
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	states []specs.ContainerProcessState
	paths  []string
	errs   []error
}

func newSeccompAgent(t *testing.T) *seccompAgent {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	a := &seccompAgent{path: path, ln: ln, stop: make(chan struct{})}
	a.wg.Add(1)
	go a.accept()
	t.Cleanup(func() {
		close(a.stop)
		ln.Close()
		a.wg.Wait()
		for _, err := range a.errs {
			t.Errorf("seccomp agent: %v", err)
		}
	})
	return a
}

func (a *seccompAgent) fail(err error) {
	a.mu.Lock()
	a.errs = append(a.errs, err)
	a.mu.Unlock()
}

func (a *seccompAgent) accept() {
	defer a.wg.Done()
	for {
		conn, err := a.ln.AcceptUnix()
		if err != nil {
			return // closed by Cleanup
		}
		fd, st, err := recvNotifyFd(conn)
		conn.Close()
		if errors.Is(err, io.EOF) {
			continue // a runtime that connected, then refused the profile
		}
		if err != nil {
			a.fail(err)
			continue
		}
		a.mu.Lock()
		a.states = append(a.states, st)
		a.mu.Unlock()
		a.wg.Add(1)
		go a.serve(fd)
	}
}

// recvNotifyFd reads one message: the containerProcessState JSON with the
// notify fd in SCM_RIGHTS.
func recvNotifyFd(conn *net.UnixConn) (int, specs.ContainerProcessState, error) {
	var st specs.ContainerProcessState
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return -1, st, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, st, errors.New("no SCM_RIGHTS message with the state")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, st, errors.New("want exactly one fd with the state")
	}
	if err := json.Unmarshal(buf[:n], &st); err != nil {
		unix.Close(fds[0])
		return -1, st, err
	}
	return fds[0], st, nil
}

// serve answers notifications until every process using the filter is
// gone (POLLHUP) or the test ends.
func (a *seccompAgent) serve(fd int) {
	defer a.wg.Done()
	defer unix.Close(fd)
	for {
		select {
		case <-a.stop:
			return
		default:
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 100); err != nil || n == 0 {
			continue
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: the filter has no process left
		}
		var req seccompNotif
		if err := ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&req)); err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINTR) {
				continue // the caller was killed meanwhile
			}
			a.fail(err)
			return
		}
		resp := seccompNotifResp{ID: req.ID, Flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
		arg := req.Args[0] // mkdir(path, mode)
		if req.Nr == unix.SYS_MKDIRAT {
			arg = req.Args[1] // mkdirat(dirfd, path, mode)
		}
		path := readString(int(req.Pid), arg)
		a.mu.Lock()
		a.paths = append(a.paths, path)
		a.mu.Unlock()
		if strings.HasSuffix(path, "denied") {
			resp = seccompNotifResp{ID: req.ID, Error: -int32(unix.EXDEV)}
		}
		// ENOENT: the process died after the receive; nothing to answer.
		if err := ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil && !errors.Is(err, unix.ENOENT) {
			a.fail(err)
		}
	}
}

func ioctlPtr(fd int, req uint, arg unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// readString reads a NUL-terminated string from a process's memory.
func readString(pid int, addr uint64) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 256)
	n, _ := f.ReadAt(buf, int64(addr))
	s, _, _ := bytes.Cut(buf[:n], []byte{0})
	return string(s)
}

func (a *seccompAgent) snapshot() ([]specs.ContainerProcessState, []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]specs.ContainerProcessState(nil), a.states...), append([]string(nil), a.paths...)
}

func notifyMkdir(agent *seccompAgent, metadata string) *specs.LinuxSeccomp {
	sc := seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify})
	sc.ListenerPath, sc.ListenerMetadata = agent.path, metadata
	return sc
}

func checkProcessState(t *testing.T, st specs.ContainerProcessState, id, metadata string) {
	t.Helper()
	if st.Version == "" || len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName || st.Pid <= 0 ||
		st.Metadata != metadata || st.State.ID != id || st.State.Pid <= 0 {
		t.Errorf("containerProcessState sent to the agent: %+v, want fds [%s], metadata %q, container %s",
			st, specs.SeccompFdName, metadata, id)
	}
}

// TestSeccompNotifyInit: the container's own process sends mkdir to the
// agent at listenerPath, which refuses one directory and lets the other
// be made.
func TestSeccompNotifyInit(t *testing.T) {
	rt, b := setup(t)
	agent := newSeccompAgent(t)
	b.Update(func(s *specs.Spec) {
		s.Root.Readonly = false
		s.Linux.Seccomp = notifyMkdir(agent, "init-meta")
	})
	id := testutil.NewID(t)
	b.Shell("mkdir /tmp/denied; echo denied=$?; mkdir /tmp/allowed; echo allowed=$?; ls -d /tmp/denied /tmp/allowed")
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if strings.TrimSpace(res.Stdout) != "denied=1\nallowed=0\n/tmp/allowed" {
		t.Fatalf("mkdir under an agent that refuses /tmp/denied: exit %d, %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	states, paths := agent.snapshot()
	if len(states) != 1 {
		t.Fatalf("agent got %d notify fds, want 1", len(states))
	}
	checkProcessState(t, states[0], id, "init-meta")
	if strings.Join(paths, " ") != "/tmp/denied /tmp/allowed" {
		t.Errorf("agent saw mkdir of %q", paths)
	}
}

// TestSeccompNotifyExec: an exec'd process has the container's filter and
// its own notify fd, sent to the agent with its own pid.
func TestSeccompNotifyExec(t *testing.T) {
	rt, b := setup(t)
	agent := newSeccompAgent(t)
	b.Update(func(s *specs.Spec) {
		s.Root.Readonly = false
		s.Linux.Seccomp = notifyMkdir(agent, "exec-meta")
	})
	id, st := rt.RunningSleeper(t, b)
	res := rt.Run(t, "exec", id, "sh", "-c", "mkdir /tmp/exec-denied; echo denied=$?; mkdir /tmp/exec-ok && echo ok")
	if strings.TrimSpace(res.Stdout) != "denied=1\nok" {
		t.Fatalf("exec'd mkdir under the agent: exit %d, %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	var states []specs.ContainerProcessState
	var paths []string
	testutil.WaitFor(5*time.Second, func() bool { states, paths = agent.snapshot(); return len(states) >= 2 })
	if len(states) != 2 {
		t.Fatalf("agent got %d notify fds, want 2 (init and exec)", len(states))
	}
	for _, s := range states {
		checkProcessState(t, s, id, "exec-meta")
	}
	if states[1].Pid == st.Pid {
		t.Errorf("exec'd process reported with the init's pid %d", st.Pid)
	}
	if strings.Join(paths, " ") != "/tmp/exec-denied /tmp/exec-ok" {
		t.Errorf("agent saw mkdir of %q", paths)
	}
}
