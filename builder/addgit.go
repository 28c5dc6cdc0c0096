package builder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"

	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/fetch"
)

// gitSource clones the spec's git source (fetch/git.go says how) into a
// step directory and makes it the step's source; done removes the clone.
func (bd *build) gitSource(ctx context.Context, c copySpec) (copySpec, func(), error) {
	if len(c.SourcePaths) != 1 {
		return c, nil, errors.New("ADD of a git repository takes no other source")
	}
	if c.add.checksum != "" {
		return c, nil, errors.New("ADD --checksum of a git repository is not supported by berth build")
	}
	g := fetch.ParseGitRef(c.SourcePaths[0])
	d, err := bd.stepDir()
	if err != nil {
		return c, nil, err
	}
	done := func() {
		if err := d.Remove(); err != nil {
			slog.Warn("remove the build's git clone", "dir", d.Path, "err", err)
		}
	}
	dir := filepath.Join(d.Path, "repo")
	if err := fetch.GitClone(ctx, g, dir, c.add.keepGit); err != nil {
		done()
		return c, nil, fmt.Errorf("ADD %s: %w", c.SourcePaths[0], err)
	}
	c.inline = buildctx.Plain(dir)
	src := "."
	if g.Subdir != "" {
		src = path.Clean(g.Subdir)
	}
	c.SourcePaths = []string{src}
	return c, done, nil
}
