// Package kernfile writes the kernel's own files (/proc/sys, /sys, cgroup
// files): they exist already, take one value per write(2), and cannot be
// replaced by a rename, so internal/atomicfile is not for them. Every
// other file berth writes goes through atomicfile; hack/bans checks it.
package kernfile

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Write writes data to the existing kernel file at path in one write(2),
// as the kernel parses it, and reports a short write or the close.
func Write(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	n, err := f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != len(data) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(data))
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
