package monitor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/idlemon"
	"github.com/berth-containers/berth/engine/jsonlog"
)

// The Go half of the monitor's idle phase; the package doc draws the
// protocol.

// fdsEnv carries FDs across the monitor's execs.
const fdsEnv = "BERTH_MONITOR_FDS"

// FDs are the fd numbers a monitor keeps across its execs; -1 is none.
type FDs struct {
	Pid                int
	Out, Err, Master   int // output of the run: pipes, or the pty master
	Listen             int // attach.sock
	StdinR, StdinW     int // the attach server's stdin pipe
	KeepStdR, KeepStdW int // a -d -i container's stdin without attach socket
}

// noFDs is FDs with none of them.
var noFDs = FDs{Out: -1, Err: -1, Master: -1, Listen: -1, StdinR: -1, StdinW: -1, KeepStdR: -1, KeepStdW: -1}

func (m FDs) String() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d,%d,%d,%d", m.Pid, m.Out, m.Err, m.Master, m.Listen, m.StdinR, m.StdinW, m.KeepStdR, m.KeepStdW)
}

// ParseFDs reads FDs.String's form.
func ParseFDs(s string) (FDs, error) {
	var v [9]int
	parts := strings.Split(s, ",")
	if len(parts) != len(v) {
		return FDs{}, fmt.Errorf("bad $%s %q", fdsEnv, s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return FDs{}, fmt.Errorf("bad $%s %q: %w", fdsEnv, s, err)
		}
		v[i] = n
	}
	return FDs{Pid: v[0], Out: v[1], Err: v[2], Master: v[3], Listen: v[4], StdinR: v[5], StdinW: v[6], KeepStdR: v[7], KeepStdW: v[8]}, nil
}

// ErrAttached keeps a monitor in Go while an attach client is connected.
var ErrAttached = errors.New("a client is attached")

func fdOf(f *os.File) int {
	if f == nil {
		return -1
	}
	return int(f.Fd())
}

// Idle is a running container as the C loop takes it over.
type Idle struct {
	Pid      int
	LogPath  string
	LogMax   int64 // <= 0: jsonlog's default
	LogFiles int
	// Probe is the wait before the first healthcheck probe; 0: none.
	Probe time.Duration
	// Master is a -t container's pty master; Out and Err the output pipes
	// of one without.
	Master, Out, Err *os.File
	// KeepStdin is a -d -i container's stdin pipe without attach socket
	// (both ends, or none).
	KeepStdin []*os.File
	// Attach is the monitor's attach server; nil for none.
	Attach *attach.Server
}

// GoIdle hands the running container to the C loop. It returns only if
// the exec failed, or with ErrAttached while a client is attached.
func GoIdle(i Idle) error {
	p := idlemon.Params{Pid: i.Pid, LogPath: i.LogPath, LogMax: i.LogMax, LogFiles: i.LogFiles, Probe: i.Probe}
	if p.LogMax <= 0 {
		p.LogMax = jsonlog.DefaultMaxSize
	}
	fds := noFDs
	fds.Pid = i.Pid
	if i.Master != nil {
		p.Out = i.Master
		fds.Master = fdOf(i.Master)
	} else {
		p.Out, p.Err = i.Out, i.Err
		fds.Out, fds.Err = fdOf(i.Out), fdOf(i.Err)
	}
	if len(i.KeepStdin) == 2 {
		p.Keep = append(p.Keep, i.KeepStdin...)
		fds.KeepStdR, fds.KeepStdW = fdOf(i.KeepStdin[0]), fdOf(i.KeepStdin[1])
	}
	if srv := i.Attach; srv != nil {
		l, busy, err := srv.Suspend()
		if err != nil {
			return err
		}
		if busy {
			return ErrAttached
		}
		p.Wake = l
		fds.Listen = fdOf(l)
		stdinR, stdinW := srv.StdinPipe()
		if stdinR != nil {
			p.Keep = append(p.Keep, stdinR)
			fds.StdinR = fdOf(stdinR)
		}
		if stdinW != nil { // nil once a start -ai client closed it
			p.Keep = append(p.Keep, stdinW)
			fds.StdinW = fdOf(stdinW)
		}
	}
	env := []string{fdsEnv + "=" + fds.String()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, fdsEnv+"=") && !strings.HasPrefix(kv, idlemon.EnvResume+"=") {
			env = append(env, kv)
		}
	}
	return idlemon.Exec(os.Args, env, p)
}

// Resume is the FDs of a monitor that the C loop re-executed, taken
// from its environment (and cleared there, so its children do not see
// them).
func Resume() (FDs, error) {
	fds, err := ParseFDs(os.Getenv(fdsEnv))
	// Constant, valid names: Unsetenv cannot fail on them.
	_ = os.Unsetenv(fdsEnv)
	_ = os.Unsetenv(idlemon.EnvResume)
	return fds, err
}

// adopt takes fd back as a file that children do not inherit.
func adopt(fd int, name string) *os.File {
	if fd < 0 {
		return nil
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), name)
}

// Attach is the attach server the monitor suspended, listening again;
// nil if it had none.
func (m FDs) Attach() *attach.Server {
	if m.Listen < 0 {
		return nil
	}
	f := adopt(m.Listen, "attach.sock")
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil
	}
	return attach.Adopt(l.(*net.UnixListener), adopt(m.StdinR, "stdin"), adopt(m.StdinW, "stdin-w"))
}

// KeepStdin is a -d -i container's stdin pipe, held only so that it
// stays open (a restart makes a new pipe); nil entries for none.
func (m FDs) KeepStdin() []*os.File {
	return []*os.File{adopt(m.KeepStdR, "stdin"), adopt(m.KeepStdW, "stdin-w")}
}

// Output is the run's output: the pipes, or the pty master. Only a
// monitor woken while the container runs takes them: once it exited, the
// C loop closed them and their numbers may be anything.
func (m FDs) Output() (out, err, master *os.File) {
	return adopt(m.Out, "stdout"), adopt(m.Err, "stderr"), adopt(m.Master, "console")
}
