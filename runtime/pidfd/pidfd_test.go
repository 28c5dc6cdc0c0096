package pidfd

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The client gets a pidfd of the very process: it can signal it and see it
// end through the fd, with no pid to be reused meanwhile.
func TestSend(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "pidfd.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// On success the test kills it through the pidfd: this only covers a
	// failure on the way, and an error then (already gone) says nothing.
	defer func() { _ = cmd.Process.Kill() }()

	errc := make(chan error, 1)
	go func() { errc <- Send(sock, cmd.Process.Pid) }()
	conn, err := l.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf, oob := make([]byte, 16), make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != "pidfd" {
		t.Errorf("message %q, want the fd's name", buf[:n])
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages: %v, %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights: %v, %v", fds, err)
	}
	defer unix.Close(fds[0])
	if err := unix.PidfdSendSignal(fds[0], unix.SIGKILL, nil, 0); err != nil {
		t.Fatalf("signal through the pidfd: %v", err)
	}
	if _, err := cmd.Process.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := unix.PidfdSendSignal(fds[0], 0, nil, 0); err != unix.ESRCH {
		t.Errorf("the pidfd of a reaped process: %v, want ESRCH", err)
	}
}

func TestSendErrors(t *testing.T) {
	if err := Send("", os.Getpid()); err != nil {
		t.Errorf("no socket: %v, want nothing sent", err)
	}
	if err := Send(filepath.Join(t.TempDir(), "none.sock"), os.Getpid()); err == nil {
		t.Error("a missing socket: no error")
	}
}
