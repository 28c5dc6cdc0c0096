package container

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/update"
	"github.com/berth-containers/berth/internal/bytesize"
)

func newUpdateCommand(g *cli.Context) *cobra.Command {
	var memory, swap, reservation, cpus, cpusetCpus, cpusetMems, restart string
	var shares, period, quota, rtPeriod, rtRuntime, pids int64
	var blkio uint16
	cmd := &cobra.Command{
		Use:   "update [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Update configuration of one or more containers",
		Long: `Change containers' limits and restart policy. A running or paused container's
cgroup changes at once (through its runtime: berth's own, or runc update for
--runtime runc); a stopped one gets them at its next start. Inspect's
HostConfig shows the new values.`,
		Example: `  berth update -m 256m --memory-swap 512m web
  berth update --cpus 0.5 --pids-limit 100 web worker
  berth update --restart unless-stopped web`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			f := cmd.Flags()
			var o update.Options
			str := func(name string, v *string) *string {
				if f.Changed(name) {
					return v
				}
				return nil
			}
			i64 := func(name string, v *int64) *int64 {
				if f.Changed(name) {
					return v
				}
				return nil
			}
			o.Memory, o.MemorySwap, o.MemoryReservation = str("memory", &memory), str("memory-swap", &swap), str("memory-reservation", &reservation)
			o.CPUs, o.CpusetCpus, o.CpusetMems = str("cpus", &cpus), str("cpuset-cpus", &cpusetCpus), str("cpuset-mems", &cpusetMems)
			o.CPUShares, o.CPUPeriod, o.CPUQuota = i64("cpu-shares", &shares), i64("cpu-period", &period), i64("cpu-quota", &quota)
			o.CPURtPeriod, o.CPURtRuntime = i64("cpu-rt-period", &rtPeriod), i64("cpu-rt-runtime", &rtRuntime)
			o.PidsLimit, o.Restart = i64("pids-limit", &pids), str("restart", &restart)
			if f.Changed("blkio-weight") {
				o.BlkioWeight = &blkio
			}
			if o == (update.Options{}) {
				// Docker's update checks this in its RunE: exit 1.
				return errors.New("you must provide one or more flags when using this command")
			}
			if err := checkUpdateFlags(o); err != nil {
				return cli.FlagError{Err: err} // Docker's flag parser: 125
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				warnings, err := e.Update(ref, o)
				for _, w := range warnings {
					fmt.Fprintln(os.Stderr, "WARNING:", w)
				}
				return err
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&memory, "memory", "m", "", "memory limit (0: none)")
	fl.StringVar(&swap, "memory-swap", "", "swap limit equal to memory plus swap: -1 to enable unlimited swap")
	fl.StringVar(&reservation, "memory-reservation", "", "memory soft limit")
	fl.StringVar(&cpus, "cpus", "", "number of CPUs (0: no limit)")
	fl.Int64VarP(&shares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	fl.Int64Var(&period, "cpu-period", 0, "limit CPU CFS (Completely Fair Scheduler) period")
	fl.Int64Var(&quota, "cpu-quota", 0, "limit CPU CFS (Completely Fair Scheduler) quota")
	fl.Int64Var(&rtPeriod, "cpu-rt-period", 0, "limit the CPU real-time period in microseconds")
	fl.Int64Var(&rtRuntime, "cpu-rt-runtime", 0, "limit the CPU real-time runtime in microseconds")
	fl.StringVar(&cpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	fl.StringVar(&cpusetMems, "cpuset-mems", "", "MEMs in which to allow execution (0-3, 0,1)")
	fl.Int64Var(&pids, "pids-limit", 0, "tune container pids limit (set -1 for unlimited)")
	fl.Uint16Var(&blkio, "blkio-weight", 0, "block IO (relative weight), between 10 and 1000, or 0 to disable")
	fl.StringVar(&restart, "restart", "", "restart policy to apply when a container exits")
	return cmd
}

// checkUpdateFlags rejects values that are no size or number before any
// container is touched: Docker's CLI parses them (exit 125).
func checkUpdateFlags(o update.Options) error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"-m, --memory", o.Memory}, {"--memory-swap", o.MemorySwap}, {"--memory-reservation", o.MemoryReservation}} {
		if f.v == nil || (*f.v == "-1" && f.name == "--memory-swap") {
			continue
		}
		if _, err := bytesize.Parse(*f.v); err != nil {
			return fmt.Errorf("invalid argument %q for \"%s\" flag: %w", *f.v, f.name, err)
		}
	}
	if o.CPUs != nil {
		if _, err := options.ParseCPUs(*o.CPUs); err != nil {
			return err
		}
	}
	return nil
}
