package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/internal/phases"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/hooks"
	"github.com/berth-containers/berth/runtime/idmap"
	"github.com/berth-containers/berth/runtime/initproc"
	"github.com/berth-containers/berth/runtime/mempolicy"
	"github.com/berth-containers/berth/runtime/netdev"
	"github.com/berth-containers/berth/runtime/nsenter"
	"github.com/berth-containers/berth/runtime/pidfd"
	"github.com/berth-containers/berth/runtime/rootfs"
	"github.com/berth-containers/berth/runtime/seccomp"
	"github.com/berth-containers/berth/runtime/selfexe"
	"github.com/berth-containers/berth/runtime/spec"
	"github.com/berth-containers/berth/runtime/userns"
)

// CreateOptions are create's flags.
type CreateOptions struct {
	Bundle        string
	ConsoleSocket string
	// Console, if set, is used instead of ConsoleSocket: the caller keeps
	// the other end (foreground run with a terminal).
	Console *os.File
	// ClearONLCR makes the pty pass "\n" as is, not as "\r\n", before
	// the master is sent: what runc does when it is the console's end.
	ClearONLCR bool
	PidFile    string
	// Spec, if set, is the bundle's config.json as its writer holds it
	// (the engine, which runs this library in-process): Create uses it
	// instead of reading and decoding the file again, which for Docker's
	// default seccomp profile (400 syscall names) is most of what the
	// profile costs a run. Create does not modify it; it must be what
	// config.json holds.
	Spec *specs.Spec
	// PidfdSocket is a unix socket to send a pidfd of the process to.
	PidfdSocket  string
	NoPivot      bool
	NoNewKeyring bool
	// PassFDs is how many fds from 3 up the process inherits.
	PassFDs int
	// ListenFDs is how many of those are socket-activation fds: the process
	// gets LISTEN_FDS and LISTEN_PID=1 to find them.
	ListenFDs int
	// Stdio of the container's process; nil means the caller's own.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Create sets the container up and leaves its process waiting for Start.
// On error nothing is left: no state directory, cgroup, mount or process.
func Create(root, id string, opts CreateOptions) (c *Container, err error) {
	ph := phases.New("create")
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	bundle, err := filepath.Abs(opts.Bundle)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", opts.Bundle, err)
	}
	s, raw, err := loadConfig(bundle, opts.Spec)
	if err != nil {
		return nil, err
	}
	ph.Mark("load config.json")
	if err := spec.Validate(s, bundle); err != nil {
		return nil, err
	}
	ph.Mark("validate config")
	rootfsPath, err := spec.RootfsPath(s, bundle)
	if err != nil {
		return nil, err
	}
	if s.Process.Terminal && opts.ConsoleSocket == "" && opts.Console == nil {
		return nil, errors.New("process.terminal is true: a --console-socket is needed to receive the pty master")
	}
	// Root-only, as runc's: a container's directory (its exec fifo) is for
	// root alone. An existing root keeps the mode its maker (containerd,
	// podman) chose, as with runc.
	if err := statedir.MkdirAll(root, statedir.Mode); err != nil {
		return nil, fmt.Errorf("create state root %s: %w", root, err)
	}
	dir := filepath.Join(root, id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w: %s", ErrExist, id)
		}
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	b := &builder{root: root, id: id, dir: dir, bundle: bundle, rootfs: rootfsPath, spec: s, raw: raw, opts: opts, phases: ph}
	if opts.ListenFDs > 0 {
		b.extraEnv = []string{"LISTEN_FDS=" + strconv.Itoa(opts.ListenFDs), "LISTEN_PID=1"}
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.undo())
		}
	}()
	if err := b.build(); err != nil {
		return nil, err
	}
	return &Container{root: root, dir: dir, state: b.state}, nil
}

// loadConfig is the bundle's config.json decoded, or given (see
// CreateOptions.Spec), and its bytes when it was read.
func loadConfig(bundle string, given *specs.Spec) (*specs.Spec, []byte, error) {
	if given != nil {
		return given, nil, nil
	}
	raw, err := os.ReadFile(filepath.Join(bundle, spec.ConfigName))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", spec.ConfigName, err)
	}
	s, err := spec.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	return s, raw, nil
}

// builder holds what a create made so far, to undo it on failure.
type builder struct {
	root, id, dir  string
	bundle, rootfs string
	spec           *specs.Spec
	// seccomp waits for linux.seccomp's program, compiled meanwhile.
	seccomp  func() (*seccomp.Program, error)
	raw      []byte // config.json as read; nil if given as a spec
	extraEnv []string
	opts     CreateOptions
	phases   *phases.Timer
	cg       *cgroups.Manager
	cmd      *exec.Cmd
	initPid  int
	state    *State
	lockFile *os.File
	// inRuntime: this process builds the rootfs (setup.go).
	inRuntime bool
	// idmaps: what the id-mapped binds need, made before the init.
	idmaps *idmap.Set
	// netdevs: host devices moved into the container, back on undo.
	netdevs *netdev.Moved
	// ready: the limits written once the init is set up (applyReady).
	ready *specs.LinuxResources
}

func (b *builder) build() error {
	b.seccomp = compileSeccomp(b.root, b.spec)
	lf, err := lock(b.dir)
	if err != nil {
		return err
	}
	b.lockFile = lf
	defer lf.Close()
	// Reparent the init to us when nsenter's intermediate exits, so a failed
	// create can reap it and a foreground run can wait for it.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	var cgPath string
	if b.spec.Linux != nil {
		cgPath = b.spec.Linux.CgroupsPath
	}
	if b.cg, err = cgroups.NewUnused(cgPath, b.id); err != nil {
		return err
	}
	// Before the first mkdir: a kill half way through Create leaves
	// dirs in some hierarchies. Only those this create makes: a cgroup
	// that exists already is shared, not ours to empty.
	if err := writeCreating(b.dir, newCgroupPaths(b.cg)); err != nil {
		return err
	}
	if err := b.cg.Create(); err != nil {
		if !userns.IgnoreCgroupError(err) {
			return err
		}
		b.cg = cgroups.Load(nil) // rootless: no cgroup of our own, as runc
	}
	// As runc: the init would hang in a cgroup frozen before it came.
	if b.cg.Frozen() {
		return fmt.Errorf("create container %s: container's cgroup unexpectedly frozen", b.id)
	}
	b.phases.Mark("state dir, cgroup dirs")
	if err := b.applyResources(); err != nil {
		return err
	}
	fifo, err := makeFifo(b.dir)
	if err != nil {
		return err
	}
	defer fifo.Close()
	consoleSock, err := b.consoleSocket()
	if err != nil {
		return err
	}
	if consoleSock != nil {
		defer consoleSock.Close()
	}
	return b.startInit(fifo, consoleSock)
}

func (b *builder) consoleSocket() (*os.File, error) {
	return consoleSocket(b.spec.Process.Terminal, b.opts.Console, b.opts.ConsoleSocket)
}

// consoleSocket returns the socket a process with a terminal sends its pty
// master over: the caller's own (a foreground run) or a connection to the
// --console-socket path. Without a terminal there is none.
func consoleSocket(terminal bool, given *os.File, path string) (*os.File, error) {
	if !terminal {
		return nil, nil
	}
	if given != nil {
		return given, nil
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	defer conn.Close()
	f, err := conn.(*net.UnixConn).File()
	if err != nil {
		return nil, fmt.Errorf("console socket %s: %w", path, err)
	}
	return f, nil
}

func makeFifo(dir string) (*os.File, error) {
	path := filepath.Join(dir, fifoName)
	// 0622 so that an init that is not root can write it; set after mkfifo,
	// not by clearing the umask, which is the whole process's (other
	// goroutines create files and sockets meanwhile).
	err := unix.Mkfifo(path, 0o600)
	if err == nil {
		err = unix.Chmod(path, 0o622)
	}
	if err != nil {
		return nil, fmt.Errorf("create exec fifo %s: %w", path, err)
	}
	f, err := os.OpenFile(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo %s: %w", path, err)
	}
	return f, nil
}

func (b *builder) startInit(fifo, consoleSock *os.File) error {
	exe, err := selfexe.Sealed()
	if err != nil {
		return err
	}
	defer exe.Close()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("init socketpair: %w", err)
	}
	parentSock := os.NewFile(uintptr(pair[0]), "init-parent")
	childSock := os.NewFile(uintptr(pair[1]), "init-child")
	defer parentSock.Close()

	files := newChildFiles(b.opts.PassFDs)
	sockFD, fifoFD, consoleFD, exeFD := files.add(childSock), files.add(fifo), files.add(consoleSock), files.add(exe)
	b.inRuntime = b.setupInRuntime()
	// Inside a user namespace the init may not id-map: this process does.
	inUserns := b.spec.Linux != nil && rootfs.HasNamespace(b.spec.Linux, specs.UserNamespace)
	if b.idmaps, err = idmap.Prepare(b.spec, b.bundle, inUserns); err != nil {
		return err
	}
	defer b.idmaps.Close()
	var idmapFDs map[int]idmap.FDs
	if !b.inRuntime {
		idmapFDs = b.idmaps.FDs(files.add)
	}
	var memJoin *os.File
	if !b.inRuntime {
		if memJoin, err = b.memoryJoinFile(); err != nil {
			return err
		}
	}
	if memJoin != nil {
		defer memJoin.Close()
	}
	memFD := max(files.add(memJoin), 0)
	listener, err := seccomp.DialListener(seccompConfig(b.spec))
	if err != nil {
		return err
	}
	if listener != nil {
		defer listener.Close()
	}
	listenerFD := max(files.add(listener), 0)
	env := []string{nsenter.EnvSocket + "=" + strconv.Itoa(sockFD), initproc.EnvSocket + "=" + strconv.Itoa(sockFD)}
	if tf := ktrace.File(); tf != nil {
		env = append(env, ktrace.EnvFor(files.add(tf)))
	}
	unified, err := b.cg.OpenUnified()
	if err != nil {
		return err
	}
	if unified != nil {
		defer unified.Close()
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/" + strconv.Itoa(exeFD),
		Args:       []string{"berth-runtime", "init"},
		Env:        env,
		ExtraFiles: files.list,
		Stdin:      b.opts.Stdin,
		Stdout:     b.opts.Stdout,
		Stderr:     b.opts.Stderr,
	}
	if unified != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(unified.Fd())}
	}
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	err = mempolicy.Start(b.spec.Linux, nsenter.NoLeakedFDs(cmd.Start))
	childSock.Close()
	if err != nil {
		return fmt.Errorf("start container init: %w", err)
	}
	b.cmd = cmd
	ktrace.Clone(cmd, unified)
	b.phases.Mark("start init process")
	return b.handshake(parentSock, initproc.Config{FifoFD: fifoFD, ConsoleFD: consoleFD, ClearONLCR: b.opts.ClearONLCR, ExeFD: exeFD, CgroupJoinFD: memFD, MemoryCgroup: b.memoryCgroupDir(), SeccompListenerFD: listenerFD, IDMap: idmapFDs})
}

// childFiles are the fds a new process inherits from 3 up: first the
// caller's own 3..3+n-1 (--preserve-fds, LISTEN_FDS) at the same numbers,
// then the runtime's, numbered as they are added.
type childFiles struct{ list []*os.File }

func newChildFiles(pass int) *childFiles {
	c := &childFiles{list: make([]*os.File, 0, pass+4)}
	for i := 0; i < pass; i++ {
		c.list = append(c.list, os.NewFile(uintptr(3+i), "passed-fd-"+strconv.Itoa(3+i)))
	}
	return c
}

// add passes f on and returns its number in the child, or -1 for nil.
func (c *childFiles) add(f *os.File) int {
	if f == nil {
		return -1
	}
	c.list = append(c.list, f)
	return 2 + len(c.list)
}

func (b *builder) handshake(sock *os.File, cfg initproc.Config) error {
	var ns []specs.LinuxNamespace
	var offsets map[string]specs.LinuxTimeOffset
	var uidMaps, gidMaps []specs.LinuxIDMapping
	if l := b.spec.Linux; l != nil {
		ns, offsets, uidMaps, gidMaps = l.Namespaces, l.TimeOffsets, l.UIDMappings, l.GIDMappings
	}
	boot, err := nsenter.FromSpec(ns, offsets)
	if err != nil {
		return err
	}
	boot.CgroupFiles = b.cg.InitJoinFiles()
	if b.inRuntime {
		b.setupBootstrap(boot, cfg.FifoFD)
	} else if err := b.rootCgroupNamespace(boot); err != nil {
		return err
	}
	writeMaps := func(pid int) error { return userns.WriteMaps(pid, uidMaps, gidMaps) }
	pid, err := nsenter.Handshake(sock, boot, writeMaps, b.cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("create namespaces: %w", err)
	}
	b.initPid = pid
	if b.netdevs, err = netdev.Move(b.spec.Linux, pid); err != nil {
		return err
	}
	b.phases.Mark("namespaces")
	if b.inRuntime {
		return b.buildFromRuntime(sock)
	}
	if b.raw == nil {
		if b.raw, err = json.Marshal(b.spec); err != nil {
			return fmt.Errorf("encode the spec for the init: %w", err)
		}
	}
	cfg.SpecJSON, cfg.ExtraEnv, cfg.Rootfs, cfg.Bundle = b.raw, b.extraEnv, b.rootfs, b.bundle
	cfg.NoPivot, cfg.NoNewKeyring, cfg.PassFDs = b.opts.NoPivot, b.opts.NoNewKeyring, b.opts.PassFDs
	cfg.State = b.ociState(specs.StateCreating)
	cfg.Hooks = b.hasCreateHooks()
	if cfg.Seccomp, err = b.seccomp(); err != nil {
		return err
	}
	b.phases.Mark("seccomp program (wait)")
	enc := json.NewEncoder(sock)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("send config to init: %w", err)
	}
	// The init works on its config now; do our own chores meanwhile.
	if pid != b.cmd.Process.Pid {
		// nsenter's intermediate process has reported and exits now; how
		// it went is in that report, so its exit status adds nothing.
		_ = b.cmd.Wait()
		b.cmd = nil
	}
	b.state = b.newState()
	return b.converse(sock, enc)
}

// converse speaks initproc's protocol until the init is ready.
func (b *builder) converse(sock *os.File, enc *json.Encoder) error {
	dec := json.NewDecoder(sock)
	for {
		var m initproc.Message
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("container init exited before it was ready (%v)", err)
		}
		switch m.Type {
		case initproc.MsgError:
			return initproc.MessageError(m)
		case initproc.MsgHooks:
			if err := b.runtimeHooks(); err != nil {
				return err
			}
			if err := enc.Encode(initproc.Message{Type: initproc.MsgHooksDone}); err != nil {
				return fmt.Errorf("send hooks-done to init: %w", err)
			}
		case initproc.MsgReady:
			b.phases.Mark("init ready (rootfs, process set-up)")
			return b.finish()
		default:
			return fmt.Errorf("container init sent unknown message %q", m.Type)
		}
	}
}

func (b *builder) hasCreateHooks() bool {
	h := b.spec.Hooks
	//lint:ignore SA1019 prestart is deprecated but still honoured, as runc does
	return h != nil && len(h.Prestart)+len(h.CreateRuntime)+len(h.CreateContainer) > 0
}

// runtimeHooks runs prestart and createRuntime hooks in the runtime's
// namespaces, after the container's exist and before pivot_root. Their
// state says created: runtime-spec 1.3 calls a container created after
// step 2 of the lifecycle, and these hooks are steps 3 and 4.
func (b *builder) runtimeHooks() error {
	st := b.ociState(specs.StateCreated)
	//lint:ignore SA1019 prestart is deprecated but still honoured, as runc does
	if err := hooks.Run("prestart", b.spec.Hooks.Prestart, &st); err != nil {
		return err
	}
	return hooks.Run("createRuntime", b.spec.Hooks.CreateRuntime, &st)
}

func (b *builder) finish() error {
	if err := b.applyReady(); err != nil {
		return err
	}
	if err := saveState(b.dir, b.state); err != nil {
		return err
	}
	if b.opts.PidFile != "" {
		path, err := filepath.Abs(b.opts.PidFile)
		if err != nil {
			return fmt.Errorf("pid file %s: %w", b.opts.PidFile, err)
		}
		if err := atomicfile.WriteFile(path, []byte(strconv.Itoa(b.initPid)), 0o644); err != nil {
			return err
		}
	}
	return pidfd.Send(b.opts.PidfdSocket, b.initPid)
}

func (b *builder) newState() *State {
	start, _, _ := proc.StartTime(b.initPid)
	owner := ""
	if u, err := user.LookupId(strconv.Itoa(os.Geteuid())); err == nil {
		owner = u.Username
	}
	st := &State{
		ID: b.id, Bundle: b.bundle, Rootfs: b.rootfs,
		InitPid: b.initPid, InitStart: start, Created: time.Now().UTC(), Owner: owner,
		Annotations: b.spec.Annotations, CgroupPaths: b.cg.Paths(), Hooks: b.spec.Hooks,
		Terminal: b.spec.Process.Terminal,
	}
	if b.spec.Linux != nil {
		st.Namespaces = b.spec.Linux.Namespaces
	}
	return st
}

func (b *builder) ociState(status specs.ContainerState) specs.State {
	return specs.State{Version: specs.Version, ID: b.id, Status: status, Pid: b.initPid, Bundle: b.bundle, Annotations: b.spec.Annotations}
}

// undo removes everything a failed create made, in reverse order, and
// says what it could not remove.
func (b *builder) undo() error {
	errs := []error{b.netdevs.Return()}
	if b.initPid > 0 {
		if err := unix.Kill(b.initPid, unix.SIGKILL); err != nil && err != unix.ESRCH {
			errs = append(errs, fmt.Errorf("kill init %d: %w", b.initPid, err))
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(b.initPid, &ws, 0, nil); err != nil && err != unix.ECHILD {
			errs = append(errs, fmt.Errorf("wait for init %d: %w", b.initPid, err))
		}
	}
	if b.cmd != nil && b.cmd.Process != nil && b.cmd.ProcessState == nil {
		// Killed here: Wait's error is that kill, or that it had exited.
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	}
	if b.cg != nil {
		if err := b.cg.Destroy(); err != nil {
			errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
		}
	}
	if err := os.RemoveAll(b.dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("undo the create of %s: %w", b.id, err)
	}
	return nil
}
