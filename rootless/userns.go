package rootless

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/userns"
	"github.com/berth-containers/berth/rootless/join"
)

// Why a pause process, as podman: the store's user namespace must outlive
// each berth command, because a container started by one command is
// stopped, exec'd into and removed by later ones, which need the same
// namespace (to setns into the container's namespaces, and to see the
// overlay mounts, which live in the store's mount namespace). A namespace
// lives while a process is in it or a file holds it; a bind mount of
// /proc/PID/ns/user cannot be made by the user who owns it, so one small
// process holds both namespaces, and every command joins them (join.c)
// instead of making new ones. It ends only when killed (berth system
// migrate does it, as podman's).
const (
	// EnvRootless marks a berth already in the store's namespace: the
	// roots are the user's (UserPaths), not root's.
	EnvRootless = "_BERTH_ROOTLESS"
	pauseArg    = "rootless-pause"
	envPause    = "_BERTH_PAUSE"
	pauseFile   = "pause.pid"
	lockFile    = "pause.lock"
)

// Active says whether this berth is a user's, inside the store's namespace.
func Active() bool { return os.Getenv(EnvRootless) == "1" && userns.Inside() }

// Enter puts an unprivileged berth into the user's store namespace, or
// returns nil at once for root and for a berth that is in it already. It
// returns only on error: on success it re-executes berth in the namespace.
func Enter() error {
	if os.Geteuid() == 0 || Active() {
		return nil
	}
	p, err := UserPaths(os.Getenv)
	if err != nil {
		return err
	}
	pid, err := ensurePause(p.Run)
	if err != nil {
		return err
	}
	env := append(os.Environ(), join.EnvJoin+"="+strconv.Itoa(pid), EnvRootless+"=1")
	if err := syscall.Exec("/proc/self/exe", os.Args, env); err != nil {
		return fmt.Errorf("rootless berth: re-execute in the store's namespace: %w", err)
	}
	return nil
}

// PausePID returns the pid of the user's pause process, or 0 if none runs.
func PausePID(run string) int {
	b, err := os.ReadFile(filepath.Join(run, pauseFile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || !isPause(pid) {
		return 0
	}
	return pid
}

// isPause checks that pid is still our pause process and not a reused pid.
func isPause(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(cmdline, []byte{0})
	var st unix.Stat_t
	if unix.Stat("/proc/"+strconv.Itoa(pid), &st) != nil || int(st.Uid) != os.Getuid() {
		return false
	}
	return len(args) > 1 && string(args[1]) == pauseArg
}

// ensurePause returns the pause process's pid, starting one under a lock
// so that two first commands at once make one namespace, not two.
func ensurePause(run string) (int, error) {
	if err := checkRuntimeDir(filepath.Dir(run), os.Getuid()); err != nil {
		return 0, err
	}
	if err := os.Mkdir(run, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("rootless berth: create %s: %w", run, err)
	}
	if pid := PausePID(run); pid != 0 {
		return pid, nil
	}
	lf, err := lockPause(run)
	if err != nil {
		return 0, err
	}
	defer lf.Close()
	if pid := PausePID(run); pid != 0 {
		return pid, nil // another command started it while we waited
	}
	pid, err := startPause()
	if err != nil {
		return 0, err
	}
	if err := atomicfile.WriteFile(filepath.Join(run, pauseFile), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL) // unrecorded, it must not live on
		return 0, fmt.Errorf("rootless berth: record the pause process: %w", err)
	}
	return pid, nil
}

// lockPause takes the lock under which the pause process is started and
// stopped; closing the file releases it.
func lockPause(run string) (*os.File, error) {
	lf, err := os.OpenFile(filepath.Join(run, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rootless berth: %w", err)
	}
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		lf.Close()
		return nil, fmt.Errorf("rootless berth: lock %s: %w", lf.Name(), err)
	}
	return lf, nil
}

// startPause makes the namespaces: a child in a new user and mount
// namespace waits on a pipe while newuidmap and newgidmap map it.
func startPause() (int, error) {
	u, err := user.Current()
	if err != nil {
		return 0, fmt.Errorf("rootless berth: who am I: %w", err)
	}
	uids, err := subIDs("/etc/subuid", u.Username, os.Getuid())
	if err != nil {
		return 0, err
	}
	gids, err := subIDs("/etc/subgid", u.Username, os.Getuid())
	if err != nil {
		return 0, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("rootless berth: %w", err)
	}
	defer w.Close()
	cmd := exec.Command("/proc/self/exe", pauseArg)
	cmd.Env = []string{envPause + "=1"}
	cmd.Dir = "/" // pins no directory of the user's
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS, Setsid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		return 0, fmt.Errorf("rootless berth: start the pause process (are unprivileged user namespaces enabled? sysctl user.max_user_namespaces): %w", err)
	}
	pid := cmd.Process.Pid
	// A failed set-up leaves no namespace: the child is killed and reaped
	// (its exit status says nothing we do not know).
	abort := func(err error) (int, error) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, err
	}
	if err := writeMap("newuidmap", pid, mapArgs(os.Getuid(), uids)); err != nil {
		return abort(err)
	}
	if err := writeMap("newgidmap", pid, mapArgs(os.Getgid(), gids)); err != nil {
		return abort(err)
	}
	if _, err := w.Write([]byte{1}); err != nil {
		return abort(fmt.Errorf("rootless berth: release the pause process: %w", err))
	}
	_ = cmd.Process.Release() // it outlives this command; whoever inherits it reaps it
	return pid, nil
}

func writeMap(helper string, pid int, args []string) error {
	path, err := exec.LookPath(helper)
	if err != nil {
		return fmt.Errorf("rootless berth: %s is missing: install the uidmap package (apt-get install uidmap)", helper)
	}
	out, err := exec.Command(path, append([]string{strconv.Itoa(pid)}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("rootless berth: %s %s: %w: %s", helper, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// PauseMain is the pause process, reached from berth's re-exec dispatch:
// it waits for its maps, then holds the namespaces until SIGTERM.
func PauseMain() {
	if len(os.Args) < 2 || os.Args[1] != pauseArg || os.Getenv(envPause) == "" {
		return
	}
	sync := os.NewFile(3, "sync")
	b, _ := io.ReadAll(sync)
	sync.Close()
	if len(b) == 0 {
		os.Exit(1) // the parent failed to map us
	}
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE, syscall.SIGQUIT)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	<-term
	os.Exit(0)
}

// StopPause ends the user's pause process, so that the next command makes
// a new store namespace, mapped from /etc/subuid and /etc/subgid as they
// are now (after an edit of those files, as podman's system migrate). The
// caller stops the containers first: their processes keep the old
// namespace alive. It holds the pause lock, so that a command starting
// meanwhile waits and then makes the new namespace. No pause is no error.
func StopPause(run string) error {
	lf, err := lockPause(run)
	if err != nil {
		return err
	}
	defer lf.Close()
	if pid := PausePID(run); pid != 0 {
		if err := killAndWait(pid); err != nil {
			return fmt.Errorf("rootless berth: stop the pause process %d: %w", pid, err)
		}
	}
	if err := os.Remove(filepath.Join(run, pauseFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rootless berth: %w", err)
	}
	return nil
}

// killAndWait SIGKILLs pid through a pidfd (no reused pid can be hit once
// it is open) and waits for it to end. It is not our child, so it is
// polled for the exit rather than waited on.
func killAndWait(pid int) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pidfd_open: %w", err)
	}
	defer unix.Close(fd)
	if !isPause(pid) { // the pid was reused before the pidfd pinned it
		return nil
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("kill: %w", err)
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait: %w", err)
		} else if err == nil {
			return nil
		}
	}
}
