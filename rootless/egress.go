package rootless

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The egress of a user's user networks is one slirp4netns on the network
// namespace that holds their bridges (engine/netsetup's userNetNS), its
// tap the namespace's default route; the namespace masquerades the
// networks' traffic out through it. Unlike a default-network container's,
// it keeps slirp's host loopback: 10.0.2.2 is the host's 127.0.0.1, so a
// container on a user network reaches the user's own loopback services
// (podman's allow_host_loopback), which the user can reach anyway; a
// published port comes in through the container's forwarder, not slirp.
// It has no exit fd: it lives as long as the namespace, and is ended by
// StopEgress when the last user network goes.
func egressPIDFile(dir string) string { return filepath.Join(dir, "slirp4netns.pid") }
func egressLog(dir string) string     { return filepath.Join(dir, "slirp4netns.log") }

// StartEgress runs the slirp4netns of the namespace pinned at nsPath,
// keeping its pid and log in dir, and returns once it is ready.
func StartEgress(dir, nsPath string) error {
	bin, err := slirpBinary()
	if err != nil {
		return err
	}
	args := []string{"--configure", "--mtu=" + slirpMTU, "--enable-sandbox", "--enable-seccomp"}
	if err := startSlirp(bin, args, nsPath, egressPIDFile(dir), egressLog(dir), nil); err != nil {
		return errors.Join(err, StopEgress(dir, nsPath))
	}
	return nil
}

// EgressRunning says whether the slirp4netns of the namespace at nsPath,
// recorded in dir, still runs.
func EgressRunning(dir, nsPath string) bool {
	pid, err := readPID(egressPIDFile(dir))
	return err == nil && pid > 0 && isSlirp(pid, func(ns string) bool { return ns == nsPath })
}

// StopEgress ends the slirp4netns of the namespace at nsPath, if it runs,
// and removes its records from dir. It is idempotent.
func StopEgress(dir, nsPath string) error {
	errs := []error{stopHelper(egressPIDFile(dir), func(pid int) bool {
		return isSlirp(pid, func(ns string) bool { return ns == nsPath })
	})}
	for _, f := range []string{egressPIDFile(dir), egressLog(dir)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("rootless berth: %w", err))
		}
	}
	return errors.Join(errs...)
}
