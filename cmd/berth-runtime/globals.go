package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/runtime/seccomp"
)

// globalFlags are runc's global options.
type globalFlags struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
	rootless      string
	trace         string
	traceFormat   string
}

var globals globalFlags

// logToStderr is true when the log already goes to stderr, so an error is
// not printed twice.
var logToStderr bool

func (g *globalFlags) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&g.root, "root", "/run/berth-runtime", "directory for the state of containers")
	f.StringVar(&g.log, "log", "", "file to log to (default: stderr)")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&g.debug, "debug", false, "log debug messages")
	f.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "use systemd to manage cgroups (needs a running systemd)")
	f.StringVar(&g.rootless, "rootless", "auto", "ignore cgroup permission errors: true, false or auto")
	f.StringVar(&g.trace, "trace", "", "write each step asked of the kernel to `FILE` (--trace alone: stderr)")
	f.Lookup("trace").NoOptDefVal = "-"
	f.StringVar(&g.traceFormat, "trace-format", "text", "trace format: text or json")
}

// setup opens the log and checks options that every command shares.
func (g *globalFlags) setup() error {
	var w io.Writer = os.Stderr
	logToStderr = g.log == ""
	if g.log != "" {
		f, err := os.OpenFile(g.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("open log file %s: %w", g.log, err)
		}
		w = f
	}
	level := slog.LevelWarn
	if g.debug {
		level = slog.LevelDebug
	}
	var h slog.Handler
	switch g.logFormat {
	case "json":
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: runcAttrs})
	case "text":
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: runcAttrs})
	default:
		return fmt.Errorf("--log-format %q: must be text or json", g.logFormat)
	}
	slog.SetDefault(slog.New(h))
	if err := g.startTrace(); err != nil {
		return err
	}
	if g.systemdCgroup {
		if _, err := os.Stat("/run/systemd/system"); err != nil {
			return fmt.Errorf("--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); use the default cgroupfs driver instead")
		}
		return fmt.Errorf("--systemd-cgroup: the systemd cgroup driver is not supported yet; use the default cgroupfs driver")
	}
	return nil
}

// runcAttrs writes records as runc's logrus does: lower-case levels and an
// RFC 3339 time, which containerd and podman parse.
func runcAttrs(_ []string, a slog.Attr) slog.Attr {
	switch a.Key {
	case slog.LevelKey:
		a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
	case slog.TimeKey:
		a.Value = slog.StringValue(a.Value.Time().Format(time.RFC3339Nano))
	}
	return a
}

// gitCommit is set at build time (the Makefile's -X main.gitCommit).
var gitCommit string

// version is what -v prints after "berth-runtime version ", in runc's
// shape: the version, then commit, spec, go and libseccomp lines, which
// tools read (the runtime-spec line tells which spec configs follow).
func version() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	lines := []string{v}
	if gitCommit != "" {
		lines = append(lines, "commit: "+gitCommit)
	}
	major, minor, micro := seccomp.LibraryVersion()
	lines = append(lines, "spec: "+specs.Version, "go: "+runtime.Version(), fmt.Sprintf("libseccomp: %d.%d.%d", major, minor, micro))
	return strings.Join(lines, "\n")
}

// startTrace opens --trace (a bare --trace is "-": stderr).
func (g *globalFlags) startTrace() error {
	if g.trace == "" {
		return ktrace.CheckFormat(g.traceFormat)
	}
	return ktrace.Open(g.trace, g.traceFormat, "runtime")
}
