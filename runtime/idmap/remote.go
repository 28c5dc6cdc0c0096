package idmap

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// The mapping socket (SOCK_SEQPACKET) between a mounter in a user
// namespace and the runtime, one exchange per id-mapped bind:
//
//	mounter                                   runtime (Serve)
//	  open_tree(source) in its mount namespace
//	  [mount index, 4 bytes LE] + SCM_RIGHTS tree ---->
//	                                          mount_setattr(tree, MOUNT_ATTR_IDMAP)
//	                           <---- "" (mapped) or the error's text
//	  move_mount(tree, destination)
//
// The source is so resolved at the mount's turn in the container's mount
// namespace, where earlier mounts of the container are visible, and only
// the step that needs the host's CAP_SYS_ADMIN happens outside.

// MapRemote has the runtime at the other end of sock map tree, the clone
// of spec mount idx.
func MapRemote(sock, idx, tree int) error {
	msg := binary.LittleEndian.AppendUint32(nil, uint32(idx))
	if err := unix.Sendmsg(sock, msg, unix.UnixRights(tree), nil, 0); err != nil {
		return fmt.Errorf("ask the runtime to id-map mounts[%d]: %w", idx, err)
	}
	buf := make([]byte, 4096)
	n, err := unix.Read(sock, buf)
	switch {
	case err != nil:
		return fmt.Errorf("id-map mounts[%d]: no answer from the runtime: %w", idx, err)
	case n == 0:
		return fmt.Errorf("id-map mounts[%d]: the runtime hung up", idx)
	case n == 1 && buf[0] == 0:
		return nil
	}
	return errors.New(string(buf[:n]))
}

// serve answers MapRemote until the mounter's end is closed (its exec, or
// Close).
func (s *Set) serve() {
	fd := int(s.remote.Fd())
	buf, oob := make([]byte, 16), make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != nil || n == 0 {
			return
		}
		if n == 4+len(openTag) && string(buf[4:n]) == openTag {
			if err := s.serveOpen(fd, buf[:4], oob[:oobn]); err != nil {
				return
			}
			continue
		}
		reply := []byte{0}
		if err := s.mapOne(buf[:n], oob[:oobn]); err != nil {
			reply = []byte(err.Error())
		}
		if err := unix.Send(fd, reply, 0); err != nil {
			return
		}
	}
}

func (s *Set) mapOne(msg, oob []byte) error {
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(cmsgs) != 1 {
		return fmt.Errorf("id-map: a request without a tree (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&cmsgs[0])
	if err != nil || len(fds) != 1 {
		return fmt.Errorf("id-map: a request without one tree (%v)", err)
	}
	defer unix.Close(fds[0])
	if len(msg) != 4 {
		return errors.New("id-map: a request without a mount index")
	}
	idx := int(binary.LittleEndian.Uint32(msg))
	r, ok := s.mounts[idx]
	if !ok {
		return fmt.Errorf("id-map: mounts[%d] is no id-mapped mount", idx)
	}
	if err := Map(fds[0], r.src, r.idRec, int(s.userns[idx].Fd())); err != nil {
		return fmt.Errorf("mount on %s (mounts[%d]): %w", r.dst, idx, err)
	}
	return nil
}
