package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ErrNotExist is KillAll on a cgroup that is not there (removed already,
// or never made).
var ErrNotExist = errors.New("the container's cgroup does not exist")

// KillAll SIGKILLs every process in the cgroup and in the cgroups below
// it, which a container makes through a writable cgroup mount (or exec
// --cgroup joins). It is how a container that shares a PID namespace is
// stopped: its init dying takes no other process with it.
//
// Where there is a cgroup2 directory (v2 or hybrid), cgroup.kill does it in
// one write, and no process can fork away meanwhile. Else the cgroup is
// frozen while its processes are listed and killed, so that none forks a
// child that escapes the list, and thawed after: a frozen v1 task acts on
// SIGKILL only once thawed. That is runc's signalAllProcesses.
func (m *Manager) KillAll() error {
	dir := m.pidsDir()
	if dir == "" {
		return ErrNoHierarchy
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", dir, ErrNotExist)
	}
	if u, ok := m.paths[Unified]; ok {
		err := writeFile(u, "cgroup.kill", []byte("1"))
		if err == nil {
			m.thaw()
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("kill the processes of cgroup %s: %w", u, err)
		}
		// A kernel before 5.14 has no cgroup.kill.
	}
	freezer := m.driverFor(ctrlFreezer) != nil
	if freezer {
		if err := m.Freeze(true); err != nil {
			slog.Warn("freeze the cgroup to kill its processes", "err", err)
		}
	}
	pids, err := m.AllPids()
	for _, pid := range pids {
		if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			slog.Warn("kill a process of the container", "pid", pid, "err", err)
		}
	}
	if freezer {
		m.thaw()
	}
	return err
}

// thaw thaws a frozen cgroup, so that the SIGKILL just sent takes effect.
func (m *Manager) thaw() {
	if m.Frozen() {
		if err := m.Freeze(false); err != nil {
			slog.Warn("thaw the cgroup to let its processes die", "err", err)
		}
	}
}

// AllPids lists the processes in the cgroup and in every cgroup below it,
// as runc's GetAllPids. A cgroup missing, or removed while walked, is empty.
func (m *Manager) AllPids() ([]int, error) {
	dir := m.pidsDir()
	if dir == "" {
		return nil, ErrNoHierarchy
	}
	var pids []int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			var more []int
			more, err = readProcs(p)
			pids = append(pids, more...)
		}
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENODEV) {
			return nil
		}
		return err
	})
	if err != nil {
		return pids, fmt.Errorf("list the processes of the container's cgroup %s: %w", dir, err)
	}
	return pids, nil
}

// removeTree removes dir after the cgroups below it, deepest first: the
// kernel refuses to remove a cgroup that has children.
func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			errs = append(errs, removeTree(filepath.Join(dir, e.Name())))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return removeDir(dir)
}
