// Package cli is what berth's command groups share: the Context (global
// options, the image service and the engine they open), the errors that
// decide Docker's exit codes, and the output helpers (templates, inspect,
// prompts). The exit-code mapping itself is cmd/berth's.
package cli

import (
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/builder"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
)

// Context is what every command shares: the global options and the
// stores opened from them, once per command.
type Context struct {
	Root      string
	Runroot   string
	LogLevel  string
	ConfigDir string
	Insecure  []string
	svc       *image.Service
}

// Images opens the image service once per command; the root command
// closes it after the command ran.
func (g *Context) Images() (*image.Service, error) {
	if g.svc != nil {
		return g.svc, nil
	}
	svc, err := image.New(image.Options{
		Root:     g.Root,
		AuthFile: registry.ConfigPath(g.ConfigDir),
		Insecure: g.Insecure,
		InUse:    core.NewInUse(g.Root),
	})
	g.svc = svc
	return svc, err
}

// Close closes what the command opened.
func (g *Context) Close() error {
	if g.svc == nil {
		return nil
	}
	return g.svc.Close()
}

// NewProgress shows bars on a terminal, plain lines otherwise.
func NewProgress(quiet bool) *progress.Progress {
	mode := progress.Plain
	switch {
	case quiet:
		mode = progress.Quiet
	case term.IsTerminal(int(os.Stdout.Fd())):
		mode = progress.TTY
	}
	return progress.New(os.Stdout, mode)
}

// Engine opens the container engine over the command's image service.
func (g *Context) Engine() (*engine.Engine, error) {
	svc, err := g.Images()
	if err != nil {
		return nil, err
	}
	return engine.New(engine.Options{Root: g.Root, Runroot: g.Runroot, Images: svc}), nil
}

// Builder opens the Dockerfile builder over the engine and the image store.
func (g *Context) Builder() (*builder.Builder, error) {
	e, err := g.Engine()
	if err != nil {
		return nil, err
	}
	svc, err := g.Images()
	if err != nil {
		return nil, err
	}
	return &builder.Builder{Engine: e, Images: svc, Root: g.Root}, nil
}

// Setup runs before every command: logging, and the roots made or
// repaired root-only before anything is written in them.
func (g *Context) Setup(cmd *cobra.Command) error {
	if err := setupLogging(g.LogLevel); err != nil {
		return err
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "help" || c.Name() == "completion" || c.Name() == cobra.ShellCompRequestCmd {
			return nil // makes nothing on disk
		}
	}
	return core.SecureRoots(g.Root, g.Runroot)
}

func setupLogging(level string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return UsageError{Err: fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
	return nil
}
