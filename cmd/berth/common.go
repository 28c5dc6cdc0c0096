package main

import (
	"os"

	"golang.org/x/term"

	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
)

func (g *globalOptions) images() (*image.Service, error) {
	return image.New(image.Options{
		Root:     g.root,
		AuthFile: registry.ConfigPath(g.configDir),
		Insecure: g.insecure,
	})
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
