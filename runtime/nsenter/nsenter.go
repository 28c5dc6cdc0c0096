// Package nsenter puts a new berth-runtime process into its namespaces before
// the Go runtime starts (see nsenter.c for why this needs C), and holds the
// parent's side of that handshake. Importing it links the constructor in.
package nsenter

// #cgo CFLAGS: -Wall -Wextra -O2
import "C"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"

	"github.com/berth-containers/berth/internal/kfile"
)

// EnvSocket names the environment variable that tells the constructor which
// file descriptor carries its bootstrap.
const EnvSocket = "_BERTH_NSENTER"

// Flags maps a runtime-spec namespace type to its CLONE_NEW* flag.
var Flags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// ProcFiles names each namespace type's file under /proc/PID/ns.
var ProcFiles = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
	specs.NetworkNamespace: "net", specs.UTSNamespace: "uts", specs.IPCNamespace: "ipc",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// Join is a namespace to enter by path.
type Join struct {
	Flag uintptr
	Path string
}

// Bootstrap is what the constructor does: join these namespaces, then
// create the ones in CloneFlags.
type Bootstrap struct {
	CloneFlags  uintptr
	Joins       []Join
	TimeOffsets map[string]specs.LinuxTimeOffset
	// CgroupFiles are v1 "tasks" files the process writes "0" to, to move
	// itself into its cgroups first of all (cheap only while single-threaded).
	CgroupFiles []string
	// CgroupLeave are tasks files written right after a new cgroup namespace
	// is made: the way back out of a hierarchy joined only to root the
	// namespace there (the v1 memory cgroup, joined again just before exec).
	CgroupLeave []string
	// KeepAffinity leaves the CPU affinity the process was started with
	// (process.execCPUAffinity's business) instead of resetting it to
	// every CPU its cgroups allow.
	KeepAffinity bool
	// Exec, if set, is a process the constructor execs itself once in the
	// namespaces (execve.c), instead of returning to Go.
	Exec *Exec
	// Setup, if set, makes the constructor the init of a container the
	// runtime builds from its own process (setup.c).
	Setup *Setup
}

// FromSpec builds the bootstrap for a container's namespaces.
func FromSpec(ns []specs.LinuxNamespace, offsets map[string]specs.LinuxTimeOffset) (*Bootstrap, error) {
	b := &Bootstrap{TimeOffsets: offsets}
	for i, n := range ns {
		flag, ok := Flags[n.Type]
		if !ok {
			return nil, fmt.Errorf("linux.namespaces[%d].type: unknown namespace %q", i, n.Type)
		}
		if n.Path == "" {
			b.CloneFlags |= flag
		} else {
			b.Joins = append(b.Joins, Join{Flag: flag, Path: n.Path})
		}
	}
	return b, nil
}

// Encode serialises the bootstrap in the constructor's record format.
func (b *Bootstrap) Encode() []byte {
	var buf bytes.Buffer
	rec := func(kind uint32, payload []byte) {
		_ = binary.Write(&buf, binary.NativeEndian, [2]uint32{kind, uint32(len(payload))})
		buf.Write(payload)
	}
	rec(recFlags, binary.NativeEndian.AppendUint32(nil, uint32(b.CloneFlags)))
	for _, f := range b.CgroupFiles {
		rec(recCgroupJoin, []byte(f))
	}
	for _, f := range b.CgroupLeave {
		rec(recCgroupLeave, []byte(f))
	}
	if b.KeepAffinity {
		rec(recKeepAffinity, nil)
	}
	for _, j := range b.Joins {
		p := binary.NativeEndian.AppendUint32(nil, uint32(j.Flag))
		rec(recJoin, append(p, j.Path...))
	}
	if s := formatOffsets(b.TimeOffsets); s != "" && b.CloneFlags&unix.CLONE_NEWTIME != 0 {
		rec(recTimeOffsets, []byte(s))
	}
	if b.Exec != nil {
		b.Exec.encode(rec)
	}
	if b.Setup != nil {
		b.Setup.encode(rec)
	}
	rec(recEnd, nil)
	return buf.Bytes()
}

// formatOffsets renders offsets as /proc/PID/timens_offsets wants them:
// one "<clock> <secs> <nanosecs>" line per clock.
func formatOffsets(offsets map[string]specs.LinuxTimeOffset) string {
	clocks := make([]string, 0, len(offsets))
	for c := range offsets {
		clocks = append(clocks, c)
	}
	sort.Strings(clocks)
	var sb strings.Builder
	for _, c := range clocks {
		fmt.Fprintf(&sb, "%s %d %d\n", c, offsets[c].Secs, offsets[c].Nanosecs)
	}
	return sb.String()
}

// Handshake runs the parent's side of the protocol with a started child:
// it sends the bootstrap, writes id maps when asked, and returns the pid of
// the process that goes on as the container's init.
func Handshake(sock io.ReadWriter, b *Bootstrap, writeMaps func(pid int) error, childPid int) (int, error) {
	if err := b.Exec.check(); err != nil {
		return 0, err
	}
	if _, err := sock.Write(b.Encode()); err != nil {
		return 0, fmt.Errorf("send namespace bootstrap: %w", err)
	}
	for {
		var kind [1]byte
		if _, err := io.ReadFull(sock, kind[:]); err != nil {
			return 0, fmt.Errorf("namespace setup: child exited early: %w", err)
		}
		switch kind[0] {
		case 'U':
			if writeMaps == nil {
				return 0, errors.New("namespace setup: child asked for id maps but none are configured")
			}
			if err := writeMaps(childPid); err != nil {
				return 0, err
			}
			if _, err := sock.Write([]byte{'u'}); err != nil {
				return 0, fmt.Errorf("namespace setup: %w", err)
			}
		case 'P':
			var pid int32
			if err := binary.Read(sock, binary.NativeEndian, &pid); err != nil {
				return 0, fmt.Errorf("namespace setup: read pid: %w", err)
			}
			return int(pid), nil
		case 'E':
			return 0, readError(sock, "namespace setup")
		default:
			return 0, fmt.Errorf("namespace setup: unexpected message %q", kind[0])
		}
	}
}

// WriteIDMaps writes a process's uid_map and gid_map, as root in the parent
// user namespace. Rootless mapping through newuidmap comes with user
// namespace support.
func WriteIDMaps(pid int, uids, gids []specs.LinuxIDMapping) error {
	write := func(name string, m []specs.LinuxIDMapping) error {
		if len(m) == 0 {
			return nil
		}
		var sb strings.Builder
		for _, e := range m {
			fmt.Fprintf(&sb, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
		}
		// The host's /proc, verified: nothing mounted over the file.
		if err := kfile.WriteProc(fmt.Sprintf("%d/%s", pid, name), []byte(sb.String())); err != nil {
			return err
		}
		ktrace.F("write(/proc/%d/%s <- %q)", pid, name, sb.String())
		return nil
	}
	if err := write("uid_map", uids); err != nil {
		return err
	}
	return write("gid_map", gids)
}

// NoLeakedFDs wraps start, which starts a container process
// (exec.Cmd.Start), so that the process inherits only its stdio and
// ExtraFiles: fds the runtime's caller left open without close-on-exec (a
// lock, /dev/null) are marked close-on-exec first, as runc does, so that
// not even the init waiting for start holds them (CVE-2024-21626). The
// ExtraFiles, --preserve-fds' own among them, are dup2'd into the child,
// which clears the flag there.
func NoLeakedFDs(start func() error) func() error {
	return func() error {
		if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
			return fmt.Errorf("mark the runtime's fds close-on-exec: %w", err)
		}
		return start()
	}
}
