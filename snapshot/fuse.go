package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// Overlay snapshots mount with the kernel's overlayfs, in a rootless
// user's namespace too (Linux 5.11 and later, with userxattr). Where the
// kernel refuses it there (an older kernel, or one built without
// unprivileged overlay), fuse-overlayfs (Debian's fuse-overlayfs) mounts the
// same directories instead, as podman's mount_program does: it reads the
// whiteouts berth unpacks (0/0 character devices) and the opaque dirs
// (trusted.overlay.opaque as root, user.overlay.opaque rootless).
//
// $BERTH_OVERLAY chooses: unset or "auto" is native, and fuse-overlayfs
// when native overlay fails and the program is installed; "native" never
// falls back; "fuse-overlayfs" always uses it (a kernel whose overlay
// misbehaves, or a test). The fuse-overlayfs process daemonizes once the
// mount is in place and ends when it is unmounted (UnmountAll).
const (
	OverlayEnv  = "BERTH_OVERLAY"
	fuseOverlay = "fuse-overlayfs"
)

// overlayChoice reads $BERTH_OVERLAY.
func overlayChoice() (string, error) {
	switch v := os.Getenv(OverlayEnv); v {
	case "", "auto":
		return "auto", nil
	case "native", fuseOverlay:
		return v, nil
	default:
		return "", fmt.Errorf("$%s=%q: want auto, native or fuse-overlayfs", OverlayEnv, v)
	}
}

// mountOverlayChosen mounts an overlay natively or with fuse-overlayfs, as
// $BERTH_OVERLAY says.
func (m Mount) mountOverlayChosen(target string, p parsedOptions) error {
	choice, err := overlayChoice()
	if err != nil {
		return err
	}
	if choice == fuseOverlay {
		return m.mountFuse(target)
	}
	err = m.mountOverlay(target, p)
	if err == nil || choice == "native" || !kernelRefused(err) {
		return err
	}
	if _, lerr := exec.LookPath(fuseOverlay); lerr != nil {
		return err // nothing to fall back on: the kernel's reason stands
	}
	if ferr := m.mountFuse(target); ferr != nil {
		return fmt.Errorf("%w; fuse-overlayfs fallback: %w", err, ferr)
	}
	return nil
}

// kernelRefused says whether native overlay failed for want of the
// kernel's support (no overlay, none unprivileged, an option it lacks such
// as userxattr before 5.11), not for the mount's own fault (a missing dir),
// which fuse-overlayfs would only repeat.
func kernelRefused(err error) bool {
	for _, e := range []error{unix.EPERM, unix.ENODEV, unix.EINVAL, unix.EOPNOTSUPP} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// fuseOnlyNative are overlayfs options fuse-overlayfs does not take: it
// has no index or redirects to turn off, keeps its own xattr prefix, and
// an upper dir it drops at unmount needs no volatile.
var fuseOnlyNative = map[string]bool{"userxattr": true, "index=off": true, "volatile": true}

// mountFuse mounts the overlay with fuse-overlayfs, which returns once the
// mount is there (its daemon carries on). Mount flags (ro, nosuid...) go
// to it as -o options, as mount(8) takes them.
func (m Mount) mountFuse(target string) error {
	prog, err := exec.LookPath(fuseOverlay)
	if err != nil {
		return fmt.Errorf("fuse-overlayfs is not installed (apt-get install fuse-overlayfs), or unset $%s", OverlayEnv)
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("fuse-overlayfs needs /dev/fuse open to this user (chmod 0666 /dev/fuse, udev's default): %w", err)
	}
	f.Close()
	var opts []string
	for _, o := range m.Options {
		if !fuseOnlyNative[o] && o != "rw" {
			opts = append(opts, o)
		}
	}
	cmd := exec.Command(prog, "-o", strings.Join(opts, ","), target)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var lines []string
		for _, l := range strings.Split(out.String(), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "unknown argument ignored") {
				lines = append(lines, l)
			}
		}
		msg := strings.Join(lines, "; ")
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return fmt.Errorf("fuse-overlayfs: %s", msg)
		}
		return fmt.Errorf("fuse-overlayfs: %w: %s", err, msg)
	}
	return nil
}
