package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/phases"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/hooks"
)

// Start lets a created container's process run its program.
func (c *Container) Start() error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	switch st := c.Status(); st {
	case specs.StateCreated:
	case specs.StateStopped:
		return fmt.Errorf("cannot start a container that has stopped: %s", c.ID())
	default:
		return fmt.Errorf("cannot start an already %s container: %s", st, c.ID())
	}
	ph := phases.New("start")
	if err := c.openFifo(); err != nil {
		return err
	}
	ph.Mark("exec fifo")
	if h := c.state.Hooks; h != nil && len(h.Poststart) > 0 {
		// The state as of the start: a program that is quick may have
		// exited already, but the hook is about its having run.
		st := c.OCIState()
		st.Status, st.Pid = specs.StateRunning, c.state.InitPid
		if err := hooks.Run("poststart", h.Poststart, &st); err != nil {
			// runtime-spec 1.3: a failed poststart hook is an error, and
			// the container is stopped (as runc 1.2 and later do).
			c.killAll()
			return fmt.Errorf("start container %s: %w", c.ID(), err)
		}
	}
	return nil
}

// openFifo releases the init: opening exec.fifo for reading unblocks its
// open for writing, and its byte says it got past it. The open does not block,
// so an init that died is noticed instead of waited for forever.
func (c *Container) openFifo() error {
	path := filepath.Join(c.dir, fifoName)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo of %s: %w", c.ID(), err)
	}
	defer unix.Close(fd)
	defer os.Remove(path)
	buf := make([]byte, 1)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, 50); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait on exec fifo of %s: %w", c.ID(), err)
		}
		n, err := unix.Read(fd, buf)
		if n == 1 {
			return nil
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) {
			return fmt.Errorf("read exec fifo of %s: %w", c.ID(), err)
		}
		if !c.state.alive() {
			return fmt.Errorf("cannot start container %s: its init process exited", c.ID())
		}
	}
}

// Signal sends sig to the container's init, or with all to every process in
// its cgroup. A SIGKILL to a container without a PID namespace of its own
// goes to every process of its cgroup, even once its init is gone: the
// init's death takes no other process with it, as it does in a namespace
// of its own (runc's Signal).
func (c *Container) Signal(sig unix.Signal, all bool) error {
	if sig == unix.SIGKILL && !c.ownsPIDNamespace() {
		err := c.cgroup().KillAll()
		if errors.Is(err, cgroups.ErrNotExist) && !c.state.alive() {
			return ErrNotRunning
		}
		if !errors.Is(err, cgroups.ErrNoHierarchy) { // else the init alone, below
			return err
		}
	}
	status := c.Status()
	if status == specs.StateStopped && !all {
		return ErrNotRunning
	}
	if !all {
		if err := unix.Kill(c.state.InitPid, sig); err != nil {
			return fmt.Errorf("signal %s to container %s: %w", unix.SignalName(sig), c.ID(), err)
		}
		return nil
	}
	pids, err := c.cgroup().Pids()
	if errors.Is(err, cgroups.ErrNoHierarchy) && sig == unix.SIGKILL && c.ownsPIDNamespace() {
		// No cgroup to list them from (rootless, nothing delegated), but
		// none is needed: the kernel kills a PID namespace's every process
		// when its init dies, as runc relies on for a private one.
		pids, err = []int{c.state.InitPid}, nil
	}
	if err != nil {
		return err
	}
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("signal %s to pid %d of container %s: %w", unix.SignalName(sig), pid, c.ID(), err)
		}
	}
	return nil
}

// Delete loads container id and deletes it. A create of the same ID in
// progress holds the container's lock and has not saved its state yet:
// delete waits for it and then deletes what it made, as runc does,
// rather than report a container that is not there yet. A state dir that
// no create holds and that has no state is what a killed create left:
// with force it goes.
func Delete(root, id string, force bool) error {
	c, err := Load(root, id)
	if errors.Is(err, ErrNotExist) {
		c, err = loadAfterCreate(root, id, force)
	}
	if err != nil {
		return err
	}
	return c.Delete(force)
}

// RemoveState removes what is left of container id's state directory
// under root when no state can be loaded from it (a create killed half
// way, a state from before a reboot): the caller has killed what the
// container ran and removed its cgroup. Missing is not an error.
func RemoveState(root, id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(root, id)); err != nil {
		return fmt.Errorf("remove the state of container %s: %w", id, err)
	}
	return nil
}

func loadAfterCreate(root, id string, force bool) (*Container, error) {
	dir := filepath.Join(root, id)
	lf, err := lock(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", id, ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	c, err := Load(root, id)
	if errors.Is(err, ErrNotExist) && force {
		if paths, ok := readCreating(dir); ok {
			// What the killed create started: its init (blocked until a
			// start that will never come) and the cgroup.
			cg := cgroups.Load(paths)
			_ = cg.KillAll() // none left to kill is fine
			if derr := destroyCgroup(cg); derr != nil {
				return nil, fmt.Errorf("remove the cgroup of a killed create of %s: %w", id, derr)
			}
		}
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, fmt.Errorf("remove the state of a killed create of %s: %w", id, rerr)
		}
	}
	return c, err
}

// Delete removes a stopped or created container; with force, a running one
// is killed first.
func (c *Container) Delete(force bool) error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	switch st := c.Status(); st {
	case specs.StateStopped:
	case specs.StateCreated:
		c.killAll()
	default:
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: %s", c.ID(), st)
		}
		c.killAll()
	}
	return c.destroy()
}

// killAll SIGKILLs every process in the cgroup, and the init (there may be
// no cgroup), and waits until the init is gone, so the cgroup can be removed.
func (c *Container) killAll() {
	_ = c.cgroup().KillAll() // none (rootless) or gone: the init is killed below
	sigkill(c.state.InitPid)
	for i := 0; i < 500 && c.state.alive(); i++ {
		time.Sleep(2 * time.Millisecond)
	}
}

// destroy removes the cgroup and the state directory, then runs poststop
// hooks (whose failure is logged, as the spec asks).
func (c *Container) destroy() error {
	ph := phases.New("delete")
	if !c.ownsPIDNamespace() {
		// A stopped container's init is gone, not the rest (runc's destroy).
		_ = c.cgroup().KillAll()
	}
	if err := c.cgroup().Destroy(); err != nil {
		return fmt.Errorf("delete container %s: %w", c.ID(), err)
	}
	ph.Mark("remove cgroup")
	st := c.OCIState()
	st.Status = specs.StateStopped
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("delete container %s: %w", c.ID(), err)
	}
	if h := c.state.Hooks; h != nil && len(h.Poststop) > 0 {
		// runtime-spec 1.3: a failed poststop hook is a warning and the
		// remaining hooks still run.
		if err := hooks.RunAll("poststop", h.Poststop, &st); err != nil {
			slog.Warn(err.Error())
		}
	}
	return nil
}

// Pid is the container's init as the host sees it.
func (c *Container) Pid() int { return c.state.InitPid }

// creatingFile names, in the state dir of a container being created, its
// cgroup paths: with no state.json yet, that is all a delete -f of a
// killed create has to find the cgroup and what runs in it. One small
// write to a file new in a new dir, not fsynced: it serves after a kill
// of the process, which the page cache survives, not after a crash of
// the host, which takes the cgroups with it.
const creatingFile = "creating.json"

func writeCreating(dir string, paths map[string]string) error {
	data, err := json.Marshal(paths)
	if err != nil {
		return fmt.Errorf("encode cgroup paths: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, creatingFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("record cgroup paths in %s: %w", dir, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record cgroup paths in %s: %w", dir, err)
	}
	return nil
}

// newCgroupPaths is the paths of cg that do not exist yet.
func newCgroupPaths(cg *cgroups.Manager) map[string]string {
	paths := cg.Paths()
	for k, dir := range paths {
		if _, err := os.Stat(dir); err == nil {
			delete(paths, k)
		}
	}
	return paths
}

func readCreating(dir string) (map[string]string, bool) {
	data, err := os.ReadFile(filepath.Join(dir, creatingFile))
	if err != nil {
		return nil, false
	}
	var paths map[string]string
	return paths, json.Unmarshal(data, &paths) == nil && len(paths) > 0
}

// destroyCgroup removes cg once the processes just killed are gone.
func destroyCgroup(cg *cgroups.Manager) error {
	var err error
	for i := 0; i < 250; i++ {
		if err = cg.Destroy(); err == nil {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return err
}

// ownsPIDNamespace says whether the container's init is PID 1 of a
// namespace of its own, not one joined by path.
func (c *Container) ownsPIDNamespace() bool {
	s, err := c.config()
	if err != nil || s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.PIDNamespace {
			return ns.Path == ""
		}
	}
	return false
}
