// Package criu drives CRIU, criu(8), for berth-runtime's checkpoint and
// restore, the way runc does: through CRIU's RPC, "criu swrk", with the
// messages of runtime/criu/rpc (CRIU's rpc.proto, encoded by hand).
//
// The conversation runs over a SOCK_SEQPACKET pair whose far end is the
// criu process's fd 3, one protobuf message a packet:
//
//	runtime                            criu swrk 3
//	CriuReq{DUMP|PRE_DUMP|RESTORE} -->
//	                               <-- CriuResp{NOTIFY, script}   zero or more
//	CriuReq{NOTIFY, success}       -->
//	                               <-- CriuResp{same type, success}
//
// The notifications the runtime acts on: setup-namespaces (a restore's
// prestart hooks), post-restore (the restored init's pid) and
// orphan-pts-master (a restored pty's master, passed with SCM_RIGHTS, for
// --console-socket). go-criu's own client cannot give criu the extra
// files a restore needs (an external network namespace), put criu in the
// container's cgroup before the request, nor hand over the pty master: so,
// as runc, berth speaks the protocol itself and takes only the messages.
package criu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/criu/rpc"
)

// Notification is one CRIU notify message.
type Notification struct {
	Script string
	Pid    int
	// Files came with the message (orphan-pts-master); the callee owns them.
	Files []*os.File
}

// Session is one criu swrk process serving one request.
type Session struct {
	// Stdin, Stdout and Stderr are criu's: a restore's inherit_fd maps
	// the dumped tasks' pipes onto them. Nil is /dev/null.
	Stdin, Stdout, Stderr *os.File
	// ExtraFiles are criu's fds from 4 up (ExtraFD numbers them).
	ExtraFiles []*os.File
	// Started runs once criu runs and before the request goes: a restore
	// moves criu into the container's cgroup here, so the tasks it
	// restores are born there. It may add to the request's options.
	Started func(pid int, opts *rpc.CriuOpts) error
	// Notify is told of every notification; an error fails the request.
	Notify func(Notification) error
}

// ExtraFD is the fd number criu sees ExtraFiles[i] at: 0-2 are stdio, 3
// the RPC socket.
func ExtraFD(i int) int32 { return int32(4 + i) }

// Binary is the criu program found on PATH.
func Binary() (string, error) {
	p, err := exec.LookPath("criu")
	if err != nil {
		return "", errors.New("criu is not installed (no criu on PATH): install Debian's criu package")
	}
	return p, nil
}

// Run sends req to a new criu swrk and answers its notifications until the
// final response.
func (s *Session) Run(req *rpc.CriuReq) (*rpc.CriuResp, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("criu socketpair: %w", err)
	}
	srv := os.NewFile(uintptr(fds[1]), "criu-swrk-server")
	cf := os.NewFile(uintptr(fds[0]), "criu-swrk-client")
	conn, err := net.FileConn(cf)
	cf.Close()
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("criu socket: %w", err)
	}
	defer conn.Close()
	uc := conn.(*net.UnixConn)

	cmd := exec.Command(bin, "swrk", "3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = optFile(s.Stdin), optFile(s.Stdout), optFile(s.Stderr)
	cmd.ExtraFiles = append([]*os.File{srv}, s.ExtraFiles...)
	err = cmd.Start()
	srv.Close() // criu's copy is enough: its exit is then our EOF
	if err != nil {
		return nil, fmt.Errorf("start %s swrk: %w", bin, err)
	}
	started := time.Now()
	resp, err := s.converse(uc, cmd.Process.Pid, req)
	answered := time.Now()
	// criu exits once the socket closes; pre-dump's criu waits for a
	// next request that never comes, and exits non-zero then.
	_ = uc.CloseWrite()
	werr := cmd.Wait()
	slog.Debug("criu swrk", "request", req.GetType().String(), "answered", answered.Sub(started).String(), "exited", time.Since(answered).String())
	if err != nil {
		return resp, err
	}
	if werr != nil && req.GetType() != rpc.CriuReqType_PRE_DUMP {
		return resp, fmt.Errorf("criu swrk: %w", werr)
	}
	return resp, nil
}

// optFile is f as exec.Cmd's stdio: a nil *os.File must be a nil
// interface, which exec opens as /dev/null.
func optFile(f *os.File) *os.File {
	if f == nil {
		return nil
	}
	return f
}

func (s *Session) converse(uc *net.UnixConn, pid int, req *rpc.CriuReq) (*rpc.CriuResp, error) {
	if s.Started != nil {
		if err := s.Started(pid, req.Opts); err != nil {
			return nil, err
		}
	}
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*16))
	for {
		data, err := rpc.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("encode criu request: %w", err)
		}
		if _, err := uc.Write(data); err != nil {
			return nil, fmt.Errorf("send criu request: %w", err)
		}
		n, oobn, _, _, err := uc.ReadMsgUnix(buf, oob)
		if err != nil {
			return nil, fmt.Errorf("read criu response: %w", err)
		}
		files, err := rights(oob[:oobn])
		if err != nil {
			return nil, err
		}
		if n == 0 {
			closeAll(files)
			return nil, errors.New("criu exited without an answer")
		}
		resp := new(rpc.CriuResp)
		if err := rpc.Unmarshal(buf[:n], resp); err != nil {
			closeAll(files)
			return nil, fmt.Errorf("decode criu response: %w", err)
		}
		if !resp.GetSuccess() {
			closeAll(files)
			return resp, respError(resp)
		}
		if resp.GetType() != rpc.CriuReqType_NOTIFY {
			closeAll(files)
			return resp, nil
		}
		nt := Notification{Script: resp.GetNotify().GetScript(), Pid: int(resp.GetNotify().GetPid()), Files: files}
		if s.Notify != nil {
			if err := s.Notify(nt); err != nil {
				return resp, fmt.Errorf("criu %s: %w", nt.Script, err)
			}
		} else {
			closeAll(files)
		}
		t := rpc.CriuReqType_NOTIFY
		req = &rpc.CriuReq{Type: &t, NotifySuccess: rpc.Bool(true)}
	}
}

func respError(resp *rpc.CriuResp) error {
	msg := resp.GetCrErrmsg()
	if msg == "" {
		msg = "failed"
	}
	if e := resp.GetCrErrno(); e != 0 {
		return fmt.Errorf("criu %s: %s: %w", resp.GetType(), msg, unix.Errno(e))
	}
	return fmt.Errorf("criu %s: %s", resp.GetType(), msg)
}

// rights returns the files passed in a message's control data.
func rights(oob []byte) ([]*os.File, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("criu control message: %w", err)
	}
	var files []*os.File
	for i := range msgs {
		fds, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue // not SCM_RIGHTS
		}
		for _, fd := range fds {
			files = append(files, os.NewFile(uintptr(fd), "criu-passed-fd"))
		}
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
