package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/internal/phases"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/execspec"
	"github.com/berth-containers/berth/runtime/initproc"
	"github.com/berth-containers/berth/runtime/mempolicy"
	"github.com/berth-containers/berth/runtime/nsenter"
	"github.com/berth-containers/berth/runtime/pidfd"
	"github.com/berth-containers/berth/runtime/seccomp"
	"github.com/berth-containers/berth/runtime/selfexe"
	"github.com/berth-containers/berth/runtime/spec"
)

// ExecOptions are exec's flags that are not part of the process itself.
type ExecOptions struct {
	ConsoleSocket string
	// Console, if set, is used instead of ConsoleSocket: the caller keeps
	// the other end (foreground exec with a terminal).
	Console *os.File
	// ClearONLCR: as CreateOptions.ClearONLCR.
	ClearONLCR bool
	// AddedCaps are capabilities the caller asked for by name (exec
	// --cap): as runc, they may go past the container's bounding set.
	AddedCaps []string
	// IgnorePaused lets the process join a paused container, where it
	// waits, frozen, until a resume (runc's exec --ignore-paused).
	IgnorePaused bool
	PidFile      string
	// PidfdSocket is a unix socket to send a pidfd of the process to.
	PidfdSocket string
	// SubCgroups puts the process in sub-cgroups of the container's
	// (exec --cgroup, see execspec.ParseCgroups).
	SubCgroups map[string]string
	// PassFDs is how many fds from 3 up the process inherits.
	PassFDs int
	// Stdio of the process; nil means the caller's own.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Spec reads the container's config.json from its bundle.
func (c *Container) Spec() (*specs.Spec, error) {
	return spec.Load(c.state.Bundle)
}

// config is Spec read once per handle, for exec's flags and exec itself,
// which only read it (a caller of Spec may change its copy).
func (c *Container) config() (*specs.Spec, error) {
	if c.spec == nil {
		s, err := c.Spec()
		if err != nil {
			return nil, err
		}
		c.spec = s
	}
	return c.spec, nil
}

// execConfig is config.json as exec reads it, once: only what an exec'd
// process takes from it (spec.LoadForExec).
func (c *Container) execConfig() (*specs.Spec, error) {
	if c.execSpec == nil {
		s, err := spec.LoadForExec(c.state.Bundle)
		if err != nil {
			return nil, err
		}
		c.execSpec = s
	}
	return c.execSpec, nil
}

// Exec starts proc inside the running container: in every namespace of its
// init, in its cgroups, bounded by its capabilities, seccomp filter and
// no_new_privs. It returns the new process's pid as the host sees it once
// the program is executing. The caller, a child subreaper, reaps it.
//
// The process enters the container's existing mount namespace and changes
// to its cwd; nothing is mounted or pivoted again.
func (c *Container) Exec(proc *specs.Process, opts ExecOptions) (int, error) {
	ph := phases.New("exec")
	if err := c.checkExecutable(opts.IgnorePaused); err != nil {
		return 0, err
	}
	s, err := c.execConfig()
	if err != nil {
		return 0, err
	}
	if err := execspec.Bound(proc, s, opts.AddedCaps); err != nil {
		return 0, err
	}
	if proc.Terminal && opts.ConsoleSocket == "" && opts.Console == nil {
		return 0, errors.New("exec with a terminal needs --console-socket to send the pty master to")
	}
	ph.Mark("load state and config")
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("become child subreaper: %w", err)
	}
	paths, err := execspec.SubCgroupPaths(c.state.CgroupPaths, opts.SubCgroups)
	if err != nil {
		return 0, err
	}
	cg := cgroups.Load(paths)
	e := &execer{c: c, spec: s, proc: proc, opts: opts, phases: ph, cg: cg}
	defer e.close()
	pid, err := e.start()
	if err != nil {
		e.kill()
		return 0, err
	}
	ph.Mark("process running")
	if opts.PidFile != "" {
		path, err := filepath.Abs(opts.PidFile)
		if err == nil {
			err = atomicfile.WriteFile(path, []byte(strconv.Itoa(pid)), 0o644)
		}
		if err != nil {
			// A failed exec leaves nothing running, as runc.
			e.kill()
			return 0, fmt.Errorf("pid file %s: %w", opts.PidFile, err)
		}
	}
	if err := pidfd.Send(opts.PidfdSocket, pid); err != nil {
		e.kill()
		return 0, err
	}
	return pid, nil
}

// checkExecutable refuses containers that cannot take a new process.
func (c *Container) checkExecutable(ignorePaused bool) error {
	switch c.Status() {
	case specs.StateStopped:
		return fmt.Errorf("cannot exec in a stopped container: %s", c.ID())
	}
	if !ignorePaused && c.frozen() {
		return fmt.Errorf("cannot exec in a paused container: %s (resume it first)", c.ID())
	}
	return nil
}

// frozen says whether the container's cgroup is frozen, by the v1 freezer
// or cgroup2's cgroup.freeze: a process joining it would hang.
func (c *Container) frozen() bool {
	cg := c.cgroup()
	if dir := cg.Path("freezer"); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "freezer.state")); err == nil && string(b) != "THAWED\n" {
			return true
		}
	}
	if dir, ok := c.state.CgroupPaths[""]; ok {
		if b, err := os.ReadFile(filepath.Join(dir, "cgroup.freeze")); err == nil && string(b) == "1\n" {
			return true
		}
	}
	return false
}

// execer holds what an exec made so far, to undo it on failure.
type execer struct {
	c      *Container
	spec   *specs.Spec
	proc   *specs.Process
	opts   ExecOptions
	phases *phases.Timer
	cmd    *exec.Cmd
	pid    int
	cg     *cgroups.Manager // the cgroups the process joins
	files  []*os.File       // closed when exec returns
}

func (e *execer) close() {
	for _, f := range e.files {
		f.Close()
	}
}

func (e *execer) keep(f *os.File) *os.File {
	e.files = append(e.files, f)
	return f
}

// kill ends and reaps a process that failed to start.
func (e *execer) kill() {
	if e.pid > 0 {
		sigkill(e.pid)
		var ws unix.WaitStatus
		if _, err := unix.Wait4(e.pid, &ws, 0, nil); err != nil && !errors.Is(err, unix.ECHILD) {
			slog.Warn("reap exec'd process that failed to start", "pid", e.pid, "err", err)
		}
	}
	if e.cmd != nil && e.cmd.ProcessState == nil {
		if err := e.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			slog.Warn("kill exec's nsenter process", "pid", e.cmd.Process.Pid, "err", err)
		}
		// Killed just above: Wait's error is that signal; it only reaps.
		_ = e.cmd.Wait()
	}
}

func (e *execer) start() (int, error) {
	// CVE-2019-5736: the process starts from a sealed or read-only copy of
	// this binary, never the host's file, so that while it is still our code
	// running in the container nothing there can write the host binary
	// through /proc/PID/exe.
	exe, err := selfexe.Sealed()
	if err != nil {
		return 0, err
	}
	e.keep(exe)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("exec socketpair: %w", err)
	}
	sock := e.keep(os.NewFile(uintptr(pair[0]), "exec-parent"))
	childSock := os.NewFile(uintptr(pair[1]), "exec-child")
	console, err := e.consoleSocket()
	if err != nil {
		childSock.Close()
		return 0, err
	}
	files := newChildFiles(e.opts.PassFDs)
	sockFD, consoleFD, exeFD := files.add(childSock), files.add(console), files.add(exe)
	listener, err := seccomp.DialListener(seccompConfig(e.spec))
	if err != nil {
		childSock.Close()
		return 0, err
	}
	if listener != nil {
		e.keep(listener)
	}
	listenerFD := max(files.add(listener), 0)
	unified, err := e.cg.OpenUnified()
	if err != nil {
		childSock.Close()
		return 0, err
	}
	env := []string{nsenter.EnvSocket + "=" + strconv.Itoa(sockFD), initproc.EnvSocket + "=" + strconv.Itoa(sockFD)}
	if tf := ktrace.File(); tf != nil {
		env = append(env, ktrace.EnvFor(files.add(tf)))
	}
	e.cmd = &exec.Cmd{
		Path:       "/proc/self/fd/" + strconv.Itoa(exeFD),
		Args:       []string{"berth-runtime", "init"},
		Env:        env,
		ExtraFiles: files.list,
		Stdin:      e.opts.Stdin,
		Stdout:     e.opts.Stdout,
		Stderr:     e.opts.Stderr,
	}
	if e.cmd.Stdin == nil {
		e.cmd.Stdin = os.Stdin
	}
	if e.cmd.Stdout == nil {
		e.cmd.Stdout = os.Stdout
	}
	if e.cmd.Stderr == nil {
		e.cmd.Stderr = os.Stderr
	}
	if unified != nil {
		// clone3(CLONE_INTO_CGROUP) starts the process in the container's
		// cgroup2 cgroup: no migration, so no wait for an RCU grace period.
		e.keep(unified)
		e.cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(unified.Fd())}
	}
	err = mempolicy.Start(e.spec.Linux, initproc.StartWithAffinity(e.proc.ExecCPUAffinity, nsenter.NoLeakedFDs(e.cmd.Start)))
	childSock.Close()
	if err != nil {
		e.cmd = nil
		return 0, fmt.Errorf("start exec process: %w", err)
	}
	ktrace.Clone(e.cmd, unified)
	e.phases.Mark("start process")
	program := compileSeccomp(e.c.root, e.spec)
	var inC *nsenter.Exec
	if e.execInC() {
		if inC, err = e.cExec(program); err != nil {
			return 0, err
		}
	}
	if err := e.enter(sock, inC); err != nil {
		return 0, err
	}
	// Reaped once the process runs: its exit is not on the way there.
	defer e.reapIntermediate()
	if inC != nil {
		return e.pid, nsenter.WaitExec(sock)
	}
	cfg := initproc.Config{
		FifoFD: -1, ConsoleFD: consoleFD, ClearONLCR: e.opts.ClearONLCR, ExeFD: exeFD, PassFDs: e.opts.PassFDs, SeccompListenerFD: listenerFD,
		State: e.c.OCIState(),
		Exec:  &initproc.ExecConfig{Process: e.proc, Pid: e.pid},
	}
	if l := e.spec.Linux; l != nil {
		cfg.Exec.Seccomp = l.Seccomp
		cfg.Exec.Personality = l.Personality
	}
	if cfg.Seccomp, err = program(); err != nil {
		return 0, err
	}
	return e.pid, e.converse(sock, cfg)
}

// reapIntermediate waits for nsenter's intermediate process, which exits
// once it reported the pid it forked; that pid's outcome is the exec's.
func (e *execer) reapIntermediate() {
	if e.cmd != nil && e.cmd.ProcessState == nil {
		if err := e.cmd.Wait(); err != nil {
			slog.Debug("exec: nsenter's intermediate process", "err", err)
		}
	}
	e.cmd = nil
}

func (e *execer) consoleSocket() (*os.File, error) {
	f, err := consoleSocket(e.proc.Terminal, e.opts.Console, e.opts.ConsoleSocket)
	if err != nil || f == nil || f == e.opts.Console {
		return f, err
	}
	return e.keep(f), nil
}

// enter has nsenter join the init's namespaces (by /proc/PID/ns, user
// first) and the container's v1 cgroups (the process writes its own tasks
// files, which skips the kernel's grace-period wait). With inC, nsenter
// goes on to exec the process itself.
func (e *execer) enter(sock *os.File, inC *nsenter.Exec) error {
	init := strconv.Itoa(e.c.state.InitPid)
	boot := &nsenter.Bootstrap{CgroupFiles: e.cg.SelfJoinFiles(), Exec: inC, KeepAffinity: e.proc.ExecCPUAffinity != nil && *e.proc.ExecCPUAffinity != specs.CPUAffinity{}}
	seen := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range e.c.state.Namespaces {
		if seen[ns.Type] {
			continue
		}
		seen[ns.Type] = true
		name, ok := nsenter.ProcFiles[ns.Type]
		if !ok {
			return fmt.Errorf("exec: unknown namespace type %q in container state", ns.Type)
		}
		boot.Joins = append(boot.Joins, nsenter.Join{Flag: nsenter.Flags[ns.Type], Path: "/proc/" + init + "/ns/" + name})
	}
	pid, err := nsenter.Handshake(sock, boot, nil, e.cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("exec: join the namespaces of container %s: %w", e.c.ID(), err)
	}
	e.pid = pid
	if pid == e.cmd.Process.Pid {
		// No pid namespace to fork into: the child is the process.
		e.cmd = nil
	}
	if !e.c.state.alive() {
		return fmt.Errorf("cannot exec in a stopped container: %s", e.c.ID())
	}
	e.phases.Mark("namespaces and cgroups joined")
	return nil
}

// converse sends the process's config and waits for the socket to close:
// it is close-on-exec, so EOF without an error means execve succeeded.
func (e *execer) converse(sock *os.File, cfg initproc.Config) error {
	if err := json.NewEncoder(sock).Encode(cfg); err != nil {
		return fmt.Errorf("send config to exec process: %w", err)
	}
	dec := json.NewDecoder(sock)
	for {
		var m initproc.Message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("exec process: %w", err)
		}
		switch m.Type {
		case initproc.MsgError:
			return initproc.MessageError(m)
		default:
			return fmt.Errorf("exec process sent unknown message %q", m.Type)
		}
	}
}

// ExecProcess builds the process for `exec [flags] ID CMD...` as runc does:
// the container's process with the flags applied (execspec.Apply).
func (c *Container) ExecProcess(f execspec.Flags) (*specs.Process, error) {
	s, err := c.execConfig()
	if err != nil {
		return nil, err
	}
	return execspec.Apply(s.Process, f)
}
