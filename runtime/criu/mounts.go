package criu

import (
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/criu/rpc"
)

// Container is what the mount declarations need to know of a container.
type Container struct {
	Spec   *specs.Spec
	Bundle string
	Rootfs string // host path of the root filesystem
	// CgroupBinds maps, on a cgroup v1 host without a cgroup namespace,
	// each hierarchy's directory name under the cgroup mount ("memory",
	// "cpu,cpuacct") to the container's cgroup there: the runtime binds
	// those, and CRIU sees them as external mounts.
	CgroupBinds map[string]string
	// MaskedFiles are the masked paths that are files, not directories,
	// in the running container: /dev/null is bound over them.
	MaskedFiles []string
}

// defaultDevices are the nodes every container gets (runtime/devnode):
// bound from the host when the runtime cannot mknod them.
var defaultDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}

// DumpMounts declares to CRIU, for a dump, the mounts whose source is
// outside the container: bind mounts, v1 cgroup binds, the /dev/null over
// masked files and bound device nodes. Each is named by its destination
// (masks: "/dev/null"), the name RestoreMounts maps to a source.
func DumpMounts(c *Container) []*rpc.ExtMountMap {
	var out []*rpc.ExtMountMap
	add := func(key, val string) { out = append(out, ExtMount(key, val)) }
	for _, m := range c.Spec.Mounts {
		switch {
		case isBind(m):
			d := c.inRoot(m.Destination)
			add(d, d)
		case m.Type == "cgroup":
			for name := range c.CgroupBinds {
				d := c.inRoot(filepath.Join(m.Destination, name))
				add(d, d)
			}
		}
	}
	for _, p := range c.MaskedFiles {
		add(p, "/dev/null")
	}
	for _, d := range c.devices() {
		add(d, d)
	}
	return out
}

// RestoreMounts maps each name DumpMounts gave to what a restore binds in
// its place: a bind mount's source, the new cgroup, the host's node.
func RestoreMounts(c *Container) []*rpc.ExtMountMap {
	var out []*rpc.ExtMountMap
	add := func(key, val string) { out = append(out, ExtMount(key, val)) }
	for _, m := range c.Spec.Mounts {
		switch {
		case isBind(m):
			src := m.Source
			if !filepath.IsAbs(src) {
				src = filepath.Join(c.Bundle, src)
			}
			add(c.inRoot(m.Destination), src)
		case m.Type == "cgroup":
			for name, dir := range c.CgroupBinds {
				add(c.inRoot(filepath.Join(m.Destination, name)), dir)
			}
		}
	}
	// Masked files were named "/dev/null", which the devices map too.
	for _, d := range c.devices() {
		add(d, d)
	}
	return out
}

func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// inRoot is dest as the container sees it once symlinks in the rootfs are
// followed (as the runtime followed them to mount it), as runc names it.
func (c *Container) inRoot(dest string) string {
	dest = filepath.Clean("/" + dest)
	if c.Rootfs == "" {
		return dest
	}
	full, err := securejoin.SecureJoin(c.Rootfs, dest)
	if err != nil {
		return dest
	}
	rel := strings.TrimPrefix(full, filepath.Clean(c.Rootfs))
	if rel == "" {
		return "/"
	}
	return rel
}

func (c *Container) devices() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range defaultDevices {
		seen[d] = true
		out = append(out, d)
	}
	if c.Spec.Linux != nil {
		for _, d := range c.Spec.Linux.Devices {
			if p := filepath.Clean(d.Path); !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}
