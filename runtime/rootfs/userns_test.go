package rootfs

import (
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func init() {
	scenarios["userns"] = scenario{userns: true, lockedSrc: true, prepare: hostMarker, child: childUserns}
	scenarios["cgroup2"] = scenario{child: childCgroup2}
}

// TestSetupUserNamespace builds the default spec as rootless runc would
// see it: mknod, sysfs and clearing locked flags are refused, and Setup
// must fall back to binds and keep the locked flags.
func TestSetupUserNamespace(t *testing.T) { runScenario(t, "userns") }

// TestSetupCgroup2Host fakes a unified host inside the child, with a
// cgroup2 on /sys/fs/cgroup, to cover the v2 path on this hybrid machine.
func TestSetupCgroup2Host(t *testing.T) { runScenario(t, "cgroup2") }

func childUserns(f fixture) error {
	spec := defaultSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	spec.Linux.Sysctl = map[string]string{"kernel.domainname": "berth.userns"}
	spec.Mounts = append(spec.Mounts, specs.Mount{
		Destination: "/locked", Source: filepath.Join(f.src, "locked"), Options: []string{"bind", "ro"},
	})
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	checkHostHidden(&c, f)
	checkDevices(&c)
	c.fsType("/sys", unix.SYSFS_MAGIC)
	c.createFails("/sys/berthtest-probe", unix.EROFS)
	c.statfsFlags("/locked", unix.ST_RDONLY|unix.ST_NOSUID|unix.ST_NODEV, true)
	c.createFails("/locked/x", unix.EROFS)
	c.fileIs("/proc/sys/kernel/domainname", "berth.userns\n")
	c.createFails("/proc/sys/kernel/domainname", unix.EROFS)
	checkShell(&c)
	return c.err()
}

func childCgroup2(f fixture) error {
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, ""); err != nil {
		return err
	}
	if err := build(f, defaultSpec(), false); err != nil {
		return err
	}
	var c checks
	c.fsType("/sys/fs/cgroup", unix.CGROUP2_SUPER_MAGIC)
	c.statfsFlags("/sys/fs/cgroup", unix.ST_RDONLY|unix.ST_NOSUID|unix.ST_NOEXEC, true)
	c.createFails("/sys/fs/cgroup/berthtest-probe", unix.EROFS)
	return c.err()
}
