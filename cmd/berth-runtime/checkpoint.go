package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/runtime/criu"
)

// criuFlags are the CRIU options checkpoint and restore share, with
// runc's names.
func criuFlags(fs *pflag.FlagSet, o *criu.Options) {
	fs.StringVar(&o.ImagePath, "image-path", "", "directory of the CRIU image files (default: ./checkpoint)")
	fs.StringVar(&o.WorkPath, "work-path", "", "directory for CRIU's work files and log (default: the image directory)")
	fs.BoolVar(&o.TCPEstablished, "tcp-established", false, "allow open TCP connections")
	fs.BoolVar(&o.ExtUnixSk, "ext-unix-sk", false, "allow external unix sockets")
	fs.BoolVar(&o.ShellJob, "shell-job", false, "allow shell jobs")
	fs.BoolVar(&o.FileLocks, "file-locks", false, "handle file locks, for safety")
	fs.StringVar(&o.ManageCgroupsMode, "manage-cgroups-mode", "", "cgroups mode: soft|full|strict|ignore (default: soft)")
	fs.StringSliceVar(&o.EmptyNs, "empty-ns", nil, "create a namespace, but don't restore its properties (network)")
	fs.BoolVar(&o.AutoDedup, "auto-dedup", false, "enable auto deduplication of memory images")
	fs.BoolVar(&o.LazyPages, "lazy-pages", false, "use userfaultfd to lazily restore memory pages")
}

func newCheckpointCommand() *cobra.Command {
	o := criu.Options{StatusFD: -1}
	cmd := &cobra.Command{
		Use:   "checkpoint [flags] <container-id>",
		Short: "Checkpoint a running container with CRIU",
		Long: `checkpoint saves the container's processes with CRIU (criu(8)) into the
image directory. The container is gone afterwards, as with runc, unless
--leave-running or --pre-dump; restore brings it back.`,
		Example: `  berth-runtime checkpoint --image-path /srv/cp web
  berth-runtime checkpoint --leave-running --image-path /srv/cp web`,
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			return c.Checkpoint(o)
		},
	}
	fs := cmd.Flags()
	criuFlags(fs, &o)
	fs.StringVar(&o.ParentPath, "parent-path", "", "previous CRIU images of a pre-dump, relative to --image-path")
	fs.BoolVar(&o.LeaveRunning, "leave-running", false, "leave the process running after checkpointing")
	fs.BoolVar(&o.TCPSkipInFlight, "tcp-skip-in-flight", false, "skip in-flight TCP connections")
	fs.BoolVar(&o.LinkRemap, "link-remap", false, "allow one to link unlinked files back when possible")
	fs.BoolVar(&o.PreDump, "pre-dump", false, "dump the container's memory only, and leave it running")
	fs.IntVar(&o.StatusFD, "status-fd", -1, "criu writes \\0 to this fd once lazy-pages is ready")
	fs.StringVar(&o.PageServer, "page-server", "", "ADDRESS:PORT of the page server")
	return cmd
}
