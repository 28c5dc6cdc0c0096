package system

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/api"
	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

// gitCommit and buildTime (Unix seconds) are set by the Makefile's
// -ldflags -X when the build has no VCS stamp (GOFLAGS=-buildvcs=false, or
// a source tree without .git).
var gitCommit, buildTime string

// The Docker Engine API versions `berth system service` serves.
const (
	apiVersion    = api.MaxVersion
	minAPIVersion = api.MinVersion
	specVersion   = "1.2.0" // the OCI runtime spec the runtime library implements
)

// buildInfo is what the binary knows of its own build.
type buildInfo struct {
	Version, commit, goVersion string
	built                      time.Time
}

func ReadBuildInfo() buildInfo {
	b := buildInfo{Version: "dev", commit: gitCommit, goVersion: runtime.Version()}
	if sec, err := strconv.ParseInt(buildTime, 10, 64); err == nil {
		b.built = time.Unix(sec, 0).UTC()
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				b.built = t.UTC()
			}
		}
	}
	if len(b.commit) > 7 {
		b.commit = b.commit[:7]
	}
	if b.commit == "" {
		b.commit = "unknown"
	}
	return b
}

// VersionTemplate is `berth --version`, as `docker --version` prints.
func VersionTemplate() string {
	b := ReadBuildInfo()
	return fmt.Sprintf("berth version %s, build %s\n", b.Version, b.commit)
}

// The types of `berth version`: Docker's field names, so templates such as
// {{.Client.APIVersion}} and {{.Server.Version}} work unchanged.
type (
	versionInfo struct {
		Client clientVersion
		Server *serverVersion
	}
	platform      struct{ Name string }
	clientVersion struct {
		Platform          platform
		Version           string
		APIVersion        string `json:"ApiVersion"`
		DefaultAPIVersion string
		GitCommit         string
		GoVersion         string
		Os                string
		Arch              string
		BuildTime         string `json:",omitempty"`
		Context           string
	}
	serverVersion struct {
		Platform      platform
		Components    []versionComponent
		Version       string
		APIVersion    string `json:"ApiVersion"`
		MinAPIVersion string `json:",omitempty"`
		GitCommit     string
		GoVersion     string
		Os            string
		Arch          string
		KernelVersion string `json:",omitempty"`
		Experimental  bool   `json:",omitempty"`
		BuildTime     string `json:",omitempty"`
	}
	versionComponent struct {
		Name    string
		Version string
		Details map[string]string `json:",omitempty"`
	}
)

// kernelRelease is uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

func newVersionInfo() versionInfo {
	b := ReadBuildInfo()
	built, builtRFC := "", ""
	if !b.built.IsZero() {
		built, builtRFC = b.built.Format(time.ANSIC), b.built.Format(time.RFC3339Nano)
	}
	kernel := kernelRelease()
	engine := versionComponent{Name: "Engine", Version: b.Version, Details: map[string]string{
		"ApiVersion": apiVersion, "MinAPIVersion": minAPIVersion, "GitCommit": b.commit,
		"GoVersion": b.goVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH, "KernelVersion": kernel,
		"BuildTime": builtRFC, "Experimental": "false", "DefaultRuntime": "berth",
	}}
	// berth's runtime is a library built into the same binary: its version
	// and commit are the engine's.
	rt := versionComponent{Name: "berth-runtime", Version: b.Version,
		Details: map[string]string{"GitCommit": b.commit, "Spec": specVersion}}
	return versionInfo{
		Client: clientVersion{
			Platform: platform{Name: "berth"}, Version: b.Version, APIVersion: apiVersion,
			DefaultAPIVersion: apiVersion, GitCommit: b.commit, GoVersion: b.goVersion,
			Os: runtime.GOOS, Arch: runtime.GOARCH, BuildTime: built, Context: "default",
		},
		Server: &serverVersion{
			Platform: platform{Name: "berth Engine"}, Components: []versionComponent{engine, rt},
			Version: b.Version, APIVersion: apiVersion, MinAPIVersion: minAPIVersion, GitCommit: b.commit,
			GoVersion: b.goVersion, Os: runtime.GOOS, Arch: runtime.GOARCH, KernelVersion: kernel,
			BuildTime: builtRFC,
		},
	}
}

func NewVersionCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version [OPTIONS]",
		Short: "Show the berth version information",
		Long: `Show the client's and the engine's versions in Docker's layout. berth has no
daemon: both are this binary, and its runtime library is built in. The API
version is the Docker Engine API version berth's output follows; no API
server is running (berth has none yet).`,
		Example: `  berth version
  berth version --format '{{.Server.Version}}'
  berth version --format json`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := newVersionInfo()
			if format != "" {
				return cli.RenderTemplate(cmd.OutOrStdout(), format, nil, []any{v})
			}
			printVersion(cmd.OutOrStdout(), v)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output using a Go template, or json")
	return cmd
}

// printVersion is docker version's text layout.
func printVersion(w io.Writer, v versionInfo) {
	c := v.Client
	fmt.Fprintf(w, "Client:\n")
	row := func(indent, k, val string) { fmt.Fprintf(w, "%s%-*s%s\n", indent, 19-len(indent)+1, k+":", val) }
	row(" ", "Version", c.Version)
	row(" ", "API version", c.APIVersion)
	row(" ", "Go version", c.GoVersion)
	row(" ", "Git commit", c.GitCommit)
	row(" ", "Built", orUnknown(c.BuildTime))
	row(" ", "OS/Arch", c.Os+"/"+c.Arch)
	row(" ", "Context", c.Context)
	s := v.Server
	fmt.Fprintf(w, "\nServer: %s\n", s.Platform.Name)
	for _, comp := range s.Components {
		fmt.Fprintf(w, " %s:\n", comp.Name)
		d := comp.Details
		if comp.Name != "Engine" {
			row("  ", "Version", comp.Version)
			row("  ", "GitCommit", d["GitCommit"])
			row("  ", "Spec", d["Spec"])
			continue
		}
		row("  ", "Version", comp.Version)
		row("  ", "API version", fmt.Sprintf("%s (minimum version %s)", s.APIVersion, s.MinAPIVersion))
		row("  ", "Go version", s.GoVersion)
		row("  ", "Git commit", s.GitCommit)
		row("  ", "Built", orUnknown(c.BuildTime))
		row("  ", "OS/Arch", s.Os+"/"+s.Arch)
		row("  ", "Experimental", "false")
		row("  ", "Kernel version", s.KernelVersion)
		row("  ", "Default runtime", d["DefaultRuntime"]+" (built in)")
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
