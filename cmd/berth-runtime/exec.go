package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/runtime/execspec"
)

func newExecCommand() *cobra.Command {
	var f execspec.Flags
	var opts container.ExecOptions
	var processFile string
	var detach bool
	var gids, execCgroups []string
	cmd := &cobra.Command{
		Use:   "exec [flags] <container-id> <command> [args...]",
		Short: "Run a new process inside a running container",
		Long: `exec starts a process in every namespace and cgroup of a running container,
with at most the container's capabilities, its seccomp filter, no_new_privs
and rlimits. The process is the container's own (env, cwd, user) changed by
the flags, or the whole of --process FILE (a config.json "process" object).
In the foreground exec forwards signals and exits with the process's status
(128+N after signal N); with --detach it returns once the process runs.`,
		Example: `  berth-runtime exec web ps
  berth-runtime exec -t web sh
  berth-runtime exec --process process.json --detach --pid-file p.pid web`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			for _, g := range gids {
				n, err := strconv.ParseUint(g, 10, 32)
				if err != nil {
					return fmt.Errorf("--additional-gids %q: want a numeric gid", g)
				}
				f.AdditionalGids = append(f.AdditionalGids, uint32(n))
			}
			var proc *specs.Process
			if processFile != "" {
				proc, err = readProcess(processFile)
			} else if len(args) < 2 {
				err = errors.New("exec needs a command, or --process FILE (see 'berth-runtime exec --help')")
			} else {
				f.Args = args[1:]
				proc, err = c.ExecProcess(f)
				opts.AddedCaps = f.Caps
			}
			if err != nil {
				return err
			}
			if opts.SubCgroups, err = execspec.ParseCgroups(execCgroups); err != nil {
				return err
			}
			if opts.PassFDs < 0 {
				return fmt.Errorf("--preserve-fds %d: must not be negative", opts.PassFDs)
			}
			if detach {
				if proc.Terminal && opts.ConsoleSocket == "" {
					return errors.New("exec --detach with a terminal needs --console-socket")
				}
				_, err := c.Exec(proc, opts)
				return err
			}
			code, err := execForeground(c, proc, opts)
			if err != nil {
				return err
			}
			return exitError{code: code}
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.StringVarP(&processFile, "process", "p", "", "JSON file with the whole process to run (a config.json \"process\")")
	fl.BoolVarP(&detach, "detach", "d", false, "return once the process runs, without waiting for it")
	fl.StringVar(&opts.PidFile, "pid-file", "", "file to write the process's pid to")
	fl.StringArrayVar(&execCgroups, "cgroup", nil, "run the process in an existing sub-cgroup of the container's: path, or controller[,controller]:path (repeatable)")
	fl.StringVar(&opts.PidfdSocket, "pidfd-socket", "", "unix socket to send a pidfd of the process to")
	fl.StringVar(&opts.ConsoleSocket, "console-socket", "", "unix socket to send the pty master to, with --tty")
	fl.IntVar(&opts.PassFDs, "preserve-fds", 0, "pass this many fds, from 3 up, to the process")
	fl.BoolVarP(&f.Terminal, "tty", "t", false, "give the process a pseudo-terminal")
	fl.StringVar(&f.Cwd, "cwd", "", "working directory inside the container")
	fl.StringArrayVarP(&f.Env, "env", "e", nil, "set an environment variable (KEY=value)")
	fl.StringVarP(&f.User, "user", "u", "", "run as uid[:gid]")
	fl.StringArrayVarP(&gids, "additional-gids", "g", nil, "an additional gid for the process")
	fl.StringArrayVarP(&f.Caps, "cap", "c", nil, "add a capability to the bounding, effective and permitted sets (and ambient when the spec has inheritable ones), as runc")
	fl.BoolVar(&f.NoNewPrivs, "no-new-privs", false, "set no_new_privs for the process")
	fl.StringVar(&f.Apparmor, "apparmor", "", "AppArmor profile for the process")
	fl.StringVar(&f.ProcessLabel, "process-label", "", "SELinux label for the process")
	fl.BoolVar(&opts.IgnorePaused, "ignore-paused", false, "exec into a paused container: the process waits, frozen, until resume")
	// As runc: exec that fails itself (not the process) exits 255, so a
	// caller tells it from the process's own exit code.
	cmd.RunE = failWith(255, cmd.RunE)
	return cmd
}

func readProcess(path string) (*specs.Process, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--process: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("--process %s: %w", path, err)
	}
	return &p, nil
}

// execForeground runs the process attached to this one and returns its
// exit status. With a terminal and no --console-socket, this process
// takes the pty master and proxies it to its own stdio, as run does.
func execForeground(c *container.Container, proc *specs.Process, opts container.ExecOptions) (int, error) {
	// Never stopped: this process exits once the container's process has,
	// and giving 64 signals back to the Go runtime would cost as long as
	// catching them did (see NewForwarder).
	fw := container.NewForwarder()
	var tty *terminal
	if proc.Terminal && opts.ConsoleSocket == "" {
		var copts container.CreateOptions
		var err error
		if tty, err = newTerminal(&copts); err != nil {
			return 0, err
		}
		opts.Console, opts.ClearONLCR = copts.Console, copts.ClearONLCR
	}
	pid, err := c.Exec(proc, opts)
	if tty != nil {
		tty.local.Close()
		if err != nil {
			tty.remote.Close()
		}
	}
	if err != nil {
		return 0, err
	}
	var proxied chan error
	if tty != nil {
		if proxied, err = tty.proxy(); err != nil {
			return 0, err
		}
	}
	exit, err := fw.Wait(pid)
	slog.Debug("exec", "step", "process exited")
	if proxied != nil {
		select {
		case <-proxied:
		case <-time.After(time.Second):
		}
	}
	return int(exit), err
}
