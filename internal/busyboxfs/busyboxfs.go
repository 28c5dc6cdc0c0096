// Package busyboxfs builds a minimal root filesystem from the host's static
// busybox (Debian's busybox-static). It is the fixture of the runtime tests
// and the content of berth's built-in default image, so it must work with no
// network and produce the same tree every time.
package busyboxfs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// DefaultBinary is where Debian's busybox-static installs its binary.
const DefaultBinary = "/usr/bin/busybox"

// Dirs are created in every rootfs: the mount points a runtime needs and the
// places programs expect to write.
var Dirs = []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root", "home", "var", "run"}

var etcFiles = map[string]string{
	"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/bin/false\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
	"etc/group": "root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n",
	"etc/hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
}

// Build populates dir (created if missing) with busybox, a symlink per applet
// and a few files in /etc. binary is the static busybox to copy; empty means
// DefaultBinary.
func Build(dir, binary string) error {
	if binary == "" {
		binary = DefaultBinary
	}
	applets, err := Applets(binary)
	if err != nil {
		return err
	}
	for _, d := range Dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("busybox rootfs: %w", err)
		}
	}
	// os.Chmod takes Go's FileMode: the sticky bit is os.ModeSticky, and
	// a raw 0o1000 would be dropped.
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o777|os.ModeSticky); err != nil {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	if err := copyFile(binary, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return err
	}
	for _, a := range applets {
		if a == "bin/busybox" {
			continue
		}
		target, err := filepath.Rel(filepath.Dir(a), "bin/busybox")
		if err != nil {
			return fmt.Errorf("busybox rootfs: applet %s: %w", a, err)
		}
		link := filepath.Join(dir, a)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return fmt.Errorf("busybox rootfs: %w", err)
		}
		if err := os.Symlink(target, link); err != nil && !os.IsExist(err) {
			return fmt.Errorf("busybox rootfs: %w", err)
		}
	}
	for name, content := range etcFiles {
		if err := atomicfile.WriteFileUnsynced(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("busybox rootfs: %w", err)
		}
	}
	return nil
}

// Applets lists the applets of binary as rootfs-relative paths such as
// "bin/sh" and "usr/bin/wget".
func Applets(binary string) ([]string, error) {
	out, err := exec.Command(binary, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("list applets of %s: %w (install Debian's busybox-static)", binary, err)
	}
	var applets []string
	for _, l := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "/")
		if l != "" && !strings.Contains(l, "..") {
			applets = append(applets, l)
		}
	}
	return applets, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	defer in.Close()
	// A rebuild over an earlier rootfs (hack/mkbundle DIR twice) replaces
	// the binary; O_EXCL still never writes through whatever is at dst.
	if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("busybox rootfs: copy %s: %w", src, err)
	}
	return out.Close()
}
