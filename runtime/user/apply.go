package user

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setgroupsPath says whether this user namespace allows setgroups(2): an
// unprivileged user namespace must write "deny" there before it may map gids.
const setgroupsPath = "/proc/self/setgroups"

// Apply switches the calling thread to u: supplementary groups, then gid,
// then uid (each step needs the privilege the next one drops).
//
// It uses raw per-thread syscalls rather than syscall.Setuid and friends. Go
// implements those by signalling every thread of the process so that all
// threads agree, which is slow and pointless here: the caller has locked its
// OS thread and execs from it, so only this thread's credentials reach the
// container's process.
//
// PR_SET_KEEPCAPS is on while switching so that the permitted set survives
// leaving uid 0; the effective set does not, so the caller applies the
// container's capabilities (caps.ApplyAll) after Apply.
func Apply(u specs.User) error {
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set keepcaps: %w", err)
	}
	if err := setgroups(u.AdditionalGids); err != nil {
		return err
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("setresgid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("setresuid %d: %w", u.UID, e)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keepcaps: %w", err)
	}
	return nil
}

// setgroups replaces the supplementary groups, even with an empty list: the
// container must not keep the runtime's groups.
func setgroups(gids []uint32) error {
	allowed, err := setgroupsAllowed(setgroupsPath)
	if err != nil {
		return err
	}
	if !allowed {
		if len(gids) > 0 {
			slog.Warn("setgroups is denied in this user namespace, not setting additional gids", "gids", gids)
		}
		return nil
	}
	var p unsafe.Pointer
	if len(gids) > 0 {
		p = unsafe.Pointer(&gids[0])
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(gids)), uintptr(p), 0); e != 0 {
		return fmt.Errorf("setgroups %v: %w", gids, e)
	}
	return nil
}

// setgroupsAllowed reads path (/proc/self/setgroups). A kernel without the
// file predates the restriction and allows setgroups.
func setgroupsAllowed(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	return string(bytes.TrimSpace(b)) != "deny", nil
}
