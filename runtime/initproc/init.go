package initproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"

	"github.com/berth-containers/berth/runtime/hooks"
	"github.com/berth-containers/berth/runtime/rootfs"
	"github.com/berth-containers/berth/runtime/spec"
)

// Main is the init's entry point. It never returns: it execs the user's
// program or exits non-zero after reporting the error to the parent.
func Main() {
	// Capabilities, credentials and the final execve are per-thread: do them
	// all on this one.
	runtime.LockOSThread()
	fd, err := strconv.Atoi(os.Getenv(EnvSocket))
	if err != nil {
		fmt.Fprintf(os.Stderr, "berth-runtime init: bad %s: %v\n", EnvSocket, err)
		os.Exit(1)
	}
	// Unsetenv fails only for a name with "=" or NUL, not this constant.
	_ = os.Unsetenv(EnvSocket)
	ktrace.FromEnv("init")
	sock := os.NewFile(uintptr(fd), "init-socket")
	p := &peer{enc: json.NewEncoder(sock), dec: json.NewDecoder(sock)}
	if err := run(p); err != nil {
		if serr := p.send(Message{Type: MsgError, Error: err.Error(), Reason: reasonOf(err)}); serr != nil {
			// The runtime is gone or deaf: stderr is all that is left.
			fmt.Fprintf(os.Stderr, "berth-runtime init: %v (%v)\n", err, serr)
		}
		os.Exit(1)
	}
	// run only returns nil if execve failed after "ready", which it reports.
	os.Exit(1)
}

type peer struct {
	enc *json.Encoder
	dec *json.Decoder
}

func (p *peer) send(m Message) error {
	if err := p.enc.Encode(m); err != nil {
		return fmt.Errorf("send %s to runtime: %w", m.Type, err)
	}
	return nil
}

func (p *peer) expect(want string) error {
	var m Message
	if err := p.dec.Decode(&m); err != nil {
		return fmt.Errorf("wait for %s from runtime: %w", want, err)
	}
	if m.Type != want {
		return fmt.Errorf("runtime sent %q, want %q", m.Type, want)
	}
	return nil
}

func run(p *peer) error {
	var c Config
	if err := p.dec.Decode(&c); err != nil {
		return fmt.Errorf("read init config: %w", err)
	}
	if c.ExeFD > 0 {
		unix.Close(c.ExeFD)
	}
	if c.Exec != nil {
		return execProcess(&c)
	}
	s, err := spec.Parse(c.SpecJSON)
	if err != nil {
		return err
	}
	c.Spec = s
	if s.Process == nil {
		return errors.New("config.json: process is required")
	}
	s.Process.Env = append(s.Process.Env, c.ExtraEnv...)
	if !c.NoNewKeyring {
		if err := newSessionKeyring(c.State.ID); err != nil {
			return err
		}
	}
	if err := setupFilesystem(p, &c); err != nil {
		return err
	}
	if err := SetupNames(s); err != nil {
		return err
	}
	prog, err := prepareProcess(&c)
	if err != nil {
		return err
	}
	if err := joinMemoryCgroup(c.CgroupJoinFD); err != nil {
		return err
	}
	if err := p.send(Message{Type: MsgReady}); err != nil {
		return err
	}
	if c.FifoFD >= 0 {
		if err := waitForStart(c.selfFDs, c.FifoFD); err != nil {
			return err
		}
	}
	// The startContainer hooks run under the filter, as runc runs them:
	// they run in the container, as its program would.
	if err := prog.loadSeccomp(&c); err != nil {
		fmt.Fprintf(os.Stderr, "berth-runtime: %v\n", err)
		return nil
	}
	if s.Hooks != nil && len(s.Hooks.StartContainer) > 0 {
		st := c.State
		st.Status = specs.StateCreated // what runc reports: start has not returned yet
		if err := hooks.Run("startContainer", defaultEnv(s.Hooks.StartContainer, prog.env), &st); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	ktrace.F("execve(%q, %s)", prog.path, ktrace.Argv(s.Process.Args))
	err = unix.Exec(prog.path, s.Process.Args, prog.env)
	// runc's words, which scripts match: "exec /run.sh: no such file or directory".
	fmt.Fprintf(os.Stderr, "exec %s: %v\n", s.Process.Args[0], err)
	return nil
}

// defaultEnv gives the hooks without an env of their own the process's (its
// HOME included), as runc does for startContainer hooks: not in the spec,
// but what hooks written for runc expect.
func defaultEnv(hs []specs.Hook, env []string) []specs.Hook {
	out := make([]specs.Hook, len(hs))
	for i, h := range hs {
		if len(h.Env) == 0 {
			h.Env = env
		}
		out[i] = h
	}
	return out
}

// setupFilesystem builds the rootfs when the container has a mount
// namespace of its own, new or joined, with the hooks round trip just before pivot_root.
func setupFilesystem(p *peer, c *Config) error {
	s := c.Spec
	beforePivot := func() error {
		if !c.Hooks {
			return nil
		}
		if err := p.send(Message{Type: MsgHooks}); err != nil {
			return err
		}
		if err := p.expect(MsgHooksDone); err != nil {
			return err
		}
		if s.Hooks != nil && len(s.Hooks.CreateContainer) > 0 {
			st := c.State
			st.Status = specs.StateCreated // step 5, after create's step 2: see runtimeHooks
			return hooks.Run("createContainer", s.Hooks.CreateContainer, &st)
		}
		return nil
	}
	// As runc: a mount namespace joined by path gets the rootfs built in
	// it too; only a container sharing the runtime's has none.
	if s.Linux == nil || !rootfs.HasNamespace(s.Linux, specs.MountNamespace) {
		if err := beforePivot(); err != nil {
			return err
		}
		return chrootShared(c)
	}
	rc := &rootfs.Config{Spec: s, Rootfs: c.Rootfs, Bundle: c.Bundle, NoPivot: c.NoPivot, BeforePivot: beforePivot, IDMap: c.IDMap, MemoryCgroup: c.MemoryCgroup}
	err := rootfs.Setup(rc)
	for _, fds := range c.IDMap {
		unix.Close(fds.Userns) // -1 or a repeat: nothing to close
		unix.Close(fds.Sock)
	}
	if err != nil {
		return err
	}
	// As runc: the terminal and /dev/console before the read-only paths
	// and a read-only /dev.
	if s.Process.Terminal {
		if err := setupTerminal(c, true); err != nil {
			return err
		}
	}
	return rootfs.Finalize(rc)
}

// SetupNames sets the hostname and domainname of a new uts namespace and
// brings lo up in a new network namespace, from inside them.
func SetupNames(s *specs.Spec) error {
	if hasNewNamespace(s, specs.NetworkNamespace) {
		if err := loopbackUp(); err != nil {
			return err
		}
	}
	if !hasNewNamespace(s, specs.UTSNamespace) {
		return nil
	}
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", s.Hostname, err)
		}
		ktrace.F("sethostname(%q)", s.Hostname)
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("set domainname %q: %w", s.Domainname, err)
		}
		ktrace.F("setdomainname(%q)", s.Domainname)
	}
	return nil
}

func hasNewNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	for _, n := range s.Linux.Namespaces {
		if n.Type == t && n.Path == "" {
			return true
		}
	}
	return false
}

// newSessionKeyring gives the container its own session keyring, so it
// cannot see the host's keys (runc names it after the container).
func newSessionKeyring(id string) error {
	_, err := unix.KeyctlJoinSessionKeyring("_ses." + id)
	if err != nil && !errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("join a new session keyring: %w", err)
	}
	return nil
}

// joinMemoryCgroup moves the init into its v1 memory cgroup once its own
// set-up is done and before create returns.
//
// Late, because the pages the Go runtime and the set-up took stay charged
// where they were faulted in: a container with a 1 MiB limit still starts
// (runc fails below a few MiB). Not later, because whoever watches the
// container for OOM kills (containerd's shim, Docker) reads the memory
// cgroup from /proc/PID/cgroup right after create.
//
// Writing "0" to tasks moves only the calling thread, without the global
// lock whose writer waits an RCU grace period. /proc/PID/cgroup shows the
// thread-group leader's cgroup, so this must be the leader: the locked main
// thread, which also execs (after execve it is the only thread).
func joinMemoryCgroup(tasksFD int) error {
	if tasksFD <= 0 {
		return nil
	}
	who := "0"
	if tid := unix.Gettid(); tid != unix.Getpid() {
		who = strconv.Itoa(unix.Getpid()) // slower, but exact
	}
	if _, err := unix.Write(tasksFD, []byte(who)); err != nil {
		return fmt.Errorf("join the memory cgroup: %w", err)
	}
	unix.Close(tasksFD)
	return nil
}

// waitForStart blocks until `start` opens the fifo for reading, and tells
// it so by writing one byte.
func waitForStart(selfFDs, fifoFD int) error {
	fd, err := reopenFD(selfFDs, fifoFD, unix.O_WRONLY|unix.O_CLOEXEC)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	if _, err := unix.Write(fd, []byte("0")); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	// fd stays open, close-on-exec: start sees the fifo's EOF once the
	// program has exec'd.
	unix.Close(fifoFD)
	return nil
}

// loopbackUp brings lo up in a new network namespace, as runc does: a
// container always reaches itself on 127.0.0.1.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	ktrace.F("ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP|IFF_LOOPBACK|IFF_RUNNING)")
	return nil
}
