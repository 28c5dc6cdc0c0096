package system

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
)

// infoContext is what `info --format` templates see: the engine's fields
// at the top, as Docker's, and the client's under ClientInfo.
type infoContext struct {
	*engine.Info
	ClientInfo clientInfo
}

type clientInfo struct {
	Debug   bool
	Version string
	Context string
}

func newInfoCommand(g *cli.Context) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "info [OPTIONS]",
		Short: "Display system-wide information",
		Long: `Show counts of containers and images, the storage and cgroup drivers, the
kernel, the runtimes and the registries, in Docker's layout. It reads records
and a few kernel files only (no layer is walked, no size computed).`,
		Example: `  berth info
  berth info --format '{{.ContainersRunning}} running, {{.Images}} images'
  berth system info --format '{{json .}}'`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			in, err := e.System().Info(cmd.Context(), g.Insecure)
			if err != nil {
				return err
			}
			b := ReadBuildInfo()
			in.ServerVersion = b.Version
			ctx := infoContext{Info: in, ClientInfo: clientInfo{Debug: g.LogLevel == "debug", Version: b.Version, Context: "default"}}
			if format != "" {
				return cli.RenderTemplate(cmd.OutOrStdout(), format, nil, []any{ctx})
			}
			printInfo(cmd.OutOrStdout(), ctx)
			for _, w := range in.Warnings {
				fmt.Fprintln(os.Stderr, w)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output using a Go template, or json")
	return cmd
}

// printInfo is docker info's text layout.
func printInfo(w io.Writer, c infoContext) {
	in := c.Info
	p := func(indent int, k string, v any) { fmt.Fprintf(w, "%s%s: %v\n", strings.Repeat(" ", indent), k, v) }
	fmt.Fprintln(w, "Client:")
	p(1, "Version", c.ClientInfo.Version)
	p(1, "Context", c.ClientInfo.Context)
	p(1, "Debug Mode", c.ClientInfo.Debug)
	fmt.Fprintln(w, "\nServer:")
	p(1, "Containers", in.Containers)
	p(2, "Running", in.ContainersRunning)
	p(2, "Paused", in.ContainersPaused)
	p(2, "Stopped", in.ContainersStopped)
	p(1, "Images", in.Images)
	p(1, "Server Version", in.ServerVersion)
	p(1, "Storage Driver", in.Driver)
	for _, kv := range in.DriverStatus {
		p(2, kv[0], kv[1])
	}
	p(1, "Logging Driver", in.LoggingDriver)
	p(1, "Cgroup Driver", in.CgroupDriver)
	p(1, "Cgroup Version", in.CgroupVersion)
	fmt.Fprintln(w, " Plugins:")
	p(2, "Volume", strings.Join(in.Plugins.Volume, " "))
	p(2, "Network", strings.Join(in.Plugins.Network, " "))
	p(2, "Log", strings.Join(in.Plugins.Log, " "))
	var rts []string
	for name := range in.Runtimes {
		rts = append(rts, name)
	}
	sort.Strings(rts)
	p(1, "Runtimes", strings.Join(rts, " "))
	p(1, "Default Runtime", in.DefaultRuntime)
	if len(in.SecurityOptions) > 0 {
		fmt.Fprintln(w, " Security Options:")
		for _, o := range in.SecurityOptions {
			var kvs []string
			for _, kv := range strings.Split(o, ",") {
				k, v, _ := strings.Cut(kv, "=")
				if k == "name" {
					fmt.Fprintf(w, "  %s\n", v)
					continue
				}
				if k == "" {
					continue // "a,,b": nothing to title-case
				}
				kvs = append(kvs, fmt.Sprintf("   %s: %s", strings.ToUpper(k[:1])+k[1:], v))
			}
			for _, l := range kvs {
				fmt.Fprintln(w, l)
			}
		}
	}
	p(1, "Kernel Version", in.KernelVersion)
	p(1, "Operating System", in.OperatingSystem)
	p(1, "OSType", in.OSType)
	p(1, "Architecture", in.Architecture)
	p(1, "CPUs", in.NCPU)
	p(1, "Total Memory", cli.BytesSize(uint64(in.MemTotal)))
	p(1, "Name", in.Name)
	p(1, "ID", in.ID)
	p(1, "Docker Root Dir", in.DockerRootDir)
	p(1, "Debug Mode", c.ClientInfo.Debug)
	p(1, "Experimental", in.ExperimentalBuild)
	fmt.Fprintln(w, " Insecure Registries:")
	var hosts []string
	for name, ic := range in.RegistryConfig.IndexConfigs {
		if !ic.Secure {
			hosts = append(hosts, name)
		}
	}
	sort.Strings(hosts)
	for _, h := range append(hosts, in.RegistryConfig.InsecureRegistryCIDRs...) {
		fmt.Fprintf(w, "  %s\n", h)
	}
	p(1, "Live Restore Enabled", in.LiveRestoreEnabled)
}
