// Package ktrace writes `--trace`: one line per step berth asks of the
// kernel (clone3, unshare, setns, mount, pivot_root, a cgroup file written,
// execve ...), in man-page words, from the code that makes the call.
//
// Off, it costs one nil check per call site: nothing is formatted. The
// runtime's child processes inherit the trace as a file descriptor named in
// $_BERTH_TRACE ("fd,format"); the C constructor (runtime/nsenter/trace.c)
// writes the same line format to it.
package ktrace

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Env names the variable that passes the trace on to a child: "fd,format".
const Env = "_BERTH_TRACE"

// Formats are the values of --trace-format.
var Formats = []string{"text", "json"}

type tracer struct {
	mu   sync.Mutex
	f    *os.File
	json bool
	proc string
	pid  int
}

var cur *tracer

// CheckFormat reports a --trace-format that is not one of Formats.
func CheckFormat(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("--trace-format %q: must be text or json", format)
}

// Start traces to f from now on, each line naming proc (runtime, init).
func Start(f *os.File, format, proc string) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	cur = &tracer{f: f, json: format == "json", proc: proc, pid: os.Getpid()}
	return nil
}

// Open starts the trace of --trace=path: "-" is stderr, else a file only
// its owner may read (a trace shows command lines and host paths).
func Open(path, format, proc string) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	f := os.Stderr
	if path != "-" {
		var err error
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return fmt.Errorf("open trace file %s: %w", path, err)
		}
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return fmt.Errorf("open trace file %s: %w", path, err)
		}
	}
	return Start(f, format, proc)
}

// FromEnv starts the trace a parent passed in $_BERTH_TRACE, if any, and
// removes the variable so that nothing after this process inherits it.
func FromEnv(proc string) {
	v, ok := os.LookupEnv(Env)
	if !ok {
		return
	}
	_ = os.Unsetenv(Env) // fails only for a name with "=" or NUL, not this constant
	fd, format, _ := strings.Cut(v, ",")
	n, err := strconv.Atoi(fd)
	if err != nil || n < 3 {
		return
	}
	_ = Start(os.NewFile(uintptr(n), "trace"), format, proc)
}

// On says whether a trace is being written: callers guard formatting work
// that a plain call to F would not avoid.
func On() bool { return cur != nil }

// File is the trace's file, to pass on to a child (nil when off).
func File() *os.File {
	if cur == nil {
		return nil
	}
	return cur.f
}

// EnvFor is the $_BERTH_TRACE entry for a child that has the trace at fd.
func EnvFor(fd int) string {
	format := "text"
	if cur != nil && cur.json {
		format = "json"
	}
	return Env + "=" + strconv.Itoa(fd) + "," + format
}

// F writes one step. The line is made and written in one write(2), so
// the lines of the processes that share the file do not interleave.
func F(format string, args ...any) {
	if cur == nil {
		return
	}
	cur.line(time.Now(), fmt.Sprintf(format, args...))
}

func (t *tracer) line(now time.Time, call string) {
	var b []byte
	if t.json {
		b, _ = json.Marshal(struct {
			Time string `json:"time"`
			Proc string `json:"proc"`
			Pid  int    `json:"pid"`
			Call string `json:"call"`
		}{now.UTC().Format("2006-01-02T15:04:05.000000Z"), t.proc, t.pid, call})
	} else {
		b = fmt.Appendf(nil, "%s %s[%d] %s", now.UTC().Format("15:04:05.000000"), t.proc, t.pid, call)
	}
	b = append(b, '\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = t.f.Write(b)
}

// Clone writes the start of a runtime child: Go's exec.Cmd makes it with
// clone3 (CLONE_INTO_CGROUP when the process starts in its cgroup2
// cgroup, no namespaces yet: the constructor unshares them) and the child
// execs the runtime's sealed copy.
func Clone(cmd *exec.Cmd, cgroup *os.File) {
	if !On() {
		return
	}
	if cgroup != nil {
		dir, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(cgroup.Fd())))
		F("clone3({flags=CLONE_INTO_CGROUP, cgroup=%s, exit_signal=SIGCHLD}) = %d", dir, cmd.Process.Pid)
	} else {
		F("clone(SIGCHLD) = %d", cmd.Process.Pid)
	}
	F("execve(%q, %s) in %d: the runtime's sealed copy, its C constructor first", cmd.Path, Argv(cmd.Args), cmd.Process.Pid)
}
