// Package userns writes a new user namespace's id maps, as root directly
// and as an unprivileged user through the uidmap package's setuid helpers
// newuidmap and newgidmap, which grant the ranges /etc/subuid and
// /etc/subgid give that user.
package userns

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/kfile"
	nested "github.com/berth-containers/berth/internal/userns"
	"github.com/berth-containers/berth/runtime/nsenter"
)

// Rootless says whether the runtime runs without root on the host.
func Rootless() bool { return os.Geteuid() != 0 }

// WriteMaps writes pid's uid_map and gid_map. Root writes them itself; a
// user mapping only its own uid and gid may too (after denying setgroups,
// which the kernel demands for an unprivileged gid_map); any other map of
// an unprivileged user goes through newuidmap/newgidmap.
func WriteMaps(pid int, uids, gids []specs.LinuxIDMapping) error {
	if !Rootless() {
		return nsenter.WriteIDMaps(pid, uids, gids)
	}
	if selfOnly(uids, os.Geteuid()) && selfOnly(gids, os.Getegid()) {
		if len(gids) > 0 {
			if err := kfile.WriteProc(strconv.Itoa(pid)+"/setgroups", []byte("deny")); err != nil {
				return fmt.Errorf("deny setgroups for an unprivileged gid map: %w", err)
			}
		}
		return nsenter.WriteIDMaps(pid, uids, gids)
	}
	if err := helper("newuidmap", pid, uids); err != nil {
		return err
	}
	return helper("newgidmap", pid, gids)
}

func selfOnly(m []specs.LinuxIDMapping, id int) bool {
	return len(m) == 0 || (len(m) == 1 && m[0].Size == 1 && int(m[0].HostID) == id)
}

// Args renders a map as newuidmap's arguments after the pid.
func Args(m []specs.LinuxIDMapping) []string {
	out := make([]string, 0, 3*len(m))
	for _, e := range m {
		out = append(out, strconv.FormatUint(uint64(e.ContainerID), 10),
			strconv.FormatUint(uint64(e.HostID), 10), strconv.FormatUint(uint64(e.Size), 10))
	}
	return out
}

func helper(name string, pid int, m []specs.LinuxIDMapping) error {
	if len(m) == 0 {
		return nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s is needed for a rootless map of several ids (install the uidmap package): %w", name, err)
	}
	cmd := exec.Command(path, append([]string{strconv.Itoa(pid)}, Args(m)...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %v: %w: %s (are the ranges in /etc/subuid and /etc/subgid?)", name, cmd.Args[1:], err, out)
	}
	return nil
}

// IgnoreCgroupError says whether a cgroup error may be ignored: runc's
// --rootless auto does so for a permission error of an unprivileged user,
// who may own no cgroup; the container then runs in the caller's cgroup.
// Root of a user namespace (rootless berth's store namespace) is such a
// user too: the cgroup tree belongs to the host's root.
func IgnoreCgroupError(err error) bool {
	return (Rootless() || nested.Inside()) && (errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist))
}
