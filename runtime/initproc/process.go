package initproc

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/kfile"
	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/runtime/caps"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/rootfs"
	"github.com/berth-containers/berth/runtime/seccomp"
	"github.com/berth-containers/berth/runtime/spec"
	"github.com/berth-containers/berth/runtime/user"
)

type program struct {
	path string
	env  []string
	// seccomp is loaded last, just before execve (nil if already loaded).
	seccomp *seccomp.Program
}

// prepareProcess does, in runc's order, everything between the finished
// filesystem and the wait for start: limits, terminal, the program's path,
// working directory, environment, fds and finally the drop of privileges.
func prepareProcess(c *Config) (*program, error) {
	proc := c.Spec.Process
	if err := setRlimits(proc.Rlimits); err != nil {
		return nil, err
	}
	if proc.OOMScoreAdj != nil {
		if err := kfile.WriteProc("self/oom_score_adj", []byte(strconv.Itoa(*proc.OOMScoreAdj))); err != nil {
			return nil, err
		}
	}
	if proc.Terminal && !c.terminalSet {
		if err := setupTerminal(c, false); err != nil {
			return nil, err
		}
	} else if !proc.Terminal && c.ConsoleFD >= 0 {
		unix.Close(c.ConsoleFD)
	}
	env := spec.ProcessEnv(proc.Env, func() string { return user.HomeDir("/", proc.User.UID) })
	path, err := lookPath(proc.Args[0], env)
	if err != nil {
		return nil, err
	}
	if err := enterCwd(proc.Cwd); err != nil {
		return nil, err
	}
	// After the chdir: a cwd of /proc/self/fd/N must not name it.
	holdSelfFDs(c)
	if c.Spec.Linux != nil && c.Spec.Linux.Personality != nil {
		// Only the domain is settable; flags are refused by Validate.
		if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, personality(c.Spec.Linux.Personality.Domain), 0, 0); errno != 0 {
			return nil, fmt.Errorf("set personality %s: %w", c.Spec.Linux.Personality.Domain, errno)
		}
	}
	if err := setScheduling(proc, cpusetCPUs(c.Spec)); err != nil {
		return nil, err
	}
	if proc.User.Umask != nil {
		unix.Umask(int(*proc.User.Umask))
	}
	// CVE-2024-21626: no fd of the runtime may reach the program.
	if err := unix.CloseRange(uint(3+c.PassFDs), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return nil, fmt.Errorf("mark runtime fds close-on-exec: %w", err)
	}
	filter, err := prepareSeccomp(c)
	if err != nil {
		return nil, err
	}
	if err := dropPrivileges(proc); err != nil {
		return nil, err
	}
	return &program{path: path, env: env, seccomp: filter}, nil
}

func dropPrivileges(proc *specs.Process) error {
	cs, err := caps.New(proc.Capabilities)
	if err != nil {
		return err
	}
	if err := cs.ApplyBounding(); err != nil {
		return err
	}
	if proc.Terminal {
		if err := fixStdioOwner(int(proc.User.UID)); err != nil {
			return err
		}
	}
	if err := user.Apply(proc.User); err != nil {
		return err
	}
	if err := cs.ApplyAll(); err != nil {
		return err
	}
	ktrace.F("prctl(PR_CAPBSET_DROP, ...): bounding set now %#x; setresgid(%d), setresuid(%d)", uint64(cs.Bounding), proc.User.GID, proc.User.UID)
	ktrace.F("capset(effective=%#x, permitted=%#x, inheritable=%#x)", uint64(cs.Effective), uint64(cs.Permitted), uint64(cs.Inheritable))
	if proc.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
		ktrace.F("prctl(PR_SET_NO_NEW_PRIVS, 1)")
	}
	return nil
}

func setRlimits(limits []specs.POSIXRlimit) error {
	for _, l := range limits {
		res, ok := spec.Rlimit(l.Type)
		if !ok {
			return fmt.Errorf("process.rlimits: unknown type %q", l.Type)
		}
		if err := unix.Prlimit(0, res, &unix.Rlimit{Cur: l.Soft, Max: l.Hard}, nil); err != nil {
			return fmt.Errorf("set %s to soft %d, hard %d: %w", l.Type, l.Soft, l.Hard, err)
		}
		ktrace.F("prlimit64(0, %s, {cur=%d, max=%d})", l.Type, l.Soft, l.Hard)
	}
	return nil
}

func personality(domain specs.LinuxPersonalityDomain) uintptr {
	if domain == specs.PerLinux32 {
		return 0x0008
	}
	return 0
}

// setupTerminal makes a pty inside the container (its devpts), hands the
// master to whoever listens on the console socket, and makes the slave the
// process's controlling terminal and stdio; with mountConsole also
// /dev/console. The slave is the master's peer, never opened by path.
func setupTerminal(c *Config, mountConsole bool) error {
	c.terminalSet = true
	if c.ConsoleFD < 0 {
		return errors.New("process.terminal is true but no --console-socket was given")
	}
	// The constructor (nsenter.c) made the process a session leader.
	if sid, _ := unix.Getsid(0); sid != unix.Getpid() {
		if _, err := unix.Setsid(); err != nil {
			return fmt.Errorf("setsid: %w", err)
		}
	}
	master, _, err := console.NewPty()
	if err != nil {
		return err
	}
	defer master.Close()
	if c.ClearONLCR {
		if err := console.ClearONLCR(master); err != nil {
			return err
		}
	}
	slave, err := console.Peer(master)
	if err != nil {
		return err
	}
	defer slave.Close()
	if mountConsole {
		if err := rootfs.MountConsole(int(slave.Fd())); err != nil {
			return err
		}
	}
	if box := c.Spec.Process.ConsoleSize; box != nil {
		if err := console.SetSize(master, *box); err != nil {
			return err
		}
	}
	sock := os.NewFile(uintptr(c.ConsoleFD), "console-socket")
	conn, err := net.FileConn(sock)
	sock.Close()
	if err != nil {
		return fmt.Errorf("console socket: %w", err)
	}
	defer conn.Close()
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return errors.New("console socket is not a unix socket")
	}
	if err := console.SendFDConn(uc, master); err != nil {
		return err
	}
	return console.SetupSlaveFile(slave)
}

// lookPath finds the program with the container's own PATH, so a missing
// binary fails create, not start.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		st, err := os.Stat(name)
		if err != nil {
			err = fmt.Errorf("exec: %q: %w", name, err)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				err = &ExecError{Reason: ReasonNotFound, Err: err}
			case errors.Is(err, fs.ErrPermission):
				err = &ExecError{Reason: ReasonNotExecutable, Err: err}
			}
			return "", err
		}
		// As runc: a directory or a non-executable file cannot be invoked.
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", &ExecError{Reason: ReasonNotExecutable, Err: fmt.Errorf("exec: %q: %w", name, fs.ErrPermission)}
		}
		return name, nil
	}
	path := ""
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[len("PATH="):]
		}
	}
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &ExecError{Reason: ReasonNotFound, Err: fmt.Errorf("exec: %q: %w", name, exec.ErrNotFound)}
}

// enterCwd changes to the process's working directory and checks that it is
// inside the container's root (CVE-2024-21626: a cwd reached through a
// leaked fd shows as "(unreachable)").
func enterCwd(cwd string) error {
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("chdir to cwd (%q) set in config.json: %w", cwd, err)
	}
	wd, err := unix.Getwd()
	if err != nil {
		return fmt.Errorf("getcwd: %w", err)
	}
	if !strings.HasPrefix(wd, "/") {
		return fmt.Errorf("cwd %q is outside the container's root", wd)
	}
	return nil
}
