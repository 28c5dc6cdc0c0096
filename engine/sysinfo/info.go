// Package sysinfo gathers what `berth info` and `berth system df` say of
// the host: its kernel, OS, cgroup controllers, runtimes and security
// options, the engine's ID, and the sums of disk usage. It reads kernel
// files and the engine's root only: the engine counts its own containers
// and images and fills them in.
package sysinfo

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/ociruntime"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/rootless"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// Info is `docker info`'s system-wide information, with Docker's field
// names, as far as they apply to a daemonless engine. It is made from
// records and a few kernel files only: no layer is walked and no size is
// computed, so it stays fast whatever the store holds. Host fills in what
// the host says; the engine counts its containers and images.
type Info struct {
	ID                 string
	Containers         int
	ContainersRunning  int
	ContainersPaused   int
	ContainersStopped  int
	Images             int
	Driver             string
	DriverStatus       [][2]string
	Plugins            Plugins
	MemoryLimit        bool
	SwapLimit          bool
	CPUCfsPeriod       bool `json:"CpuCfsPeriod"`
	CPUCfsQuota        bool `json:"CpuCfsQuota"`
	CPUShares          bool
	CPUSet             bool
	PidsLimit          bool
	KernelVersion      string
	OperatingSystem    string
	OSVersion          string
	OSType             string
	Architecture       string
	NCPU               int
	MemTotal           int64
	DockerRootDir      string
	Name               string
	Labels             []string
	ExperimentalBuild  bool
	ServerVersion      string // filled in by the command: the engine does not know its build
	LoggingDriver      string
	CgroupDriver       string
	CgroupVersion      string
	Runtimes           map[string]Runtime
	DefaultRuntime     string
	SecurityOptions    []string
	IndexServerAddress string
	RegistryConfig     RegistryConfig
	LiveRestoreEnabled bool
	Warnings           []string
}

// Plugins are the drivers berth has built in.
type Plugins struct {
	Volume  []string
	Network []string
	Log     []string
}

// Runtime is one runtime a container can name with --runtime.
type Runtime struct {
	Path string `json:"path"`
}

// RegistryConfig is how registries are reached.
type RegistryConfig struct {
	InsecureRegistryCIDRs []string
	IndexConfigs          map[string]IndexInfo
	Mirrors               []string
}

// IndexInfo is one registry of RegistryConfig.
type IndexInfo struct {
	Name     string
	Mirrors  []string
	Secure   bool
	Official bool
}

// Host is the Info of a host whose engine keeps its files under root,
// with everything but the counts of containers and images; insecure are
// the registries the command line marks as reached over plain HTTP.
func Host(root string, insecure []string) *Info {
	in := &Info{
		Driver: "overlay", LoggingDriver: "json-file", CgroupDriver: "cgroupfs",
		OSType: runtime.GOOS, NCPU: runtime.NumCPU(), MemTotal: int64(MemTotal()),
		DockerRootDir: root, DefaultRuntime: ociruntime.Own, Labels: []string{},
		Plugins:            Plugins{Volume: []string{"local"}, Network: []string{"bridge", "host", "null"}, Log: []string{"json-file"}},
		IndexServerAddress: "https://index.docker.io/v1/",
		// No daemon: each container's monitor keeps it running whatever
		// berth command comes and goes, which is what live restore is for.
		LiveRestoreEnabled: true,
	}
	in.DriverStatus = [][2]string{{"Backing Filesystem", backingFS(filepath.Join(root, "snapshots"))},
		{"Native Overlay Diff", "true"}} // diff and commit read the upper dir itself
	in.hostFacts()
	in.cgroupFacts()
	in.Runtimes = runtimes()
	in.SecurityOptions = securityOptions()
	in.RegistryConfig = registryConfig(insecure)
	return in
}

// MemTotal is MemTotal of /proc/meminfo in bytes, 0 when unknown.
func MemTotal() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	return parseMemTotal(string(data))
}

func parseMemTotal(data string) uint64 {
	for _, l := range strings.Split(data, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// EngineID is the ID of the engine under root, made on first use and kept
// in the root, as Docker's engine-id file.
func EngineID(root string) (string, error) {
	path := filepath.Join(root, "engine-id")
	if data, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(data)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read engine ID: %w", err)
	}
	if err := statedir.Ensure(root, statedir.Mode); err != nil {
		return "", fmt.Errorf("create engine root %s: %w", root, err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make engine ID: %w", err)
	}
	id := hex.EncodeToString(b[:])
	id = fmt.Sprintf("%s-%s-%s-%s-%s", id[0:8], id[8:12], id[12:16], id[16:20], id[20:32])
	// Written aside and linked into place: of two first callers, one wins
	// and both print its ID.
	tmp, err := os.CreateTemp(root, ".engine-id-")
	if err != nil {
		return "", fmt.Errorf("write engine ID: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(id + "\n")
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return "", fmt.Errorf("write engine ID %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("write engine ID %s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read engine ID: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// backingFS names the file system under dir as Docker does.
func backingFS(dir string) string {
	var st unix.Statfs_t
	for ; ; dir = filepath.Dir(dir) {
		if err := unix.Statfs(dir, &st); err == nil || dir == "/" {
			break
		}
	}
	names := map[int64]string{unix.EXT4_SUPER_MAGIC: "extfs", unix.XFS_SUPER_MAGIC: "xfs",
		unix.BTRFS_SUPER_MAGIC: "btrfs", unix.TMPFS_MAGIC: "tmpfs", unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
		unix.F2FS_SUPER_MAGIC: "f2fs", 0x2fc12fc1: "zfs"}
	if n, ok := names[int64(st.Type)]; ok {
		return n
	}
	return fmt.Sprintf("<unknown> (0x%x)", st.Type)
}

// hostFacts reads uname, the hostname and /etc/os-release.
func (in *Info) hostFacts() {
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		in.KernelVersion = unix.ByteSliceToString(u.Release[:])
		in.Architecture = unix.ByteSliceToString(u.Machine[:])
	}
	in.Name, _ = os.Hostname()
	in.OperatingSystem = "<unknown>"
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return
	}
	defer f.Close()
	in.OperatingSystem, in.OSVersion = parseOSRelease(f, in.OperatingSystem)
}

// parseOSRelease reads PRETTY_NAME and VERSION_ID of an os-release file;
// name is what to say when it has no PRETTY_NAME.
func parseOSRelease(r io.Reader, name string) (pretty, version string) {
	pretty = name
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		v = strings.Trim(v, `"'`)
		switch k {
		case "PRETTY_NAME":
			pretty = v
		case "VERSION_ID":
			version = v
		}
	}
	return pretty, version
}

// cgroupFacts says which limits the host's cgroups can enforce, from the
// controllers' files at their roots.
func (in *Info) cgroupFacts() {
	layout, err := cgroups.DetectLayout()
	if err != nil {
		in.Warnings = append(in.Warnings, "WARNING: "+err.Error())
		return
	}
	in.CgroupVersion = "1"
	if layout == cgroups.LayoutV2 {
		in.CgroupVersion = "2"
	}
	has := func(v1, v2 string) bool {
		p := filepath.Join(cgroups.Root, v1)
		if layout == cgroups.LayoutV2 {
			// The root has no limit files of its own: a controller is
			// there when the root offers it to its children.
			data, _ := os.ReadFile(filepath.Join(cgroups.Root, "cgroup.subtree_control"))
			return strings.Contains(" "+strings.TrimSpace(string(data))+" ", " "+v2+" ")
		}
		_, err := os.Stat(p)
		return err == nil
	}
	in.MemoryLimit = has("memory/memory.limit_in_bytes", "memory")
	in.SwapLimit = has("memory/memory.memsw.limit_in_bytes", "memory")
	in.CPUCfsPeriod = has("cpu/cpu.cfs_period_us", "cpu")
	in.CPUCfsQuota = has("cpu/cpu.cfs_quota_us", "cpu")
	in.CPUShares = has("cpu/cpu.shares", "cpu")
	in.CPUSet = has("cpuset/cpuset.cpus", "cpuset")
	in.PidsLimit = has("pids/cgroup.procs", "pids") // the root has no pids.max
	if !in.MemoryLimit {
		in.Warnings = append(in.Warnings, "WARNING: No memory limit support")
	}
	if !in.SwapLimit {
		in.Warnings = append(in.Warnings, "WARNING: No swap limit support")
	}
}

// runtimes are berth's own and the OCI runtimes found in PATH.
func runtimes() map[string]Runtime {
	out := map[string]Runtime{}
	if exe, err := os.Executable(); err == nil {
		out[ociruntime.Own] = Runtime{Path: exe}
	}
	for _, name := range []string{"runc", "crun"} {
		if p, err := exec.LookPath(name); err == nil {
			out[name] = Runtime{Path: p}
		}
	}
	return out
}

// securityOptions says what confines a container by default: Docker's
// default seccomp profile ("builtin", as seccompProfile applies it to any
// container not privileged nor seccomp=unconfined) on a kernel with
// seccomp, and rootless when berth runs as another user than root.
func securityOptions() []string {
	var out []string
	if seccompSupported() {
		out = append(out, "name=seccomp,profile=builtin")
	}
	if os.Geteuid() != 0 || rootless.Active() { // a user's store runs as 0 of its namespace
		out = append(out, "name=rootless")
	}
	return out
}

// seccompSupported reads the Seccomp line the kernel shows when it has
// seccomp.
func seccompSupported() bool {
	data, err := os.ReadFile("/proc/self/status")
	return err == nil && strings.Contains(string(data), "\nSeccomp:")
}

func registryConfig(insecure []string) RegistryConfig {
	rc := RegistryConfig{
		InsecureRegistryCIDRs: []string{"127.0.0.0/8", "::1/128"},
		IndexConfigs: map[string]IndexInfo{"docker.io": {Name: "docker.io", Mirrors: []string{},
			Secure: true, Official: true}},
		Mirrors: []string{},
	}
	for _, h := range insecure {
		rc.IndexConfigs[h] = IndexInfo{Name: h, Mirrors: []string{}}
	}
	return rc
}
