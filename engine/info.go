package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/berth-containers/berth/internal/statedir"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/ociruntime"
	"github.com/berth-containers/berth/engine/stats"
	"github.com/berth-containers/berth/rootless"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// Info is `docker info`'s system-wide information, with Docker's field
// names, as far as they apply to a daemonless engine. It is made from
// records and a few kernel files only: no layer is walked and no size is
// computed, so it stays fast whatever the store holds.
type Info struct {
	ID                 string
	Containers         int
	ContainersRunning  int
	ContainersPaused   int
	ContainersStopped  int
	Images             int
	Driver             string
	DriverStatus       [][2]string
	Plugins            InfoPlugins
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
	Runtimes           map[string]InfoRuntime
	DefaultRuntime     string
	SecurityOptions    []string
	IndexServerAddress string
	RegistryConfig     RegistryConfig
	LiveRestoreEnabled bool
	Warnings           []string
}

// InfoPlugins are the drivers berth has built in.
type InfoPlugins struct {
	Volume  []string
	Network []string
	Log     []string
}

// InfoRuntime is one runtime a container can name with --runtime.
type InfoRuntime struct {
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

// Info gathers the system-wide information; insecure are the registries
// the command line marks as reached over plain HTTP.
func (ops *System) Info(ctx context.Context, insecure []string) (*Info, error) {
	in := &Info{
		Driver: "overlay", LoggingDriver: "json-file", CgroupDriver: "cgroupfs",
		OSType: runtime.GOOS, NCPU: runtime.NumCPU(), MemTotal: int64(stats.HostMemory()),
		DockerRootDir: ops.e.root, DefaultRuntime: ociruntime.Own, Labels: []string{},
		Plugins:            InfoPlugins{Volume: []string{"local"}, Network: []string{"bridge", "host", "null"}, Log: []string{"json-file"}},
		IndexServerAddress: "https://index.docker.io/v1/",
		// No daemon: each container's monitor keeps it running whatever
		// berth command comes and goes, which is what live restore is for.
		LiveRestoreEnabled: true,
	}
	var err error
	if in.ID, err = ops.engineID(); err != nil {
		return nil, err
	}
	recs, err := ops.e.db.list()
	if err != nil {
		return nil, err
	}
	for _, c := range recs {
		c.refresh()
		in.Containers++
		switch c.State.Status {
		case StatusPaused:
			in.ContainersPaused++
		case StatusRunning, StatusRestarting:
			in.ContainersRunning++
		default:
			in.ContainersStopped++
		}
	}
	if in.Images, err = ops.imageCount(); err != nil {
		return nil, err
	}
	in.DriverStatus = [][2]string{{"Backing Filesystem", backingFS(filepath.Join(ops.e.root, "snapshots"))},
		{"Native Overlay Diff", "true"}} // diff and commit read the upper dir itself
	in.hostFacts()
	in.cgroupFacts()
	in.Runtimes = runtimes()
	in.SecurityOptions = securityOptions()
	in.RegistryConfig = registryConfig(insecure)
	return in, nil
}

// engineID is the engine's ID, made on first use and kept in the root, as
// Docker's engine-id file.
func (ops *System) engineID() (string, error) {
	path := filepath.Join(ops.e.root, "engine-id")
	if data, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(data)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read engine ID: %w", err)
	}
	if err := statedir.Ensure(ops.e.root, statedir.Mode); err != nil {
		return "", fmt.Errorf("create engine root %s: %w", ops.e.root, err)
	}
	id := newID()
	id = fmt.Sprintf("%s-%s-%s-%s-%s", id[0:8], id[8:12], id[12:16], id[16:20], id[20:32])
	// Written aside and linked into place: of two first callers, one wins
	// and both print its ID.
	tmp, err := os.CreateTemp(ops.e.root, ".engine-id-")
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

// imageCount counts images by their manifest, from the records alone.
func (ops *System) imageCount() (int, error) {
	svc, err := ops.e.imageService()
	if err != nil {
		return 0, err
	}
	recs, err := svc.Records.List()
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Target.Digest.String()] = true
	}
	return len(seen), nil
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
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		v = strings.Trim(v, `"'`)
		switch k {
		case "PRETTY_NAME":
			in.OperatingSystem = v
		case "VERSION_ID":
			in.OSVersion = v
		}
	}
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
func runtimes() map[string]InfoRuntime {
	out := map[string]InfoRuntime{}
	if exe, err := os.Executable(); err == nil {
		out[ociruntime.Own] = InfoRuntime{Path: exe}
	}
	for _, name := range []string{"runc", "crun"} {
		if p, err := exec.LookPath(name); err == nil {
			out[name] = InfoRuntime{Path: p}
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
