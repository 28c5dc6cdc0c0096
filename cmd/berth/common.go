package main

import (
	"os"

	"golang.org/x/term"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
)

// images opens the image service once per command; the root command
// closes it after the command ran.
func (g *globalOptions) images() (*image.Service, error) {
	if g.svc != nil {
		return g.svc, nil
	}
	svc, err := image.New(image.Options{
		Root:     g.root,
		AuthFile: registry.ConfigPath(g.configDir),
		Insecure: g.insecure,
		InUse:    engine.NewInUse(g.root),
	})
	g.svc = svc
	return svc, err
}

func (g *globalOptions) close() error {
	if g.svc == nil {
		return nil
	}
	return g.svc.Close()
}

// newProgress shows bars on a terminal, plain lines otherwise.
func newProgress(quiet bool) *progress.Progress {
	mode := progress.Plain
	switch {
	case quiet:
		mode = progress.Quiet
	case term.IsTerminal(int(os.Stdout.Fd())):
		mode = progress.TTY
	}
	return progress.New(os.Stdout, mode)
}
