package criu

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/criu/rpc"
)

// OpenImageDir opens --image-path (default ./checkpoint), made first for a
// checkpoint; a restore needs it to exist.
func OpenImageDir(path string, create bool) (*os.File, error) {
	if path == "" {
		path = DefaultImagePath
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

// OpenWorkDir opens --work-path, if given, and says where criu's log goes.
func OpenWorkDir(path, images string) (*os.File, string, error) {
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

// ConfigFile is runc's: the annotation org.criu.config names a CRIU
// configuration file (empty: none), else /etc/criu/runc.conf, which
// clients already write for runc.
func ConfigFile(s *specs.Spec, opts *rpc.CriuOpts) {
	file, ok := s.Annotations["org.criu.config"]
	if !ok {
		file = "/etc/criu/runc.conf"
	}
	if file != "" {
		opts.ConfigFile = rpc.String(file)
	}
}

// NsName is CRIU's name of a namespace kind.
func NsName(kind specs.LinuxNamespaceType) string {
	if kind == specs.NetworkNamespace {
		return "net"
	}
	return string(kind)
}

// ExternalNamespace is CRIU's --external for a namespace the container
// joined by path ("net[INODE]:extRootNetNS"): CRIU leaves it out of the
// images and a restore joins the one given again. "" if none.
func ExternalNamespace(s *specs.Spec, kind specs.LinuxNamespaceType) (string, error) {
	path := NsPath(s, kind)
	if path == "" {
		return "", nil
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return "", fmt.Errorf("%s namespace %s: %w", kind, path, err)
	}
	return NsName(kind) + "[" + strconv.FormatUint(st.Ino, 10) + "]:" + NsKey(NsName(kind)), nil
}

func NsPath(s *specs.Spec, kind specs.LinuxNamespaceType) string {
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

// CgroupBinds is, on a v1 or hybrid host, the container's cgroup in each
// v1 hierarchy by its directory name under /sys/fs/cgroup: what the
// runtime binds into the container's cgroup tmpfs. None with a cgroup
// namespace (real mounts then) or on a v2 host (cgroup2 is mounted).
func CgroupBinds(s *specs.Spec, paths map[string]string) map[string]string {
	if NsInSpec(s, specs.CgroupNamespace) {
		return nil
	}
	out := map[string]string{}
	for key, p := range paths {
		if key == "" {
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

func NsInSpec(s *specs.Spec, kind specs.LinuxNamespaceType) bool {
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

// RestoreNamespaces: a network or pid namespace joined by path was left out of
// the images (see externalNamespace) and is given back to CRIU as an
// inherited fd; other namespaces given by path are joined.
func RestoreNamespaces(s *specs.Spec, opts *rpc.CriuOpts, sess *Session) error {
	if s.Linux == nil {
		return nil
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Path == "" {
			continue
		}
		switch ns.Type {
		case specs.NetworkNamespace, specs.PIDNamespace:
			f, err := os.Open(ns.Path)
			if err != nil {
				return fmt.Errorf("%s namespace %s must exist to restore into: %w", ns.Type, ns.Path, err)
			}
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{Key: rpc.String(NsKey(NsName(ns.Type))), Fd: rpc.Int32(ExtraFD(len(sess.ExtraFiles)))})
			sess.ExtraFiles = append(sess.ExtraFiles, f)
		case specs.CgroupNamespace:
			return fmt.Errorf("cannot restore into the cgroup namespace %s: CRIU cannot join one", ns.Path)
		default:
			opts.JoinNs = append(opts.JoinNs, &rpc.JoinNamespace{Ns: rpc.String(NsName(ns.Type)), NsFile: rpc.String(ns.Path)})
		}
	}
	return nil
}

// CgroupRoots maps the dump's cgroups onto those criu (pid) is in now:
// the tasks it restores go there.
func CgroupRoots(pid int) ([]*rpc.CgroupRoot, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read criu's cgroups: %w", err)
	}
	return cgroupRoots(string(data)), nil
}

// cgroupRoots is CgroupRoots over the text of /proc/PID/cgroup.
func cgroupRoots(procCgroup string) []*rpc.CgroupRoot {
	var roots []*rpc.CgroupRoot
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			// cgroup2: a root without a controller is criu's default, for
			// every hierarchy not named. On a hybrid host that is the
			// controller-less cgroup2 beside the v1 ones: unmapped, criu
			// would make the dumped container's cgroup2 dir again, and
			// nothing would remove it.
			roots = append(roots, &rpc.CgroupRoot{Path: rpc.String(parts[2])})
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			roots = append(roots, &rpc.CgroupRoot{Ctrl: rpc.String(ctrl), Path: rpc.String(parts[2])})
		}
	}
	return roots
}
