package rootless

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// KeepID is --userns's value that keeps the user itself in the container.
const KeepID = "keep-id"

// ErrNoCgroup is why a rootless container cannot have limits here.
var ErrNoCgroup = errors.New("rootless berth cannot set resource limits (-m, --cpus, --pids-limit, ...) without a cgroup v2 subtree delegated to your user")

// Spec makes an engine spec runnable in the store's namespace, as podman
// does: the container's cgroup goes under the user's delegated cgroup v2
// subtree, where its limits work; without one, it runs in the caller's
// cgroup with no limits, and any limit is an error rather than silently
// unenforced (placeCgroup). The device allow-list goes (the namespace
// cannot mknod a device anyway, and the runtime bind-mounts the default
// nodes). usernsMode KeepID adds keepID's namespace.
func Spec(s *specs.Spec, usernsMode string) error {
	if !Active() || s.Linux == nil {
		return nil
	}
	if err := placeCgroup(s); err != nil {
		return err
	}
	if usernsMode == KeepID {
		return keepID(s)
	}
	return nil
}

// keepID gives the container a user namespace of its own inside the
// store's, as podman's --userns=keep-id: the user's host uid and gid are
// themselves in the container (store id 0, the user, maps to them), the
// ids below them map to the store's 1..uid, those above to the rest. The
// process runs as the user. /sys is bound from the host: a new user
// namespace may not mount sysfs for a network namespace it does not own
// (slirp4netns's is the store's), as runc's rootless spec does.
func keepID(s *specs.Spec) error {
	ubounds, size, err := storeExtents("/proc/self/uid_map")
	if err != nil {
		return err
	}
	gbounds, gsize, err := storeExtents("/proc/self/gid_map")
	if err != nil {
		return err
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	if h, err := hostIDs(); err == nil {
		uid, gid = h[0], h[1]
	}
	if uid == 0 || uid >= size || gid >= gsize {
		return fmt.Errorf("rootless berth: --userns=keep-id needs your uid %d and gid %d below the %d ids of your subordinate ranges", uid, gid, min(size, gsize))
	}
	s.Linux.UIDMappings = keepIDMap(uid, size, ubounds)
	s.Linux.GIDMappings = keepIDMap(gid, gsize, gbounds)
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Process.User.UID, s.Process.User.GID = uid, gid
	s.Process.User.AdditionalGids = nil
	for i, m := range s.Mounts {
		if m.Destination == "/sys" {
			s.Mounts[i] = specs.Mount{Destination: "/sys", Type: "none", Source: "/sys",
				Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
		}
	}
	return nil
}

// keepIDMap maps container ids onto the store's: 0..id-1 onto 1..id, id
// onto 0 (the user), the rest onto themselves. Each extent is split where
// the store's extents meet (bounds), since the kernel maps an extent only
// into one extent of the parent namespace.
func keepIDMap(id, size uint32, bounds []uint32) []specs.LinuxIDMapping {
	var out []specs.LinuxIDMapping
	add := func(container, store, n uint32) {
		for n > 0 {
			chunk := n
			for _, b := range bounds {
				if b > store && b-store < chunk {
					chunk = b - store
				}
			}
			out = append(out, specs.LinuxIDMapping{ContainerID: container, HostID: store, Size: chunk})
			container, store, n = container+chunk, store+chunk, n-chunk
		}
	}
	add(0, 1, id)
	add(id, 0, 1)
	add(id+1, id+1, size-id-1)
	return out
}

// storeExtents are the store namespace's id map extents: where each
// starts inside, and how many ids it maps in all.
func storeExtents(file string) (bounds []uint32, size uint32, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, 0, fmt.Errorf("rootless berth: %w", err)
	}
	var n uint64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		start, _ := strconv.ParseUint(f[0], 10, 32)
		c, _ := strconv.ParseUint(f[2], 10, 32)
		bounds = append(bounds, uint32(start))
		n += c
	}
	return bounds, uint32(n), nil
}

// hostIDs are the user's uid and gid on the host: what id 0 of the store's
// namespace is (its maps' first lines).
func hostIDs() ([2]uint32, error) {
	var out [2]uint32
	for i, f := range []string{"/proc/self/uid_map", "/proc/self/gid_map"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return out, err
		}
		fields := strings.Fields(string(b))
		if len(fields) < 3 || fields[0] != "0" {
			return out, fmt.Errorf("%s maps no id 0", f)
		}
		v, err := strconv.ParseUint(fields[1], 10, 32)
		if err != nil {
			return out, err
		}
		out[i] = uint32(v)
	}
	return out, nil
}
