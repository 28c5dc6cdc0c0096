// Package bundle is a container's files on the host while it runs: its
// root filesystem mounted from its snapshot, its shareable /dev/shm, its
// network set up, and its OCI bundle (config.json, made by engine/specgen
// from the record and what this host says: users, devices, the
// namespaces it joins). Prepare makes them before each start;
// UnmountRootfs and RemoveFiles take them down again.
package bundle

import (
	"context"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/caps"
	"github.com/berth-containers/berth/snapshot"
)

// ops is the core seen as the container's files.
type ops struct{ c *core.Core }

// Prepare mounts the container's rootfs (unless a previous start left it
// mounted), sets up its network and writes its bundle. Errors here are
// berth's own (exit 125); on one nothing new is left mounted.
func Prepare(ctx context.Context, c *core.Core, ctr *record.Container) error {
	return ops{c}.prepare(ctx, ctr)
}

// UnmountRootfs unmounts the container's root filesystem and its
// shareable /dev/shm, if mounted.
func UnmountRootfs(c *core.Core, id string) error { return ops{c}.unmountRootfs(id) }

// RemoveFiles tears down everything of a container that is not running:
// runtime state, cgroup, network, mounts, snapshot, files and record, and
// with volumes its anonymous volumes.
func RemoveFiles(ctx context.Context, c *core.Core, ctr *record.Container, volumes bool) error {
	return ops{c}.removeFiles(ctx, ctr, volumes)
}

// ContainerUser resolves a -u in the container's root filesystem.
func ContainerUser(rootfs, spec string) (specs.User, error) { return containerUser(rootfs, spec) }

// CapBound is berth's own capability bounding set (nil if unreadable).
func CapBound() *caps.Set { return capBound() }

// IsMountPoint reports whether dir has a file system mounted on it.
func IsMountPoint(dir string) bool { return isMountPoint(dir) }

// RootfsMounts are the mounts of a container's root filesystem: its
// writable snapshot over its image's layers.
func RootfsMounts(ctx context.Context, c *core.Core, ctr *record.Container) ([]snapshot.Mount, error) {
	return ops{c}.rootfsMounts(ctx, ctr)
}
