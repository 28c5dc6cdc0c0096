package network

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// DefaultHostLock is the lock every berth process on the host takes, whatever
// its root, to choose a subnet and make the bridge that claims it. Roots
// share nothing else: the lock is what keeps two roots created at the same
// moment from both seeing 10.88.0.0/16 free. Under it, the host's
// addresses and routes (other roots' bridges among them) are read, the
// choice is recorded and the bridge gets its address, so the next holder
// sees it. It lives under /run: it must be one file for the whole host,
// and a reboot, which takes every bridge, may take it too.
const DefaultHostLock = "/run/berth-network.lock"

// lockHost takes the host-wide lock; the returned func releases it.
func (s *Store) lockHost() (func(), error) {
	f, err := os.OpenFile(s.opts.HostLock, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host network lock %s: %w", s.opts.HostLock, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("host network lock %s: %w", s.opts.HostLock, err)
	}
	return func() { f.Close() }, nil
}

// checkSubnetFree fails if something on the host now uses n's subnet: a
// network recorded before a reboot whose subnet another root (or the host)
// took in the meantime must not get its bridge back on top of it.
func checkSubnetFree(n Network) error {
	host, err := readHostState()
	if err != nil {
		return err
	}
	for _, p := range host.prefixes {
		if p.Overlaps(n.Subnet) && !(n.Internal && host.unreachable[p] && p == n.Subnet) {
			return fmt.Errorf("network %s: subnet %s overlaps %s, now used on the host (another berth root, or a route or address of the host): remove the network and create it again", n.Name, n.Subnet, p)
		}
	}
	return nil
}
