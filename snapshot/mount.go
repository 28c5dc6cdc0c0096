package snapshot

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one mount to perform: what snapshotters hand to whoever needs a
// snapshot's filesystem. The target is chosen by the caller.
type Mount struct {
	Type    string   // "overlay", "bind", or a filesystem type
	Source  string   // the device or directory; "overlay" for overlays
	Options []string // mount(8) style: "ro", "rbind", "lowerdir=a:b", ...
}

// flagOptions are the options that are mount flags, not filesystem data.
var flagOptions = map[string]struct {
	flag uintptr
	attr uint64 // the fsmount(2) attribute, 0 if none
}{
	"ro":         {unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
	"nosuid":     {unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
	"nodev":      {unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
	"noexec":     {unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	"noatime":    {unix.MS_NOATIME, unix.MOUNT_ATTR_NOATIME},
	"nodiratime": {unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
	"relatime":   {unix.MS_RELATIME, unix.MOUNT_ATTR_RELATIME},
	"bind":       {unix.MS_BIND, 0},
	"rbind":      {unix.MS_BIND | unix.MS_REC, 0},
	"rw":         {0, 0},
}

// parsedOptions splits Options into mount flags and filesystem data.
type parsedOptions struct {
	flags uintptr
	attrs uint64
	data  []string
}

func parseOptions(options []string) parsedOptions {
	var p parsedOptions
	for _, o := range options {
		if f, ok := flagOptions[o]; ok {
			p.flags |= f.flag
			p.attrs |= f.attr
			continue
		}
		p.data = append(p.data, o)
	}
	return p
}

// Mount performs m on target, which must exist.
func (m Mount) Mount(target string) error {
	p := parseOptions(m.Options)
	var err error
	switch {
	case p.flags&unix.MS_BIND != 0 || m.Type == "bind":
		p.flags |= unix.MS_BIND
		err = m.mountBind(target, p)
	case m.Type == "overlay":
		err = m.mountOverlayChosen(target, p)
	default:
		err = m.mountLegacy(target, p)
	}
	if err != nil {
		return fmt.Errorf("mount %s %s on %s: %w", m.Type, m.Source, target, err)
	}
	return nil
}

// mountBind binds Source on target. A read-only bind needs a second,
// remounting call: the kernel ignores MS_RDONLY on the first.
func (m Mount) mountBind(target string, p parsedOptions) error {
	if err := unix.Mount(m.Source, target, "", p.flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
		return err
	}
	rest := p.flags &^ (unix.MS_BIND | unix.MS_REC)
	if rest == 0 {
		return nil
	}
	if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|rest, ""); err != nil {
		return errors.Join(fmt.Errorf("remount read-only: %w", err), unix.Unmount(target, unix.MNT_DETACH))
	}
	return nil
}

// mountLegacy is mount(2): the data string is limited to a page, which an
// overlay of a few dozen layers exceeds.
func (m Mount) mountLegacy(target string, p parsedOptions) error {
	data := strings.Join(p.data, ",")
	if len(data) >= unix.Getpagesize() {
		return fmt.Errorf("options are %d bytes, over the kernel's limit of a page (this kernel lacks fsconfig lowerdir+)", len(data))
	}
	return unix.Mount(m.Source, target, m.Type, p.flags, data)
}

// mountOverlay uses the new mount API, which takes the lower dirs one
// "lowerdir+" at a time (Linux 6.8) and so has no limit on their number.
// Older kernels fall back to mount(2).
func (m Mount) mountOverlay(target string, p parsedOptions) error {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			return m.mountLegacy(target, p)
		}
		return fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fd)
	for _, o := range p.data {
		key, value, hasValue := strings.Cut(o, "=")
		switch {
		case !hasValue:
			err = unix.FsconfigSetFlag(fd, key)
		case key == "lowerdir":
			err = setLowerDirs(fd, value)
			if errors.Is(err, errNoLowerdirPlus) {
				return m.mountLegacy(target, p)
			}
		default:
			err = unix.FsconfigSetString(fd, key, value)
		}
		if err != nil {
			return fmt.Errorf("fsconfig %s: %w%s", key, err, fsLog(fd))
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fmt.Errorf("fsconfig create: %w%s", err, fsLog(fd))
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, int(p.attrs))
	if err != nil {
		return fmt.Errorf("fsmount: %w%s", err, fsLog(fd))
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount: %w", err)
	}
	return nil
}

var errNoLowerdirPlus = errors.New("kernel lacks overlay lowerdir+ (Linux 6.8)")

// setLowerDirs passes a colon-separated lowerdir list one entry at a time.
func setLowerDirs(fd int, list string) error {
	for i, dir := range strings.Split(list, ":") {
		if err := unix.FsconfigSetString(fd, "lowerdir+", dir); err != nil {
			if i == 0 && errors.Is(err, unix.EINVAL) {
				return errNoLowerdirPlus
			}
			return err
		}
	}
	return nil
}

// fsLog reads the messages the kernel left on an fs context: why overlay
// refused its options, which errno alone does not say.
func fsLog(fd int) string {
	var msgs []string
	buf := make([]byte, 1024)
	for range 16 {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			break
		}
		msgs = append(msgs, strings.TrimSpace(string(buf[:n])))
	}
	if len(msgs) == 0 {
		return ""
	}
	return " (" + strings.Join(msgs, "; ") + ")"
}

// MountAll performs mounts on target in order. If one fails, those already
// done are unmounted.
func MountAll(mounts []Mount, target string) error {
	for i, m := range mounts {
		if err := m.Mount(target); err != nil {
			if i > 0 {
				err = errors.Join(err, UnmountAll(target))
			}
			return err
		}
	}
	return nil
}

// UnmountAll unmounts everything mounted on target, the last mount first,
// until target is no longer a mount point. A missing target is not an error.
func UnmountAll(target string) error {
	for {
		err := unix.Unmount(target, 0)
		switch {
		case err == nil:
			continue
		case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
			return nil
		default:
			return fmt.Errorf("unmount %s: %w", target, err)
		}
	}
}
