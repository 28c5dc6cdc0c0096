package execproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
)

// A detached exec (exec -d) outlives the command that starts it, so that
// command cannot wait for it. As the monitor does for a detached
// container, a waiter of its own does: berth started again as
// "berth-exec", it runs the process, reports its pid (or why it did not
// run) and, when it ends, logs exec_die with its exit code, as dockerd
// does for `docker exec -d`. With -t it holds the terminal, whose output
// goes nowhere, as Docker's.
//
//	berth exec -d                         berth-exec (a daemon, fds.SpawnDaemon)
//	  exec_create, exec_start
//	  spawn; read the report  <---------  run the process; report pid or failure
//	  exit 0 (or the failure's code)      wait; exec_die exitCode=N; exit

// WaitEnv marks a process as a detached exec's waiter, so main routes
// it before any flag parsing; execRequestEnv carries what it runs.
const (
	WaitEnv        = "BERTH_EXEC_WAIT"
	execRequestEnv = "BERTH_EXEC_REQUEST"
)

type execRequest struct {
	Process *specs.Process `json:"process"`
	TTY     bool           `json:"tty,omitempty"`
}

type execReport struct {
	Pid    int                `json:"pid,omitempty"`
	Reason errdefs.ExecReason `json:"reason,omitempty"`
	Error  string             `json:"error,omitempty"`
}

// execDetached hands proc to a waiter and returns once it runs.
func (e ops) execDetached(c *record.Container, proc *specs.Process, tty bool, execID string) (int, error) {
	req, err := json.Marshal(execRequest{Process: proc, TTY: tty})
	if err != nil {
		return 125, fmt.Errorf("encode the exec's process: %w", err)
	}
	env := []string{WaitEnv + "=1", execRequestEnv + "=" + string(req), "GOMAXPROCS=1", "PATH=" + os.Getenv("PATH")}
	data, err := fds.SpawnDaemon("detached exec", "berth-exec", []string{"exec-wait", e.c.Root, e.c.Runroot, c.ID, execID}, env)
	if err != nil {
		return 125, err
	}
	var rep execReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return 125, fmt.Errorf("the detached exec's waiter exited without a report (%q)", data)
	}
	if rep.Error != "" {
		xe := &errdefs.ExecError{Reason: rep.Reason, Err: errors.New(rep.Error)}
		return xe.Reason.ExitCode(), xe
	}
	return 0, nil
}

// WaitMain is the waiter: args are root, runroot, the container's ID
// and the exec's.
func WaitMain(args []string) int {
	if len(args) != 4 {
		fmt.Fprintln(os.Stderr, "berth exec-wait: want <root> <runroot> <container-id> <exec-id>")
		return 2
	}
	fds.CloseInherited(4) // 0-2 are /dev/null, 3 the report pipe
	report := os.NewFile(3, "report")
	var req execRequest
	err := json.Unmarshal([]byte(os.Getenv(execRequestEnv)), &req)
	if err == nil && req.Process == nil {
		err = errors.New("no process")
	}
	if err != nil {
		writeExecReport(report, execReport{Error: fmt.Sprintf("read the exec's request: %v", err)})
		return 1
	}
	e := ops{core.New(args[0], args[1], nil, core.NewInUse(args[0]))}
	c, err := e.c.Get(args[2])
	if err != nil {
		writeExecReport(report, execReport{Error: err.Error()})
		return 1
	}
	code, err := e.runDetachedExec(c, req, report)
	if err != nil {
		slog.Warn("detached exec", "container", c.ID, "exec", args[3], "error", err)
		return 1
	}
	e.c.Emit(c, "exec_die", "execID", args[3], "exitCode", strconv.Itoa(code))
	return 0
}

// runDetachedExec runs the process, reports on report, and waits.
func (e ops) runDetachedExec(c *record.Container, req execRequest, report *os.File) (int, error) {
	fail := func(err error) (int, error) {
		xe := errdefs.ExecFailure(err)
		writeExecReport(report, execReport{Reason: xe.Reason, Error: xe.Error()})
		return 0, err
	}
	rc, err := e.c.LoadRuntime(c)
	if err != nil {
		return fail(err)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fail(fmt.Errorf("become child subreaper: %w", err))
	}
	fw := container.NewForwarder()
	defer fw.Stop()
	devNull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fail(err)
	}
	defer devNull.Close()
	opts := container.ExecOptions{Stdin: devNull, Stdout: devNull, Stderr: devNull}
	var master *os.File
	if req.TTY {
		local, remote, err := console.Pair()
		if err != nil {
			return fail(err)
		}
		defer remote.Close()
		defer local.Close()
		opts.Console = local
		defer func() {
			if master != nil {
				master.Close()
			}
		}()
		pid, err := rc.Exec(req.Process, opts)
		if err != nil {
			return fail(err)
		}
		if master, err = console.RecvMaster(remote, 5*time.Second); err != nil {
			return fail(fmt.Errorf("receive the exec's pty: %w", err))
		}
		go func() { _, _ = io.Copy(io.Discard, master) }() // EIO once the process ends
		return e.waitDetachedExec(fw, pid, report)
	}
	pid, err := rc.Exec(req.Process, opts)
	if err != nil {
		return fail(err)
	}
	return e.waitDetachedExec(fw, pid, report)
}

func (e ops) waitDetachedExec(fw *container.Forwarder, pid int, report *os.File) (int, error) {
	writeExecReport(report, execReport{Pid: pid})
	code, err := fw.Wait(pid)
	if err != nil {
		return 0, fmt.Errorf("wait for pid %d: %w", pid, err)
	}
	return int(code), nil
}

func writeExecReport(f *os.File, r execReport) {
	defer f.Close()
	if err := json.NewEncoder(f).Encode(r); err != nil {
		slog.Debug("detached exec: report not written", "error", err)
	}
}
