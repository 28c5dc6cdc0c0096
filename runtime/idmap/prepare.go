package idmap

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Set holds what a container's id-mapped mounts need until they are
// made: one user namespace per distinct mapping and, for a mounter in a
// user namespace, the socket it asks the runtime to map its trees over.
type Set struct {
	mounts map[int]request
	userns map[int]*os.File // by mount index
	// binds are the bind mounts whose sources the runtime opens for a
	// mounter that cannot reach them (source.go).
	binds map[int]bindSource
	files []*os.File
	// remote is the runtime's end of the mapping socket, child the
	// mounter's; nil unless Prepare was asked for them.
	remote, child *os.File
}

// Prepare checks the spec's id-mapped mounts as runc does and makes their
// user namespaces. With remote, the mounter will be in a user namespace,
// where it may clone a source but not map it: Serve then maps its trees.
// A spec without id-mapped mounts gives a nil Set. Close releases all.
func Prepare(s *specs.Spec, bundle string, remote bool) (*Set, error) {
	reqs, err := plan(s, bundle)
	if err != nil {
		return nil, err
	}
	var binds map[int]bindSource
	if remote && canOpenForOthers() {
		binds = planBinds(s, bundle)
	}
	if len(reqs) == 0 && len(binds) == 0 {
		return nil, nil
	}
	set := &Set{mounts: map[int]request{}, userns: map[int]*os.File{}, binds: binds}
	byKey := map[string]*os.File{}
	for _, r := range reqs {
		ns := byKey[r.key]
		if ns == nil {
			if ns, err = openUserns(r); err != nil {
				set.Close()
				return nil, fmt.Errorf("id-mapped mount %s (mounts[%d]): %w", r.src, r.idx, err)
			}
			byKey[r.key] = ns
			set.files = append(set.files, ns)
		}
		set.mounts[r.idx], set.userns[r.idx] = r, ns
	}
	if remote {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			set.Close()
			return nil, fmt.Errorf("id-mapped mounts: socketpair: %w", err)
		}
		set.remote, set.child = os.NewFile(uintptr(pair[0]), "idmap-runtime"), os.NewFile(uintptr(pair[1]), "idmap-mounter")
		set.files = append(set.files, set.remote, set.child)
		go set.serve()
	}
	return set, nil
}

// Close releases the namespaces and sockets.
func (s *Set) Close() {
	if s == nil {
		return
	}
	if s.remote != nil {
		// Wakes serve, which may be blocked reading.
		_ = unix.Shutdown(int(s.remote.Fd()), unix.SHUT_RDWR)
	}
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
}

// FDs gives the fds by mount index, numbered by add: pass a child
// process's file-list adder, or nil for this process's own numbers.
func (s *Set) FDs(add func(*os.File) int) map[int]FDs {
	if s == nil {
		return nil
	}
	num := func(f *os.File) int {
		if add == nil {
			return int(f.Fd())
		}
		return add(f)
	}
	seen := map[*os.File]int{}
	once := func(f *os.File) int {
		if n, ok := seen[f]; ok {
			return n
		}
		n := num(f)
		seen[f] = n
		return n
	}
	out := make(map[int]FDs, len(s.mounts)+len(s.binds))
	for i := range s.binds {
		out[i] = FDs{Userns: -1, Sock: once(s.child)}
	}
	for i := range s.mounts {
		if s.child != nil {
			out[i] = FDs{Userns: -1, Sock: once(s.child)}
		} else {
			out[i] = FDs{Userns: once(s.userns[i]), Sock: -1}
		}
	}
	return out
}

func openUserns(r request) (*os.File, error) {
	if r.nsPath != "" {
		f, err := os.OpenFile(r.nsPath, os.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open the container's user namespace: %w", err)
		}
		return f, nil
	}
	return NewUserns(r.uids, r.gids)
}

// NewUserns makes a user namespace with the given maps and returns an fd
// of it. Something must live in a namespace while its maps are written: a
// child cloned into it that the kernel stops at its first instruction
// (PTRACE_TRACEME makes execve stop with SIGTRAP), so it runs nothing; it
// is killed once the namespace is held by the fd.
func NewUserns(uids, gids []specs.LinuxIDMapping) (*os.File, error) {
	// The tracer is the thread that started the child: keep it until the
	// child is reaped.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := os.StartProcess("/proc/self/exe", []string{"berth-runtime-userns"}, &os.ProcAttr{
		Env: []string{},
		Sys: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER,
			UidMappings: sysMaps(uids),
			GidMappings: sysMaps(gids),
			Ptrace:      true,
			Pdeathsig:   syscall.SIGKILL,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("make a user namespace with uid map %s, gid map %s: %w", mapsKey(uids), mapsKey(gids), err)
	}
	f, openErr := os.OpenFile("/proc/"+strconv.Itoa(p.Pid)+"/ns/user", os.O_RDONLY|unix.O_CLOEXEC, 0)
	killErr := p.Kill()
	_, waitErr := p.Wait()
	if err := errors.Join(openErr, killErr, waitErr); err != nil {
		if f != nil {
			f.Close()
		}
		return nil, fmt.Errorf("hold the user namespace of child %d: %w", p.Pid, err)
	}
	return f, nil
}

func sysMaps(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(m))
	for i, e := range m {
		out[i] = syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)}
	}
	return out
}
