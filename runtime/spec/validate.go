package spec

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/mempolicy"
	"github.com/berth-containers/berth/runtime/netdev"
)

// Validate checks what runc's validator checks without asking the kernel.
// bundle is where a relative root.path starts. It returns the first problem,
// as one line that names the JSON field.
func Validate(s *specs.Spec, bundle string) error {
	checks := []func(*specs.Spec, string) error{
		checkRoot, checkProcess, checkNamespaces, checkUTS, checkSysctl,
		checkMounts, checkPaths, checkIDMappings, checkTimeOffsets, checkMemoryPolicy, checkIntelRdt,
		func(s *specs.Spec, _ string) error { return netdev.Check(s.Linux) },
	}
	for _, c := range checks {
		if err := c(s, bundle); err != nil {
			return err
		}
	}
	return nil
}

func checkRoot(s *specs.Spec, bundle string) error {
	if s.Root == nil {
		return errors.New("root: not set")
	}
	if s.Root.Path == "" {
		return errors.New("root.path: not set")
	}
	p := s.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("root.path: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("root.path: %s is not a directory", p)
	}
	return nil
}

func checkProcess(s *specs.Spec, _ string) error {
	p := s.Process
	if p == nil {
		return errors.New("process: not set")
	}
	if len(p.Args) == 0 {
		return errors.New("process.args: empty")
	}
	if !filepath.IsAbs(p.Cwd) {
		return fmt.Errorf("process.cwd: %q is not absolute", p.Cwd)
	}
	if err := checkRlimits(p.Rlimits); err != nil {
		return err
	}
	// Capability names are not checked: runc 1.2 and later ignore unknown
	// ones with a warning (runtime/caps).
	return nil
}

func checkRlimits(rls []specs.POSIXRlimit) error {
	seen := map[string]bool{}
	for i, rl := range rls {
		if _, ok := Rlimit(rl.Type); !ok {
			return fmt.Errorf("process.rlimits[%d].type: unknown rlimit %q", i, rl.Type)
		}
		if seen[rl.Type] {
			return fmt.Errorf("process.rlimits[%d].type: duplicate rlimit %q", i, rl.Type)
		}
		seen[rl.Type] = true
		if rl.Soft > rl.Hard {
			return fmt.Errorf("process.rlimits[%d]: soft limit %d above hard limit %d", i, rl.Soft, rl.Hard)
		}
	}
	return nil
}

var knownNamespaces = []specs.LinuxNamespaceType{
	specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace, specs.IPCNamespace,
	specs.UTSNamespace, specs.UserNamespace, specs.CgroupNamespace, specs.TimeNamespace,
}

func checkNamespaces(s *specs.Spec, _ string) error {
	if s.Linux == nil {
		return nil
	}
	seen := map[specs.LinuxNamespaceType]bool{}
	for i, ns := range s.Linux.Namespaces {
		if !slices.Contains(knownNamespaces, ns.Type) {
			return fmt.Errorf("linux.namespaces[%d].type: unknown namespace %q", i, ns.Type)
		}
		if seen[ns.Type] {
			return fmt.Errorf("linux.namespaces[%d].type: duplicate namespace %q", i, ns.Type)
		}
		seen[ns.Type] = true
	}
	return nil
}

// newNS reports whether the container has a namespace of type t apart from
// the runtime's: a new one or one joined by path. Whether a joined path is
// in fact the host's namespace needs the kernel, so it is not checked here.
func newNS(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	return slices.ContainsFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == t })
}

func checkUTS(s *specs.Spec, _ string) error {
	if newNS(s, specs.UTSNamespace) {
		return nil
	}
	if s.Hostname != "" {
		return errors.New("hostname: cannot be set without a new uts namespace")
	}
	if s.Domainname != "" {
		return errors.New("domainname: cannot be set without a new uts namespace")
	}
	return nil
}

// ipcSysctls are the kernel.* sysctls that belong to the ipc namespace.
var ipcSysctls = []string{
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
}

// checkSysctl allows only sysctls that are namespaced by a namespace the
// container has: any other would change the host.
func checkSysctl(s *specs.Spec, _ string) error {
	if s.Linux == nil {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(s.Linux.Sysctl)) {
		if err := checkOneSysctl(s, k); err != nil {
			return fmt.Errorf("linux.sysctl[%q]: %w", k, err)
		}
	}
	return nil
}

func checkOneSysctl(s *specs.Spec, k string) error {
	switch {
	case slices.Contains(ipcSysctls, k) || strings.HasPrefix(k, "fs.mqueue."):
		if !newNS(s, specs.IPCNamespace) {
			return errors.New("needs a new ipc namespace")
		}
	case strings.HasPrefix(k, "net."):
		if !newNS(s, specs.NetworkNamespace) {
			return errors.New("needs a new network namespace")
		}
	case k == "kernel.hostname" || k == "kernel.domainname":
		if !newNS(s, specs.UTSNamespace) {
			return errors.New("needs a new uts namespace")
		}
		if k == "kernel.hostname" && s.Hostname != "" {
			return errors.New("conflicts with the hostname field")
		}
	default:
		return errors.New("not in a namespace of the container")
	}
	return nil
}

// checkMounts follows runc 1.1: a relative destination is only a warning
// (it is taken relative to the container's /), and a mount without a type
// must be a bind mount.
func checkMounts(s *specs.Spec, _ string) error {
	for i, m := range s.Mounts {
		if m.Destination == "" {
			return fmt.Errorf("mounts[%d].destination: not set", i)
		}
		if !filepath.IsAbs(m.Destination) {
			slog.Warn("mount destination is not absolute, taking it relative to /; runc will refuse this in a future release",
				"field", fmt.Sprintf("mounts[%d].destination", i), "destination", m.Destination)
		}
		if m.Type == "" && !IsBind(m) {
			return fmt.Errorf("mounts[%d].type: empty without a bind or rbind option", i)
		}
	}
	return nil
}

// IsBind reports whether m is a bind mount: its options name bind or rbind.
func IsBind(m specs.Mount) bool {
	return slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind") || m.Type == "bind"
}

// checkPaths refuses masked and read-only paths without a mount namespace:
// applying them would mask the host's own files.
func checkPaths(s *specs.Spec, _ string) error {
	if s.Linux == nil || newNS(s, specs.MountNamespace) {
		return nil
	}
	if len(s.Linux.MaskedPaths) > 0 {
		return errors.New("linux.maskedPaths: cannot be applied without a new mount namespace")
	}
	if len(s.Linux.ReadonlyPaths) > 0 {
		return errors.New("linux.readonlyPaths: cannot be applied without a new mount namespace")
	}
	return nil
}

func checkIDMappings(s *specs.Spec, _ string) error {
	if s.Linux == nil {
		return nil
	}
	userns := newNS(s, specs.UserNamespace)
	if !userns && len(s.Linux.UIDMappings) > 0 {
		return errors.New("linux.uidMappings: set without a user namespace")
	}
	if !userns && len(s.Linux.GIDMappings) > 0 {
		return errors.New("linux.gidMappings: set without a user namespace")
	}
	if userns && nsPath(s, specs.UserNamespace) == "" {
		if len(s.Linux.UIDMappings) == 0 {
			return errors.New("linux.uidMappings: a new user namespace needs a mapping")
		}
		if len(s.Linux.GIDMappings) == 0 {
			return errors.New("linux.gidMappings: a new user namespace needs a mapping")
		}
	}
	return nil
}

func nsPath(s *specs.Spec, t specs.LinuxNamespaceType) string {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return ns.Path
		}
	}
	return ""
}

func checkTimeOffsets(s *specs.Spec, _ string) error {
	if s.Linux == nil || len(s.Linux.TimeOffsets) == 0 {
		return nil
	}
	if !newNS(s, specs.TimeNamespace) {
		return errors.New("linux.timeOffsets: set without a new time namespace")
	}
	for k := range s.Linux.TimeOffsets {
		if k != "boottime" && k != "monotonic" {
			return fmt.Errorf("linux.timeOffsets[%q]: unknown clock, want boottime or monotonic", k)
		}
	}
	return nil
}

func checkMemoryPolicy(s *specs.Spec, _ string) error {
	if s.Linux == nil {
		return nil
	}
	_, err := mempolicy.Parse(s.Linux.MemoryPolicy)
	return err
}

// resctrlMagic is RDTGROUP_SUPER_MAGIC, the resctrl filesystem's.
const resctrlMagic = 0x7655821

// checkIntelRdt: berth-runtime does not drive Intel RDT (resctrl). A host
// without resctrl could not give the container what linux.intelRdt asks
// for whoever drove it, which is worth saying in those words.
func checkIntelRdt(s *specs.Spec, _ string) error {
	if s.Linux == nil || s.Linux.IntelRdt == nil {
		return nil
	}
	var sf unix.Statfs_t
	if err := unix.Statfs("/sys/fs/resctrl", &sf); err != nil || sf.Type != resctrlMagic {
		return errors.New("linux.intelRdt: this host has no resctrl filesystem at /sys/fs/resctrl (Intel RDT not supported by the CPU or kernel, or not mounted): remove linux.intelRdt")
	}
	return errors.New("linux.intelRdt: Intel RDT (resctrl) is not supported by berth-runtime yet: remove linux.intelRdt")
}
