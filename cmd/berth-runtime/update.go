package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/internal/bytesize"
	"github.com/berth-containers/berth/runtime/container"
)

// updateFlags are runc update's resource flags, in its order.
var updateFlags = []struct{ name, usage string }{
	{"blkio-weight", "block I/O weight, 10 to 1000"},
	{"cpu-period", "CPU CFS period in microseconds (0: the system default)"},
	{"cpu-quota", "CPU CFS quota in microseconds per period"},
	{"cpu-burst", "CPU CFS burst in microseconds per period"},
	{"cpu-share", "CPU shares (weight relative to other containers)"},
	{"cpu-rt-period", "CPU realtime period in microseconds"},
	{"cpu-rt-runtime", "CPU realtime runtime in microseconds per period"},
	{"cpuset-cpus", "CPUs to use (0-3, 0,1)"},
	{"cpuset-mems", "memory nodes to use (0-3, 0,1)"},
	{"memory", "memory limit in bytes (suffixes k, m, g)"},
	{"cpu-idle", "1 to give the cgroup SCHED_IDLE priority, 0 to clear it"},
	{"memory-reservation", "memory soft limit in bytes"},
	{"memory-swap", "memory plus swap limit in bytes; -1 for unlimited swap"},
	{"kernel-memory", "obsolete; ignored"},
	{"kernel-memory-tcp", "kernel TCP buffer memory limit in bytes"},
	{"pids-limit", "maximum number of processes (-1: no limit; 0 means 1, as runc)"},
	{"l3-cache-schema", "Intel RDT L3 cache schema (not supported)"},
	{"mem-bw-schema", "Intel RDT memory bandwidth schema (not supported)"},
}

func newUpdateCommand() *cobra.Command {
	var resources string
	cmd := &cobra.Command{
		Use:   "update [flags] <container-id>",
		Short: "Change the resource limits of a running container",
		Long: `update writes new limits into the container's cgroup. Either give flags, or
--resources with a file (or - for stdin) holding linux.resources JSON, as
containerd sends it.`,
		Example: `  berth-runtime update --memory 256m --pids-limit 100 web
  echo '{"memory":{"limit":268435456}}' | berth-runtime update -r - web`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			var r *specs.LinuxResources
			if resources != "" {
				r, err = readResources(resources)
			} else {
				r, err = resourcesFromFlags(cmd.Flags())
			}
			if err != nil {
				return err
			}
			return c.Update(r)
		},
	}
	cmd.Flags().StringVarP(&resources, "resources", "r", "", "file with linux.resources JSON, - for stdin")
	for _, f := range updateFlags {
		cmd.Flags().String(f.name, "", f.usage)
	}
	return cmd
}

func readResources(path string) (*specs.LinuxResources, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--resources: %w", err)
		}
		defer f.Close()
		in = f
	}
	var r specs.LinuxResources
	if err := json.NewDecoder(in).Decode(&r); err != nil {
		return nil, fmt.Errorf("--resources %s: decode linux.resources JSON: %w", path, err)
	}
	return &r, nil
}

// resourcesFromFlags builds the resources from the flags given; the rest
// stay nil and are left alone.
func resourcesFromFlags(fs *pflag.FlagSet) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	var errs []error
	get := func(name string) (string, bool) {
		if !fs.Changed(name) {
			return "", false
		}
		v, _ := fs.GetString(name)
		return v, true
	}
	u64 := func(name string) *uint64 {
		s, ok := get(name)
		if !ok {
			return nil
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %q: want a non-negative number", name, s))
			return nil
		}
		return &v
	}
	i64 := func(name string) *int64 {
		s, ok := get(name)
		if !ok {
			return nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %q: want a number", name, s))
			return nil
		}
		return &v
	}
	bytes := func(name string) *int64 {
		s, ok := get(name)
		if !ok {
			return nil
		}
		// -1 is unlimited, as runc's update takes it.
		v := int64(-1)
		var err error
		if s != "-1" {
			v, err = bytesize.Parse(s)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", name, err))
			return nil
		}
		return &v
	}
	if w := u64("blkio-weight"); w != nil {
		if *w < 10 || *w > 1000 {
			errs = append(errs, fmt.Errorf("--blkio-weight %d: must be between 10 and 1000", *w))
		}
		v := uint16(*w)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &v}
	}
	cpu := &specs.LinuxCPU{
		Period: u64("cpu-period"), Quota: i64("cpu-quota"), Burst: u64("cpu-burst"), Shares: u64("cpu-share"),
		RealtimePeriod: u64("cpu-rt-period"), RealtimeRuntime: i64("cpu-rt-runtime"), Idle: i64("cpu-idle"),
	}
	cpu.Cpus, _ = get("cpuset-cpus")
	cpu.Mems, _ = get("cpuset-mems")
	if *cpu != (specs.LinuxCPU{}) {
		r.CPU = cpu
	}
	mem := &specs.LinuxMemory{
		Limit: bytes("memory"), Reservation: bytes("memory-reservation"), Swap: bytes("memory-swap"),
		KernelTCP: bytes("kernel-memory-tcp"),
	}
	//lint:ignore SA1019 runc's flag is kept; the runtime warns that it is ignored
	mem.Kernel = bytes("kernel-memory")
	if *mem != (specs.LinuxMemory{}) {
		r.Memory = mem
	}
	if p := i64("pids-limit"); p != nil {
		r.Pids = &specs.LinuxPids{Limit: p}
	}
	for _, rdt := range []string{"l3-cache-schema", "mem-bw-schema"} {
		if _, ok := get(rdt); ok {
			errs = append(errs, fmt.Errorf("--%s: Intel RDT is not supported by berth-runtime", rdt))
		}
	}
	return r, errors.Join(errs...)
}
