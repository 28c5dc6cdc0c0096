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
// user namespace, the mapped trees.
type Set struct {
	mounts map[int]prepared
	files  []*os.File
}

type prepared struct{ userns, tree *os.File }

// Prepare makes the user namespaces of the spec's id-mapped mounts and,
// with trees, clones and maps their sources too. It checks the mounts
// first, as runc does; a spec without any gives a nil Set. Close releases
// everything.
func Prepare(s *specs.Spec, bundle string, trees bool) (*Set, error) {
	reqs, err := plan(s, bundle)
	if err != nil || len(reqs) == 0 {
		return nil, err
	}
	set := &Set{mounts: map[int]prepared{}}
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
		p := prepared{userns: ns}
		if trees {
			fd, err := Clone(r.src, r.bindRec, r.idRec, int(ns.Fd()))
			if err != nil {
				set.Close()
				return nil, fmt.Errorf("id-mapped mount on %s (mounts[%d]): %w", s.Mounts[r.idx].Destination, r.idx, err)
			}
			p.tree = os.NewFile(uintptr(fd), "idmapped-tree")
			set.files = append(set.files, p.tree)
		}
		set.mounts[r.idx] = p
	}
	return set, nil
}

// Close releases the namespaces and trees.
func (s *Set) Close() {
	if s == nil {
		return
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
		if f == nil {
			return -1
		}
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
	out := make(map[int]FDs, len(s.mounts))
	for i, p := range s.mounts {
		out[i] = FDs{Userns: once(p.userns), Tree: once(p.tree)}
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
