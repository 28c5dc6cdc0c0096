package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/checkpoint-restore/go-criu/v7/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/criu"
)

// descriptorsFile, in the image dir, records what the init's fds 0-2
// were (runc's name and format): a restore hands the pipes among them
// to CRIU as its own stdio.
const descriptorsFile = "descriptors.json"

// Checkpoint dumps the running (or paused) container with CRIU into
// o.ImagePath. As with runc, the container is gone afterwards, CRIU having
// killed its processes, unless o.LeaveRunning or o.PreDump.
func (c *Container) Checkpoint(o criu.Options) error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	if st := c.Status(); st == specs.StateCreated || st == specs.StateStopped {
		return fmt.Errorf("container %s cannot be checkpointed in %s state", c.ID(), st)
	}
	if _, err := criu.Binary(); err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	s, err := c.config()
	if err != nil {
		return err
	}
	imgs, err := openImageDir(o.ImagePath, true)
	if err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	defer imgs.Close()
	if err := criu.ParentPath(imgs.Name(), o.ParentPath); err != nil {
		return err
	}
	work, logDir, err := openWorkDir(o.WorkPath, imgs.Name())
	if err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	if work != nil {
		defer work.Close()
	}
	req, err := c.dumpRequest(s, &o, imgs, work)
	if err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	if _, err := (&criu.Session{}).Run(req); err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), criu.Failed(err, logDir, "dump.log"))
	}
	if o.LeaveRunning || o.PreDump {
		return nil
	}
	c.killAll()
	return c.destroy()
}

func (c *Container) dumpRequest(s *specs.Spec, o *criu.Options, imgs, work *os.File) (*rpc.CriuReq, error) {
	opts, err := o.Common(imgs, work, "dump.log")
	if err != nil {
		return nil, err
	}
	opts.Root = proto.String(c.state.Rootfs)
	opts.Pid = proto.Int32(int32(c.state.InitPid))
	opts.LeaveRunning = proto.Bool(o.LeaveRunning)
	opts.TcpSkipInFlight = proto.Bool(o.TCPSkipInFlight)
	opts.LinkRemap = proto.Bool(o.LinkRemap)
	// empty_ns is for restore: criu 3.17's dump with it set fails its
	// first RTM_GETLINK of the netns with EINVAL (Debian 12's kernel).
	opts.EmptyNs = nil
	configFile(s, opts)
	for _, kind := range []specs.LinuxNamespaceType{specs.NetworkNamespace, specs.PIDNamespace} {
		ext, err := externalNamespace(s, kind)
		if err != nil {
			return nil, err
		}
		if ext != "" {
			opts.External = append(opts.External, ext)
		}
	}
	// CRIU freezes the tasks through the cgroup freezer where there is
	// one (v1's freezer, v2's cgroup.freeze), else with ptrace.
	cg := c.cgroup()
	if p := cg.Path("freezer"); p != "" {
		opts.FreezeCgroup = proto.String(p)
	} else if p := cg.Path(cgroups.Unified); p != "" && len(c.state.CgroupPaths) == 1 {
		opts.FreezeCgroup = proto.String(p)
	}
	if o.PageServer != "" {
		if opts.Ps, err = criu.PageServerInfo(o.PageServer); err != nil {
			return nil, err
		}
	}
	if o.ParentPath != "" {
		opts.ParentImg = proto.String(o.ParentPath)
		opts.TrackMem = proto.Bool(true)
	}
	if o.LazyPages && o.StatusFD >= 0 {
		opts.StatusFd = proto.Int32(int32(o.StatusFD))
	}
	t := rpc.CriuReqType_DUMP
	if o.PreDump {
		t = rpc.CriuReqType_PRE_DUMP
		return &rpc.CriuReq{Type: &t, Opts: opts}, nil
	}
	masked, err := c.maskedFiles(s)
	if err != nil {
		return nil, err
	}
	opts.ExtMnt = criu.DumpMounts(&criu.Container{Spec: s, Bundle: c.state.Bundle, Rootfs: c.state.Rootfs,
		CgroupBinds: cgroupBinds(s, c.state.CgroupPaths), MaskedFiles: masked})
	if err := c.saveDescriptors(imgs.Name()); err != nil {
		return nil, err
	}
	return &rpc.CriuReq{Type: &t, Opts: opts}, nil
}

// openImageDir opens --image-path (default ./checkpoint), made first for a
// checkpoint; a restore needs it to exist.
func openImageDir(path string, create bool) (*os.File, error) {
	if path == "" {
		path = criu.DefaultImagePath
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("image path %s: %w", path, err)
	}
	if create {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("create image dir: %w", err)
		}
	}
	f, err := os.OpenFile(abs, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open image dir: %w", err)
	}
	return f, nil
}

// openWorkDir opens --work-path, if given, and says where criu's log goes.
func openWorkDir(path, images string) (*os.File, string, error) {
	if path == "" {
		return nil, images, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", fmt.Errorf("work path %s: %w", path, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, "", fmt.Errorf("create work dir: %w", err)
	}
	f, err := os.OpenFile(abs, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open work dir: %w", err)
	}
	return f, abs, nil
}

// configFile is runc's: the annotation org.criu.config names a CRIU
// configuration file (empty: none), else /etc/criu/runc.conf, which
// clients already write for runc.
func configFile(s *specs.Spec, opts *rpc.CriuOpts) {
	file, ok := s.Annotations["org.criu.config"]
	if !ok {
		file = "/etc/criu/runc.conf"
	}
	if file != "" {
		opts.ConfigFile = proto.String(file)
	}
}

// nsName is CRIU's name of a namespace kind.
func nsName(kind specs.LinuxNamespaceType) string {
	if kind == specs.NetworkNamespace {
		return "net"
	}
	return string(kind)
}

// externalNamespace is CRIU's --external for a namespace the container
// joined by path ("net[INODE]:extRootNetNS"): CRIU leaves it out of the
// images and a restore joins the one given again. "" if none.
func externalNamespace(s *specs.Spec, kind specs.LinuxNamespaceType) (string, error) {
	path := nsPath(s, kind)
	if path == "" {
		return "", nil
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return "", fmt.Errorf("%s namespace %s: %w", kind, path, err)
	}
	return nsName(kind) + "[" + strconv.FormatUint(st.Ino, 10) + "]:" + criu.NsKey(nsName(kind)), nil
}

func nsPath(s *specs.Spec, kind specs.LinuxNamespaceType) string {
	if s.Linux == nil {
		return ""
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == kind {
			return ns.Path
		}
	}
	return ""
}

// maskedFiles are the masked paths that are files in the running
// container: a bind of /dev/null each.
func (c *Container) maskedFiles(s *specs.Spec) ([]string, error) {
	if s.Linux == nil {
		return nil, nil
	}
	var out []string
	root := "/proc/" + strconv.Itoa(c.state.InitPid) + "/root"
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

// cgroupBinds is, on a v1 or hybrid host, the container's cgroup in each
// v1 hierarchy by its directory name under /sys/fs/cgroup: what the
// runtime binds into the container's cgroup tmpfs. None with a cgroup
// namespace (real mounts then) or on a v2 host (cgroup2 is mounted).
func cgroupBinds(s *specs.Spec, paths map[string]string) map[string]string {
	if nsInSpec(s, specs.CgroupNamespace) {
		return nil
	}
	out := map[string]string{}
	for key, p := range paths {
		if key == cgroups.Unified {
			continue
		}
		rel, err := filepath.Rel("/sys/fs/cgroup", p)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		out[strings.SplitN(rel, "/", 2)[0]] = p
	}
	return out
}

func nsInSpec(s *specs.Spec, kind specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == kind {
			return true
		}
	}
	return false
}

// saveDescriptors writes where the init's stdio went.
func (c *Container) saveDescriptors(images string) error {
	fds := make([]string, 3)
	for i := range fds {
		l, err := os.Readlink("/proc/" + strconv.Itoa(c.state.InitPid) + "/fd/" + strconv.Itoa(i))
		if err == nil {
			fds[i] = l
		}
	}
	data, err := json.Marshal(fds)
	if err != nil {
		return fmt.Errorf("encode %s: %w", descriptorsFile, err)
	}
	return atomicfile.WriteFile(filepath.Join(images, descriptorsFile), data, 0o600)
}
