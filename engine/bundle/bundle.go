package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/volume"
)

// fillVolumes fills each empty volume of mounts from the image's content
// at its mount point, as Docker does, unless it was asked for nocopy.
func fillVolumes(rootfs string, mounts []record.Mount) error {
	for _, m := range mounts {
		if m.Type != "volume" || m.NoCopy {
			continue
		}
		if err := fillVolume(rootfs, m); err != nil {
			return err
		}
	}
	return nil
}

func fillVolume(rootfs string, m record.Mount) error {
	empty, err := volume.IsEmpty(m.Source)
	if err != nil || !empty {
		return err
	}
	src, err := securejoin.SecureJoin(rootfs, m.Destination)
	if err != nil {
		return fmt.Errorf("resolve %s in the container: %w", m.Destination, err)
	}
	return volume.CopyUp(src, m.Source)
}

// hostDevice describes a host device node for --device.
func hostDevice(host, ctr string) (specs.LinuxDevice, error) {
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		return specs.LinuxDevice{}, fmt.Errorf("error gathering device information while adding custom device %q: %w", host, err)
	}
	var typ string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		typ = "c"
	case unix.S_IFBLK:
		typ = "b"
	default:
		return specs.LinuxDevice{}, fmt.Errorf("error gathering device information while adding custom device %q: not a device node", host)
	}
	mode := os.FileMode(st.Mode & 0o777)
	uid, gid := st.Uid, st.Gid
	return specs.LinuxDevice{Path: ctr, Type: typ, Major: int64(unix.Major(st.Rdev)), Minor: int64(unix.Minor(st.Rdev)),
		FileMode: &mode, UID: &uid, GID: &gid}, nil
}

// writeBundle writes config.json into the container's directory, and
// keeps s for this process's runtime create (core.TakeSpec).
func (e ops) writeBundle(c *record.Container, s *specs.Spec) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode config.json of %s: %w", c.ID, err)
	}
	if err := atomicfile.WriteFileUnsynced(filepath.Join(e.c.ContainerDir(c.ID), "config.json"), data, 0o600); err != nil {
		return err
	}
	e.c.KeepSpec(c.ID, s)
	return nil
}
