package create

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/jsonlog"
	"github.com/berth-containers/berth/engine/ociruntime"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/specgen"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/internal/bytesize"
	"github.com/berth-containers/berth/runtime/signals"
)

var validName = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// create makes a container from opts: its record, its name and its
// writable snapshot. It does not start it. On error nothing is left.
func (e ops) create(ctx context.Context, opts options.CreateOptions, p *progress.Progress) (c *record.Container, err error) {
	if opts, err = options.ValidateEtcValues(opts); err != nil {
		return nil, err
	}
	streams, err := options.AttachStreams(opts)
	if err != nil {
		return nil, err
	}
	hc, err := hostConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := e.c.Net.Config(opts, &hc); err != nil {
		return nil, err
	}
	if err := e.extraHostConfig(opts, &hc); err != nil {
		return nil, err
	}
	hcheck, err := health.Flags(opts.HealthOptions)
	if err != nil {
		return nil, err
	}
	if err := health.Validate(hcheck); err != nil {
		return nil, err
	}
	exposed, err := options.ParseExpose(opts.Expose)
	if err != nil {
		return nil, err
	}
	labels, err := options.ReadLabelFiles(opts.LabelFiles)
	if err != nil {
		return nil, err
	}
	opts.Labels = append(labels, opts.Labels...)
	if err := ValidateEnvFiles(opts.EnvFiles); err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(opts.Name, "/")
	if opts.Name != "" && !validName.MatchString(opts.Name) {
		return nil, fmt.Errorf("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", opts.Name)
	}
	e.c.Mark("command line")
	img, err := e.resolveImage(ctx, opts, p)
	if err != nil {
		return nil, err
	}
	e.c.Mark("resolve image")
	id := core.NewID()
	if name == "" {
		name = store.RandomName(id)
	}
	c = &record.Container{
		ID: id, Name: name, Image: opts.Image, ImageID: img.ID.String(),
		Created:    time.Now().UTC(),
		Config:     containerConfig(opts, img.Config.Config, id, streams),
		HostConfig: hc,
	}
	if err := c.SetStatus(record.StatusCreated); err != nil {
		return nil, err
	}
	// The flags' healthcheck (checked as the daemon does) over the image's.
	c.Config.Healthcheck = health.Merge(hcheck, img.Healthcheck)
	if chain := unpack.ChainIDs(img.Config.RootFS.DiffIDs); len(chain) > 0 {
		c.ChainID = chain[len(chain)-1].String()
	}
	argv := c.Argv()
	if len(argv) == 0 {
		return nil, errors.New("no command specified: give one after the image name, or use an image with a CMD or ENTRYPOINT")
	}
	c.Path, c.Args = argv[0], argv[1:]
	if hc.UTSMode == "host" {
		// As Docker: the host's UTS namespace, so the host's name.
		if h, herr := os.Hostname(); herr == nil {
			c.Config.Hostname = h
		}
	}
	for p := range exposed {
		if c.Config.ExposedPorts == nil {
			c.Config.ExposedPorts = map[string]struct{}{}
		}
		c.Config.ExposedPorts[p] = struct{}{}
	}
	if c.HostConfig.Mounts, err = e.resolveMounts(ctx, opts, c.Config.Volumes); err != nil {
		return nil, err
	}
	from, err := e.volumesFrom(opts.VolumesFrom, c.HostConfig.Mounts)
	if err != nil {
		return nil, err
	}
	c.HostConfig.Mounts = append(c.HostConfig.Mounts, from...)
	dirLock, err := e.c.LockNewContainerDir(id)
	if err != nil {
		return nil, err
	}
	defer dirLock.Close() // after the record is in, or the dir is gone
	defer func() {
		if err != nil {
			if rerr := os.RemoveAll(e.c.ContainerDir(id)); rerr != nil {
				slog.Warn("create: remove the new container's directory", "id", id, "error", rerr)
			}
		}
	}()
	svc, err := e.c.Images()
	if err != nil {
		return nil, err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return nil, err
	}
	e.c.Mark("open snapshots")
	if _, err := sn.Prepare(ctx, id, c.ChainID, map[string]string{"berth.container": name}); err != nil {
		return nil, fmt.Errorf("prepare root filesystem of the container: %w", err)
	}
	e.c.Mark("prepare snapshot")
	defer func() {
		if err != nil {
			if rerr := sn.Remove(context.WithoutCancel(ctx), id); rerr != nil {
				slog.Warn("create: remove the new container's snapshot", "id", id, "error", rerr)
			}
		}
	}()
	if err := e.c.Records.Insert(c); err != nil {
		return nil, err
	}
	e.c.Mark("insert record")
	e.c.Emit(c, "create")
	return c, nil
}

// resolveImage finds the image locally or pulls it, as --pull says.
func (e ops) resolveImage(ctx context.Context, opts options.CreateOptions, p *progress.Progress) (*image.Image, error) {
	svc, err := e.c.Images()
	if err != nil {
		return nil, err
	}
	plat, err := registry.ParsePlatform(opts.Platform)
	if err != nil {
		return nil, err
	}
	pull := func() (*image.Image, error) {
		return svc.Pull(ctx, opts.Image, image.PullOptions{Platform: plat, Progress: p})
	}
	switch opts.Pull {
	case "always":
		return pull()
	case "", "missing", "never":
	default:
		return nil, fmt.Errorf("invalid pull option: '%s': must be one of \"always\", \"missing\" or \"never\"", opts.Pull)
	}
	img, err := svc.Get(ctx, opts.Image)
	if err == nil || !errors.Is(err, image.ErrNotFound) {
		return img, err
	}
	if opts.Pull == "never" {
		return nil, &image.NotFoundError{Ref: opts.Image}
	}
	p.Printf("Unable to find image '%s' locally", opts.Image)
	return pull()
}

// hostConfig checks and converts the flags about how to run.
func hostConfig(o options.CreateOptions) (record.HostConfig, error) {
	hc := record.HostConfig{
		AutoRemove: o.AutoRemove, NetworkMode: o.Network, Runtime: o.Runtime,
		ReadonlyRootfs: o.ReadOnly, Privileged: o.Privileged, Init: o.Init,
		CapAdd: o.CapAdd, CapDrop: o.CapDrop, Devices: o.Devices,
		CPUShares: o.CPUShares, CpusetCpus: o.CpusetCpus, PidsLimit: o.PidsLimit,
	}
	var err error
	if hc.SecurityOpt, err = specgen.LoadSecurityOpts(o.SecurityOpt, o.Privileged); err != nil {
		return hc, err
	}
	if hc.Runtime == "" {
		hc.Runtime = "berth"
	}
	if _, err := ociruntime.ResolveRuntime(hc.Runtime); err != nil {
		return hc, err
	}
	if hc.RestartPolicy, err = options.ParseRestart(o.Restart); err != nil {
		return hc, err
	}
	if hc.AutoRemove && hc.RestartPolicy.Name != "no" {
		return hc, errors.New("conflicting options: cannot specify both --restart and --rm")
	}
	if o.Memory != "" {
		if hc.Memory, err = bytesize.Parse(o.Memory); err != nil {
			return hc, fmt.Errorf("invalid argument %q for \"-m, --memory\" flag: %w", o.Memory, err)
		}
		if hc.Memory > 0 && hc.Memory < 6<<20 {
			return hc, errors.New("minimum memory limit allowed is 6MB")
		}
	}
	if o.MemorySwap != "" {
		if o.MemorySwap == "-1" {
			hc.MemorySwap = -1
		} else if hc.MemorySwap, err = bytesize.Parse(o.MemorySwap); err != nil {
			return hc, fmt.Errorf("invalid argument %q for \"--memory-swap\" flag: %w", o.MemorySwap, err)
		}
		if hc.Memory == 0 {
			return hc, errors.New("you should always set the memory limit when using memoryswap limit, see usage")
		}
		if hc.MemorySwap > 0 && hc.MemorySwap < hc.Memory {
			return hc, errors.New("minimum memoryswap limit should be larger than memory limit, see usage")
		}
	}
	if hc.Memory > 0 && hc.MemorySwap == 0 {
		hc.MemorySwap = defaultSwap("/sys/fs/cgroup", hc.Memory)
	}
	if o.CPUs != "" {
		if hc.NanoCPUs, err = options.ParseCPUs(o.CPUs); err != nil {
			return hc, err
		}
	}
	if o.PidsLimit < -1 {
		return hc, fmt.Errorf("invalid --pids-limit %d: use -1 or 0 for unlimited, or a positive number", o.PidsLimit)
	}
	for _, u := range o.Ulimits {
		ul, err := options.ParseUlimit(u)
		if err != nil {
			return hc, err
		}
		hc.Ulimits = append(hc.Ulimits, ul)
	}
	if o.StopSignal != "" {
		if _, err := signals.Parse(o.StopSignal); err != nil {
			return hc, err
		}
	}
	if o.LogMaxSize != "" {
		if hc.LogMaxSize, err = bytesize.Parse(o.LogMaxSize); err != nil {
			return hc, fmt.Errorf("invalid --log-opt max-size %q: %w", o.LogMaxSize, err)
		}
	}
	if o.LogMaxFile != "" {
		n, err := strconv.Atoi(o.LogMaxFile)
		if err != nil || n < 1 || n > jsonlog.MaxFiles {
			return hc, fmt.Errorf("invalid --log-opt max-file %q: want a number of files from 1 to %d", o.LogMaxFile, jsonlog.MaxFiles)
		}
		hc.LogMaxFile = n
	}
	return hc, nil
}

// containerConfig merges the image's config with the flags, as Docker does.
func containerConfig(o options.CreateOptions, ic ocispec.ImageConfig, id string, st options.Streams) record.Config {
	cfg := record.Config{
		Hostname: o.Hostname, Domainname: o.Domainname, User: ic.User, Cmd: ic.Cmd, Entrypoint: ic.Entrypoint,
		WorkingDir: ic.WorkingDir, StopSignal: ic.StopSignal, StopTimeout: o.StopTimeout,
		Tty: o.TTY, OpenStdin: o.Interactive, Volumes: ic.Volumes, ExposedPorts: ic.ExposedPorts,
		Labels: map[string]string{},
	}
	if cfg.Hostname == "" && o.Network == "host" {
		cfg.Hostname, _ = os.Hostname() // dockerd's: the host's name on the host's network
	}
	if cfg.Hostname == "" {
		cfg.Hostname = id[:12]
	}
	// As Docker's run and create: the streams of -a (AttachStreams), and
	// stdin, with -i, closed when the client detaches.
	cfg.AttachStdin, cfg.AttachStdout, cfg.AttachStderr = st.Stdin, st.Stdout, st.Stderr
	cfg.StdinOnce = o.Interactive && !o.Detach
	for k, v := range ic.Labels {
		cfg.Labels[k] = v
	}
	for _, l := range o.Labels {
		k, v, _ := strings.Cut(l, "=")
		cfg.Labels[k] = v
	}
	if o.User != "" {
		cfg.User = o.User
	}
	if o.Workdir != "" {
		cfg.WorkingDir = o.Workdir
	}
	if o.StopSignal != "" {
		cfg.StopSignal = o.StopSignal
	}
	// Docker: --entrypoint replaces the image's entrypoint and drops its
	// cmd; a command after the image replaces the cmd.
	if o.Entrypoint != nil {
		cfg.Entrypoint = nil
		if *o.Entrypoint != "" {
			cfg.Entrypoint = []string{*o.Entrypoint}
		}
		cfg.Cmd = nil
	}
	if len(o.Cmd) > 0 {
		cfg.Cmd = o.Cmd
	}
	var fromFiles []string
	for _, f := range o.EnvFiles {
		// Errors surface in validateEnvFiles before Create gets here.
		kv, _ := options.ParseEnvFile(f)
		fromFiles = append(fromFiles, kv...)
	}
	var flags []string
	for _, kv := range o.Env {
		flags = append(flags, options.ExpandEnv(kv)...)
	}
	cfg.Env = options.MergeEnv(ic.Env, fromFiles, flags)
	if !hasEnv(cfg.Env, "PATH") {
		cfg.Env = append([]string{specgen.DefaultPath}, cfg.Env...)
	}
	return cfg
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

// ValidateEnvFiles checks every --env-file can be read.
func ValidateEnvFiles(files []string) error {
	for _, f := range files {
		if _, err := options.ParseEnvFile(f); err != nil {
			return err
		}
	}
	return nil
}

// defaultSwap is dockerd's swap for -m without --memory-swap: as much
// swap as memory (memory+swap twice the memory), or unlimited (-1) where
// the kernel cannot limit swap, which the runtime would refuse. root is
// where cgroups are mounted.
func defaultSwap(root string, memory int64) int64 {
	if _, err := os.Stat(filepath.Join(root, "memory", "memory.memsw.limit_in_bytes")); err == nil {
		return 2 * memory
	}
	data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil || !slices.Contains(strings.Fields(string(data)), "memory") {
		return -1
	}
	// cgroup v2: the cgroups below the root have memory.swap.max when
	// the kernel accounts swap. With none to look at yet, trust the
	// memory controller, as dockerd does.
	limited, _ := filepath.Glob(filepath.Join(root, "*", "memory.max"))
	swap, _ := filepath.Glob(filepath.Join(root, "*", "memory.swap.max"))
	if len(limited) > 0 && len(swap) == 0 {
		return -1
	}
	return 2 * memory
}
