package rootfs

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// writeSysctls writes linux.sysctl through the container's /proc/sys, in
// name order so a failure is reproducible.
func writeSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	dir, err := unix.Open("/proc/sys", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/sys for sysctls: %w", err)
	}
	defer unix.Close(dir)
	names := make([]string, 0, len(sysctl))
	for name := range sysctl {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := writeSysctl(dir, name, sysctl[name]); err != nil {
			return err
		}
	}
	return nil
}

// sysctlPath turns "net.ipv4.ip_forward" into "net/ipv4/ip_forward" and
// refuses names that could leave /proc/sys.
func sysctlPath(name string) (string, error) {
	if name == "" || strings.Contains(name, "/") || strings.Contains(name, "..") ||
		strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return "", fmt.Errorf("sysctl %q: invalid name", name)
	}
	return strings.ReplaceAll(name, ".", "/"), nil
}

func writeSysctl(dir int, name, value string) error {
	rel, err := sysctlPath(name)
	if err != nil {
		return err
	}
	fd, err := unix.Openat2(dir, rel, &unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_TRUNC | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		return fmt.Errorf("sysctl %s: %w", name, err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return fmt.Errorf("sysctl %s=%q: %w", name, value, err)
	}
	return nil
}
