package container

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/cmd/berth/internal/network"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image/progress"
)

// createFlags are the flags run and create share.
type createFlags struct {
	o           options.CreateOptions
	entrypoint  string
	stopTimeout int
	logOpts     []string
	cidfile     string
	quiet       bool
	swappiness  int64
}

func (f *createFlags) register(fs *pflag.FlagSet) {
	o := &f.o
	fs.SetInterspersed(false) // flags after the image belong to the command
	fs.StringVar(&o.Name, "name", "", "assign a name to the container")
	fs.BoolVarP(&o.TTY, "tty", "t", false, "allocate a pseudo-TTY")
	fs.BoolVarP(&o.Interactive, "interactive", "i", false, "keep STDIN open even if not attached")
	fs.StringArrayVarP(&o.Env, "env", "e", nil, "set environment variables")
	fs.StringArrayVar(&o.EnvFiles, "env-file", nil, "read in a file of environment variables")
	fs.StringVarP(&o.Workdir, "workdir", "w", "", "working directory inside the container")
	fs.StringVarP(&o.User, "user", "u", "", "username or UID (format: <name|uid>[:<group|gid>])")
	fs.StringVar(&f.entrypoint, "entrypoint", "", "overwrite the default ENTRYPOINT of the image")
	fs.StringVarP(&o.Hostname, "hostname", "h", "", "container host name")
	fs.StringArrayVarP(&o.Labels, "label", "l", nil, "set meta data on a container")
	fs.StringVarP(&o.Memory, "memory", "m", "", "memory limit")
	fs.StringVar(&o.MemorySwap, "memory-swap", "", "swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	fs.StringVar(&o.CPUs, "cpus", "", "number of CPUs")
	fs.Int64VarP(&o.CPUShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	fs.StringVar(&o.CpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	fs.Int64Var(&o.PidsLimit, "pids-limit", 0, "tune container pids limit (set -1 for unlimited)")
	fs.StringArrayVar(&o.Ulimits, "ulimit", nil, "ulimit options (name=soft[:hard])")
	fs.StringArrayVarP(&o.Volumes, "volume", "v", nil, "bind mount a volume")
	fs.StringArrayVar(&o.Mounts, "mount", nil, "attach a filesystem mount to the container")
	fs.StringArrayVar(&o.Tmpfs, "tmpfs", nil, "mount a tmpfs directory")
	fs.BoolVar(&o.ReadOnly, "read-only", false, "mount the container's root filesystem as read only")
	fs.StringArrayVar(&o.CapAdd, "cap-add", nil, "add Linux capabilities")
	fs.StringArrayVar(&o.CapDrop, "cap-drop", nil, "drop Linux capabilities")
	fs.BoolVar(&o.Privileged, "privileged", false, "give extended privileges to this container")
	fs.StringArrayVar(&o.SecurityOpt, "security-opt", nil, "security options")
	fs.StringArrayVar(&o.Devices, "device", nil, "add a host device to the container")
	fs.BoolVar(&o.Init, "init", false, "run an init inside the container that forwards signals and reaps processes")
	fs.StringVar(&o.StopSignal, "stop-signal", "", "signal to stop the container")
	fs.IntVar(&f.stopTimeout, "stop-timeout", -1, "timeout (in seconds) to stop a container")
	network.RegisterNetworkFlags(fs, o)
	fs.StringVar(&o.Restart, "restart", "no", "restart policy to apply when a container exits")
	fs.BoolVar(&o.AutoRemove, "rm", false, "automatically remove the container when it exits")
	fs.StringVar(&o.Pull, "pull", "missing", "pull image before running (\"always\", \"missing\", \"never\")")
	fs.StringVar(&o.Platform, "platform", "", "set platform if server is multi-platform capable")
	fs.StringVar(&o.Runtime, "runtime", "", "runtime to use for this container: berth (its own, the default), runc, crun or the path of an OCI runtime")
	fs.StringArrayVar(&f.logOpts, "log-opt", nil, "log driver options (max-size=SIZE, max-file=N)")
	f.registerExtraFlags(fs)
	// -h is --hostname, as in Docker: help keeps only its long form.
	fs.Bool("help", false, "print usage")
}

func (f *createFlags) options(cmd *cobra.Command, args []string) (options.CreateOptions, error) {
	o := f.o
	o.Image, o.Cmd = args[0], args[1:]
	if cmd.Flags().Changed("entrypoint") {
		o.Entrypoint = &f.entrypoint
	}
	if f.stopTimeout >= 0 {
		o.StopTimeout = &f.stopTimeout
	}
	if err := f.extraOptions(cmd.Flags(), &o); err != nil {
		return o, err
	}
	for _, l := range f.logOpts {
		if k, v, ok := strings.Cut(l, "="); ok {
			if o.LogOpts == nil {
				o.LogOpts = map[string]string{}
			}
			o.LogOpts[k] = v
		}
		if v, ok := cutPrefix(l, "max-size="); ok {
			o.LogMaxSize = v
			continue
		}
		if v, ok := cutPrefix(l, "max-file="); ok {
			o.LogMaxFile = v
			continue
		}
		return o, fmt.Errorf("unknown log opt '%s' for json-file log driver", l)
	}
	return o, nil
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}

// createContainer turns flags into a container. A bad option is a usage
// error (125, as Docker's flag parser); any other failure exits 125 from
// run and 1 from create, as Docker's (see report).
func createContainer(cmd *cobra.Command, g *cli.Context, f *createFlags, args []string) (*engine.Engine, *record.Container, error) {
	o, err := f.options(cmd, args)
	if err != nil {
		return nil, nil, cli.UsageError{Err: err}
	}
	if _, err := health.Flags(o.HealthOptions); err != nil {
		// Docker's CLI finds these: "docker: ....", its usage, 125.
		//lint:ignore ST1005 printed as Docker's CLI prints it
		return nil, nil, cli.FlagError{Err: fmt.Errorf("berth: %v.", err)}
	}
	e, err := g.Engine()
	if err != nil {
		return nil, nil, err
	}
	cid, err := f.cidFile()
	if err != nil {
		return nil, nil, &errdefs.StatusError{Code: cli.ExitUsage, Err: err}
	}
	var pw io.Writer = os.Stderr
	if f.quiet {
		pw = io.Discard
	}
	p := progress.New(pw, progress.Plain)
	c, err := e.Create(cmd.Context(), o, p)
	p.Close()
	if err == nil {
		if err = cid.Write(c.ID); err != nil {
			e.Remove(cmd.Context(), c.ID, lifecycle.RemoveOptions{Force: true, Volumes: true})
		}
	}
	if err != nil {
		cid.Abort()
		return nil, nil, cli.WithTag(err)
	}
	return e, c, nil
}

func newCreateCommand(g *cli.Context) *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create a new container",
		Long: `Create a container from an image without starting it, and print its ID.
The image is pulled first if it is not local (see --pull).`,
		Example: `  berth create --name web busybox httpd -f -p 8080
  berth start web`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			_, c, err := createContainer(cmd, g, &f, a)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), c.ID)
			return nil
		},
	}
	f.register(cmd.Flags())
	return cmd
}
