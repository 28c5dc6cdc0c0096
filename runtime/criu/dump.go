package criu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/runtime/criu/rpc"
)

// DescriptorsFile, in the image dir, records what the init's fds 0-2
// were (runc's name and format): a restore hands the pipes among them
// to CRIU as its own stdio.
const DescriptorsFile = "descriptors.json"

// Dump is what a dump request needs of the running container.
type Dump struct {
	Spec           *specs.Spec
	Bundle, Rootfs string
	InitPid        int
	CgroupPaths    map[string]string
	// FreezeCgroup is the cgroup CRIU freezes the tasks with; empty,
	// CRIU freezes them with ptrace.
	FreezeCgroup string
}

// DumpRequest is the request that dumps d (a pre-dump if o.PreDump) into
// imgs, the open image directory; a full dump also records d's masked
// files and its init's stdio there.
func DumpRequest(d *Dump, o *Options, imgs, work *os.File) (*rpc.CriuReq, error) {
	s := d.Spec
	opts, err := o.Common(imgs, work, "dump.log")
	if err != nil {
		return nil, err
	}
	opts.Root = rpc.String(d.Rootfs)
	opts.Pid = rpc.Int32(int32(d.InitPid))
	opts.LeaveRunning = rpc.Bool(o.LeaveRunning)
	opts.TcpSkipInFlight = rpc.Bool(o.TCPSkipInFlight)
	opts.LinkRemap = rpc.Bool(o.LinkRemap)
	ConfigFile(s, opts)
	for _, kind := range []specs.LinuxNamespaceType{specs.NetworkNamespace, specs.PIDNamespace} {
		ext, err := ExternalNamespace(s, kind)
		if err != nil {
			return nil, err
		}
		if ext != "" {
			opts.External = append(opts.External, ext)
		}
	}
	if d.FreezeCgroup != "" {
		opts.FreezeCgroup = rpc.String(d.FreezeCgroup)
	}
	if o.PageServer != "" {
		if opts.Ps, err = PageServerInfo(o.PageServer); err != nil {
			return nil, err
		}
	}
	if o.ParentPath != "" {
		opts.ParentImg = rpc.String(o.ParentPath)
		opts.TrackMem = rpc.Bool(true)
	}
	if o.LazyPages && o.StatusFD >= 0 {
		opts.StatusFd = rpc.Int32(int32(o.StatusFD))
	}
	t := rpc.CriuReqType_DUMP
	if o.PreDump {
		t = rpc.CriuReqType_PRE_DUMP
		return &rpc.CriuReq{Type: &t, Opts: opts}, nil
	}
	masked, err := maskedFiles(d.InitPid, s)
	if err != nil {
		return nil, err
	}
	opts.ExtMnt = DumpMounts(&Container{Spec: s, Bundle: d.Bundle, Rootfs: d.Rootfs,
		CgroupBinds: CgroupBinds(s, d.CgroupPaths), MaskedFiles: masked})
	if err := saveDescriptors(d.InitPid, imgs.Name()); err != nil {
		return nil, err
	}
	return &rpc.CriuReq{Type: &t, Opts: opts}, nil
}

// maskedFiles are the masked paths that are files in the running
// container: a bind of /dev/null each.
func maskedFiles(pid int, s *specs.Spec) ([]string, error) {
	if s.Linux == nil {
		return nil, nil
	}
	var out []string
	root := "/proc/" + strconv.Itoa(pid) + "/root"
	for _, p := range s.Linux.MaskedPaths {
		fi, err := os.Stat(filepath.Join(root, p))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("masked path %s: %w", p, err)
		}
		if !fi.IsDir() {
			out = append(out, filepath.Clean(p))
		}
	}
	return out, nil
}

// saveDescriptors writes where the init's stdio went.
func saveDescriptors(pid int, images string) error {
	fds := make([]string, 3)
	for i := range fds {
		l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(i))
		if err == nil {
			fds[i] = l
		}
	}
	data, err := json.Marshal(fds)
	if err != nil {
		return fmt.Errorf("encode %s: %w", DescriptorsFile, err)
	}
	return atomicfile.WriteFile(filepath.Join(images, DescriptorsFile), data, 0o600)
}
