package container

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/runtime/initproc"
	"github.com/berth-containers/berth/runtime/nsenter"
	"github.com/berth-containers/berth/runtime/rootfs"
	"github.com/berth-containers/berth/runtime/seccomp"
)

// A container is built one of two ways. The general way: the init starts
// a second Go program (runtime/initproc) that mounts the rootfs from
// inside its namespaces. The quick way, for most containers: the init
// stays in nsenter's C constructor (setup.c) and this process builds the
// rootfs on one of its own threads, joined to the init's namespaces. That
// saves a Go start and a decode of the spec, a third of a `run`.
//
// setupInRuntime says whether the quick way can build this container. It
// cannot for a user namespace (a thread of a multi-threaded process may not
// join one), a terminal (the pty is made inside the container and sent
// away), createContainer and startContainer hooks (run inside the
// container, in its pid namespace), a seccomp agent, LSM labels, a
// personality, a scheduler or I/O priority (set by initproc), --no-pivot
// or more than one procfs: those keep the general way.
func (b *builder) setupInRuntime() bool {
	s, p, l := b.spec, b.spec.Process, b.spec.Linux
	if l == nil || os.Geteuid() != 0 || b.opts.NoPivot || p.Terminal || p.ApparmorProfile != "" || p.SelinuxLabel != "" ||
		l.Personality != nil || p.Scheduler != nil || p.IOPriority != nil || seccomp.Notifies(seccompConfig(s)) {
		return false
	}
	if h := s.Hooks; h != nil && len(h.CreateContainer)+len(h.StartContainer) > 0 {
		return false
	}
	newMount := false
	for _, n := range l.Namespaces {
		switch n.Type {
		case specs.UserNamespace:
			return false
		case specs.MountNamespace:
			newMount = n.Path == ""
		}
	}
	return newMount && procMounts(s.Mounts) <= 1
}

func procMounts(ms []specs.Mount) int {
	n := 0
	for _, m := range ms {
		if m.Type == "proc" && !rootfs.IsBind(m) {
			n++
		}
	}
	return n
}

// setupBootstrap makes the constructor wait to be set up. Its memory
// cgroup is joined with the others: no Go runtime will be charged to it.
func (b *builder) setupBootstrap(boot *nsenter.Bootstrap, fifoFD int) {
	if mem := b.cg.MemoryJoinFile(); mem != "" {
		boot.CgroupFiles = append(boot.CgroupFiles, mem)
	}
	boot.Setup = &nsenter.Setup{Proc: procMounts(b.spec.Mounts) == 1, FifoFD: fifoFD}
	if !b.opts.NoNewKeyring {
		boot.Setup.Keyring = "_ses." + b.id
	}
}

// buildFromRuntime builds the container around the init that reported in
// its namespaces, hands it its process and waits until it is ready.
func (b *builder) buildFromRuntime(sock *os.File) error {
	procfs, err := nsenter.ReceiveSetup(sock)
	if err != nil {
		return err
	}
	procFD := 0
	if procfs != nil {
		defer procfs.Close()
		procFD = int(procfs.Fd())
	}
	if b.initPid != b.cmd.Process.Pid {
		// nsenter's intermediate process has reported and exits now; the
		// pid it reported is the outcome, its own exit is not.
		if err := b.cmd.Wait(); err != nil {
			slog.Debug("create: nsenter's intermediate process", "err", err)
		}
		b.cmd = nil
	}
	b.state = b.newState()
	err = inNamespacesOf(b.initPid, b.spec.Linux, func() error { return b.buildRootfs(procFD) })
	if err != nil {
		return err
	}
	b.phases.Mark("rootfs, hostname, lo (runtime thread)")
	sc, err := b.seccomp()
	if err != nil {
		return err
	}
	p := *b.spec.Process
	p.Env = append(p.Env[:len(p.Env):len(p.Env)], b.extraEnv...)
	if p.User.Umask == nil {
		umask := uint32(0o022) // as the Go init: runc's default
		p.User.Umask = &umask
	}
	x, err := nsenter.NewExec(&p, b.opts.PassFDs, "/proc/"+strconv.Itoa(b.initPid), true, sc)
	if err != nil {
		return err
	}
	if err := nsenter.SendProcess(sock, x); err != nil {
		return err
	}
	b.phases.Mark("init ready (process set-up)")
	return b.finish()
}

// buildRootfs is initproc's filesystem and names set-up, done from a
// thread in the init's namespaces (see inNamespacesOf).
func (b *builder) buildRootfs(procFS int) error {
	s := b.spec
	rc := &rootfs.Config{Spec: s, Rootfs: b.rootfs, Bundle: b.bundle, Pid: b.initPid, ProcFS: procFS, IDMap: b.idmaps.FDs(nil),
		MemoryCgroup: b.memoryCgroupDir(),
		BeforePivot: func() error {
			if !b.hasCreateHooks() {
				return nil
			}
			// prestart and createRuntime hooks run in the runtime's
			// namespaces: not on this thread.
			done := make(chan error, 1)
			go func() { done <- b.runtimeHooks() }()
			return <-done
		}}
	if err := rootfs.Setup(rc); err != nil {
		return err
	}
	if err := rootfs.Finalize(rc); err != nil {
		return err
	}
	return initproc.SetupNames(s)
}

// setupJoinOrder is the namespaces a set-up thread joins, mount last. Not
// pid (it only matters to children, and proc comes from the init), user
// (excluded) or time (nothing here reads clocks).
var setupJoinOrder = []specs.LinuxNamespaceType{specs.IPCNamespace, specs.UTSNamespace,
	specs.NetworkNamespace, specs.CgroupNamespace, specs.MountNamespace}

// inNamespacesOf runs fn on a fresh OS thread that has joined pid's
// namespaces. setns into a mount namespace needs a thread whose
// filesystem attributes are its own (unshare(CLONE_FS)); the others are
// per-thread anyway. The thread is never given back: it ends in the
// container's namespaces and root, and the Go runtime ends it with the
// goroutine, which exits locked. Threads the runtime starts meanwhile are
// cloned from a clean template thread, not from a locked one.
func inNamespacesOf(pid int, l *specs.Linux, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := joinNamespaces(pid, l); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

func joinNamespaces(pid int, l *specs.Linux) error {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare filesystem attributes: %w", err)
	}
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	var names []string
	for _, t := range setupJoinOrder {
		if !rootfs.HasNamespace(l, t) {
			continue
		}
		path := "/proc/" + strconv.Itoa(pid) + "/ns/" + nsenter.ProcFiles[t]
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open the init's %s namespace %s: %w", t, path, err)
		}
		fds, names = append(fds, fd), append(names, string(t))
	}
	ktrace.F("unshare(CLONE_FS): this thread's root and cwd become its own")
	for i, fd := range fds {
		if err := unix.Setns(fd, 0); err != nil {
			return fmt.Errorf("join the init's %s namespace: %w", names[i], err)
		}
		if ktrace.On() {
			ktrace.F("setns(/proc/%d/ns/%s, %s): a runtime thread joins the init", pid,
				nsenter.ProcFiles[specs.LinuxNamespaceType(names[i])], ktrace.Names(uint64(nsenter.Flags[specs.LinuxNamespaceType(names[i])]), ktrace.CloneFlags))
		}
	}
	return nil
}
