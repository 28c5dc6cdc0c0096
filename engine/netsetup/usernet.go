package netsetup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/rootless"
)

// Rootless user networks, as podman 4's "rootless-netns": a user may not
// make bridges or nft rules in the host's network namespace, so berth
// makes one network namespace per user, inside the store's user namespace
// (where berth is root and may), and package network does there exactly
// what it does on the host as root (network.Options.Namespace): bridges,
// the host ends of the containers' veths, its nft table, ip_forward. One
// slirp4netns on that namespace is the egress of all the user's networks
// (rootless.StartEgress); the embedded DNS responder needs nothing of its
// own (it runs, as root's, in the host's namespace with sockets in each
// container's), and a published port is the container's forwarder, into
// the container's own namespace (rootless.Publish).
//
// The namespace is pinned by a bind mount of its nsfs file at
// <runroot>/usernet/netns, as containers' are (package netns), not held
// by a process: the store's mount namespace, where the mount lives, is
// the pause process's already and every berth command joins it, so the
// pin costs no process, and it cannot outlive the store's namespaces (a
// pause process that ended takes it; the next Path makes a new one, and
// the networks' bridges come back at their next attach). A holder process
// would be one more helper to record, check and kill.
//
// Lifetime: the namespace and its slirp4netns live while the user has a
// user network, with containers or not (as root's bridges do), and are
// reused by every container and network of the user meanwhile; the
// network rm or prune that removes the last network ends both
// (network.Store.Remove calls Release), and so does a repair that finds
// one left with no network (a killed `network create`). A slirp4netns
// killed by anyone is started again by the next Path(ensure).
type userNetNS struct{ runroot string }

func (u userNetNS) dir() string  { return filepath.Join(u.runroot, "usernet") }
func (u userNetNS) path() string { return filepath.Join(u.dir(), "netns") }

// lock serializes making and ending the namespace between berth
// processes. The lock file is beside the directory, which Release removes.
func (u userNetNS) lock() (func(), error) {
	if err := os.MkdirAll(u.runroot, 0o700); err != nil {
		return nil, fmt.Errorf("rootless berth: user networks: %w", err)
	}
	name := filepath.Join(u.runroot, "usernet.lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rootless berth: user networks: %w", err)
	}
	for {
		if err = unix.Flock(int(f.Fd()), unix.LOCK_EX); err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("rootless berth: lock %s: %w", name, err)
	}
	return func() { f.Close() }, nil
}

// Path returns the pinned namespace, with its slirp4netns running when
// ensure is set (made or restarted as needed).
func (u userNetNS) Path(ensure bool) (string, error) {
	unlock, err := u.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	p := u.path()
	pinned := netns.IsNetNS(p)
	if !ensure || pinned && rootless.EgressRunning(u.dir(), p) {
		if !pinned {
			return "", nil
		}
		return p, nil
	}
	if !pinned {
		// What is left is stale: a pin of an ended store namespace (a
		// plain file now) and its slirp4netns, or a killed creation.
		if err := u.clear(); err != nil {
			return "", err
		}
		if _, err := netns.Create(u.dir(), filepath.Base(p)); err != nil {
			return "", fmt.Errorf("rootless berth: user networks: %w", err)
		}
	} else if err := rootless.StopEgress(u.dir(), p); err != nil {
		return "", err
	}
	if err := rootless.StartEgress(u.dir(), p); err != nil {
		if !pinned {
			err = errors.Join(err, u.clear())
		}
		return "", err
	}
	return p, nil
}

// Release ends the namespace and its slirp4netns unless inUse.
func (u userNetNS) Release(inUse func() (bool, error)) error {
	if _, err := os.Lstat(u.dir()); errors.Is(err, os.ErrNotExist) {
		return nil // the common case: no user network was ever made
	}
	unlock, err := u.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if used, err := inUse(); err != nil || used {
		return err
	}
	return u.clear()
}

// clear ends the slirp4netns, unpins the namespace and removes the
// directory. Ending slirp first matters: its tap holds the namespace.
func (u userNetNS) clear() error {
	err := errors.Join(rootless.StopEgress(u.dir(), u.path()), netns.Remove(u.path()))
	if rerr := os.Remove(u.dir()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("rootless berth: user networks: %w", rerr))
	}
	return err
}
