package container

import (
	"fmt"
	"net"

	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine/create"
	"github.com/berth-containers/berth/engine/options"
)

// registerExtraFlags adds create's namespace, kernel and finer resource
// flags (options.ExtraOptions) and the CLI's own --cidfile and --quiet.
func (f *createFlags) registerExtraFlags(fs *pflag.FlagSet) {
	x := &f.o.ExtraOptions
	fs.StringVar(&f.cidfile, "cidfile", "", "write the container ID to the file")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "suppress the pull output")
	fs.StringVar(&x.ShmSize, "shm-size", "", "size of /dev/shm (default 64m)")
	fs.StringArrayVar(&x.Sysctls, "sysctl", nil, "namespaced kernel parameters (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*)")
	fs.StringVar(&x.PidMode, "pid", "", "PID namespace to use (host or container:NAME|ID)")
	fs.StringVar(&x.IpcMode, "ipc", "", "IPC mode to use (private, shareable, none, host or container:NAME|ID)")
	fs.StringVar(&x.UTSMode, "uts", "", "UTS namespace to use (host)")
	fs.StringVar(&x.CgroupnsMode, "cgroupns", "", "cgroup namespace to use (host or private; default host)")
	fs.StringArrayVar(&x.Expose, "expose", nil, "expose a port or a range of ports")
	fs.StringArrayVar(&x.VolumesFrom, "volumes-from", nil, "mount volumes from the specified container(s) (NAME[:ro|rw])")
	fs.StringArrayVar(&x.GroupAdd, "group-add", nil, "add additional groups to join")
	fs.StringVar(&x.Domainname, "domainname", "", "container NIS domain name")
	fs.Int64Var(&x.CPUPeriod, "cpu-period", 0, "limit CPU CFS (Completely Fair Scheduler) period")
	fs.Int64Var(&x.CPUQuota, "cpu-quota", 0, "limit CPU CFS (Completely Fair Scheduler) quota")
	fs.StringArrayVarP(&x.Attach, "attach", "a", nil, "attach to STDIN, STDOUT or STDERR")
	fs.Int64Var(&x.CPURtPeriod, "cpu-rt-period", 0, "limit CPU real-time period in microseconds")
	fs.Int64Var(&x.CPURtRuntime, "cpu-rt-runtime", 0, "limit CPU real-time runtime in microseconds")
	fs.StringVar(&x.CpusetMems, "cpuset-mems", "", "MEMs in which to allow execution (0-3, 0,1)")
	fs.StringVar(&x.MemoryReservation, "memory-reservation", "", "memory soft limit")
	fs.Int64Var(&f.swappiness, "memory-swappiness", -1, "tune container memory swappiness (0 to 100)")
	fs.IntVar(&x.OomScoreAdj, "oom-score-adj", 0, "tune host's OOM preferences (-1000 to 1000)")
	fs.BoolVar(&x.OomKillDisable, "oom-kill-disable", false, "disable OOM Killer")
	fs.StringVar(&x.MacAddress, "mac-address", "", "container MAC address (e.g., 92:d0:c6:0a:29:33)")
	fs.StringVar(&x.CgroupParent, "cgroup-parent", "", "optional parent cgroup for the container")
	fs.Uint16Var(&x.BlkioWeight, "blkio-weight", 0, "block IO (relative weight), between 10 and 1000, or 0 to disable")
	fs.StringArrayVar(&x.LabelFiles, "label-file", nil, "read in a line delimited file of labels")
	d := &x.DeviceOptions
	fs.StringArrayVar(&d.DeviceCgroupRules, "device-cgroup-rule", nil, "add a rule to the cgroup allowed devices list ('c 1:3 rwm')")
	fs.StringArrayVar(&d.ReadBps, "device-read-bps", nil, "limit read rate (bytes per second) from a device (PATH:RATE)")
	fs.StringArrayVar(&d.WriteBps, "device-write-bps", nil, "limit write rate (bytes per second) to a device (PATH:RATE)")
	fs.StringArrayVar(&d.ReadIOps, "device-read-iops", nil, "limit read rate (IO per second) from a device (PATH:RATE)")
	fs.StringArrayVar(&d.WriteIOps, "device-write-iops", nil, "limit write rate (IO per second) to a device (PATH:RATE)")
	fs.StringArrayVar(&d.Annotations, "annotation", nil, "add an annotation to the container, passed through to the OCI runtime")
	fs.StringVar(&d.LogDriver, "log-driver", "", "logging driver for the container (json-file only)")
	fs.StringVar(&d.UsernsMode, "userns", "", "user namespace to use (host only)")
	h := &f.o.HealthOptions
	fs.StringVar(&h.HealthCmd, "health-cmd", "", "command to run to check health")
	fs.DurationVar(&h.HealthInterval, "health-interval", 0, "time between running the check (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.HealthTimeout, "health-timeout", 0, "maximum time to allow one check to run (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.HealthStartPeriod, "health-start-period", 0, "start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.HealthStartInterval, "health-start-interval", 0, "time between running the check during the start period (ms|s|m|h) (default 0s)")
	fs.IntVar(&h.HealthRetries, "health-retries", 0, "consecutive failures needed to report unhealthy")
	fs.BoolVar(&h.NoHealthcheck, "no-healthcheck", false, "disable any container-specified HEALTHCHECK")
}

// extraOptions sets what registerExtraFlags cannot bind directly.
// A malformed --mac-address is the CLI's usage error, as Docker's.
func (f *createFlags) extraOptions(fs *pflag.FlagSet, o *options.CreateOptions) error {
	if fs.Changed("memory-swappiness") {
		v := f.swappiness
		o.MemorySwappiness = &v
	}
	if mac := o.MacAddress; mac != "" {
		if _, err := net.ParseMAC(mac); err != nil {
			return cli.BareError{Err: fmt.Errorf("%s is not a valid mac address", mac)}
		}
	}
	return nil
}

// cidFile reserves --cidfile before the container is made.
func (f *createFlags) cidFile() (*create.CIDFile, error) {
	return create.ReserveCIDFile(f.cidfile)
}
