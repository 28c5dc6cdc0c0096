package initproc

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// fixStdioOwner gives the process's user its stdio, the terminal, as runc
// does: a uid-1000 process must own its tty. (runc chowns pipes and files
// too; berth only a terminal, not a caller's file on the host.) Only the owner
// changes (devpts' gid, tty, stays); stdio on /dev/null is left alone,
// and so is a file the user namespace cannot chown (EINVAL, EPERM).
// /dev/null is known by its device number, 1:3, not looked up: a
// container without a mount namespace of its own has no /dev.
func fixStdioOwner(uid int) error {
	null := unix.Mkdev(1, 3)
	for fd := 0; fd <= 2; fd++ {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			if errors.Is(err, unix.EBADF) {
				continue
			}
			return fmt.Errorf("stat fd %d: %w", fd, err)
		}
		if int(st.Uid) == uid || st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == null {
			continue
		}
		if err := unix.Fchown(fd, uid, int(st.Gid)); err != nil &&
			!errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("chown fd %d to uid %d: %w", fd, uid, err)
		}
	}
	return nil
}
