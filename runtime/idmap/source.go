package idmap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/mountopt"
)

// A mounter in a user namespace may be unable to reach a bind source the
// runtime can: a directory on the way is closed to the ids the namespace
// maps (runc's userns.bats "inaccessible mounts"). It then asks over the
// mapping socket for the tree instead:
//
//	mounter                                   runtime (serve)
//	  [mount index, 4 bytes LE, "open"] + SCM_RIGHTS its mount namespace ---->
//	                                          on a new thread, setns to it,
//	                                          open_tree(the spec's source)
//	                           <---- "\x00" + SCM_RIGHTS tree, or the error's text
//
// The runtime resolves the source the spec named for that mount (not a
// path the mounter sends), in the container's mount namespace at the
// mount's turn, as the mounter would have: only the permission to walk
// there is the runtime's. This is runc's mount source file descriptors.

// openTag marks an open request; a map request is the bare index.
const openTag = "open"

// bindSource is a bind mount the runtime may open for the mounter.
type bindSource struct {
	src string
	rec bool
}

// planBinds lists the spec's bind mounts by index, sources made absolute.
func planBinds(s *specs.Spec, bundle string) map[int]bindSource {
	out := map[int]bindSource{}
	for i, m := range s.Mounts {
		o, err := mountopt.Parse(m.Options)
		if err != nil || (m.Type != "bind" && !o.IsBind()) {
			continue
		}
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		out[i] = bindSource{src: src, rec: o.Flags&unix.MS_REC != 0}
	}
	return out
}

// OpenRemote has the runtime at the other end of sock clone the source of
// bind mount idx in this thread's mount namespace, and returns the tree.
func OpenRemote(sock, idx int) (int, error) {
	ns, err := unix.Open("/proc/thread-self/ns/mnt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("ask the runtime to open mounts[%d]: %w", idx, err)
	}
	defer unix.Close(ns)
	msg := append(binary.LittleEndian.AppendUint32(nil, uint32(idx)), openTag...)
	if err := unix.Sendmsg(sock, msg, unix.UnixRights(ns), nil, 0); err != nil {
		return -1, fmt.Errorf("ask the runtime to open mounts[%d]: %w", idx, err)
	}
	buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
	switch {
	case err != nil:
		return -1, fmt.Errorf("open mounts[%d]: no answer from the runtime: %w", idx, err)
	case n != 1 || buf[0] != 0:
		return -1, errors.New(string(buf[:n]))
	}
	tree, err := oneFD(oob[:oobn])
	if err != nil {
		return -1, fmt.Errorf("open mounts[%d]: the runtime sent no tree: %w", idx, err)
	}
	return tree, nil
}

// serveOpen answers an open request: the tree, or the error's text.
func (s *Set) serveOpen(fd int, msg, oob []byte) error {
	tree, err := s.openOne(msg, oob)
	if err != nil {
		return unix.Send(fd, []byte(err.Error()), 0)
	}
	defer unix.Close(tree)
	return unix.Sendmsg(fd, []byte{0}, unix.UnixRights(tree), nil, 0)
}

func (s *Set) openOne(msg, oob []byte) (int, error) {
	ns, err := oneFD(oob)
	if err != nil {
		return -1, fmt.Errorf("open a bind source: a request without a mount namespace (%w)", err)
	}
	defer unix.Close(ns)
	idx := int(binary.LittleEndian.Uint32(msg))
	b, ok := s.binds[idx]
	if !ok {
		return -1, fmt.Errorf("open a bind source: mounts[%d] is no bind mount", idx)
	}
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if b.rec {
		flags |= unix.AT_RECURSIVE
	}
	type result struct {
		tree int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// The thread joins the container's mount namespace and is never
		// given back: the goroutine exits locked, which ends it.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- result{-1, fmt.Errorf("unshare filesystem attributes: %w", err)}
			return
		}
		if err := unix.Setns(ns, unix.CLONE_NEWNS); err != nil {
			done <- result{-1, fmt.Errorf("join the container's mount namespace: %w", err)}
			return
		}
		tree, err := unix.OpenTree(unix.AT_FDCWD, b.src, flags)
		done <- result{tree, err}
	}()
	r := <-done
	if r.err != nil {
		return -1, fmt.Errorf("bind %s (mounts[%d]), opened by the runtime: %w", b.src, idx, r.err)
	}
	return r.tree, nil
}

func oneFD(oob []byte) (int, error) {
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return -1, err
	}
	if len(cmsgs) != 1 {
		return -1, fmt.Errorf("%d control messages", len(cmsgs))
	}
	fds, err := unix.ParseUnixRights(&cmsgs[0])
	if err != nil {
		return -1, err
	}
	if len(fds) != 1 {
		for _, f := range fds {
			unix.Close(f)
		}
		return -1, fmt.Errorf("%d fds", len(fds))
	}
	return fds[0], nil
}

// canOpenForOthers says whether this process may join a mount namespace
// another user namespace owns, which serving opens needs: root on the
// host (a rootless runtime's sources are its own anyway).
func canOpenForOthers() bool { return os.Geteuid() == 0 }
