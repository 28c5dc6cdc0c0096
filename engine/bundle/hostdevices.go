package bundle

import (
	"io/fs"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hostDevices lists the host's device nodes under /dev for --privileged,
// as Docker's HostDevices: /dev/pts, shm, mqueue and fuse's directories
// are left out, and so are the devices every container gets anyway.
func hostDevices() []specs.LinuxDevice {
	skipDirs := map[string]bool{"/dev/pts": true, "/dev/shm": true, "/dev/mqueue": true, "/dev/fuse": true}
	defaults := map[string]bool{"/dev/null": true, "/dev/zero": true, "/dev/full": true, "/dev/random": true,
		"/dev/urandom": true, "/dev/tty": true, "/dev/console": true, "/dev/ptmx": true}
	var out []specs.LinuxDevice
	// The walk skips what it cannot read, so WalkDir returns no error.
	_ = filepath.WalkDir("/dev", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if skipDirs[p] {
				return filepath.SkipDir
			}
			return nil
		}
		if defaults[p] || d.Type()&(fs.ModeDevice|fs.ModeCharDevice) == 0 {
			return nil
		}
		if dev, err := hostDevice(p, p); err == nil {
			out = append(out, dev)
		}
		return nil
	})
	return out
}
