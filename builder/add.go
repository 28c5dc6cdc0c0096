package builder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/fetch"
)

// add does an ADD step: COPY's, plus http(s) URLs downloaded (checked
// against --checksum) and local tar archives unpacked into the
// destination.
func (bd *build) add(ctx context.Context, st *state, name string, cmd *instructions.AddCommand) error {
	var urls []string
	git := ""
	for _, s := range cmd.SourcePaths {
		switch {
		case fetch.IsGit(s):
			git = s
		case fetch.IsURL(s):
			urls = append(urls, s)
		}
	}
	if cmd.Checksum != "" && git == "" {
		if len(urls) != 1 || len(cmd.SourcePaths) != 1 {
			return errors.New("checksum can't be specified for non-HTTP(S) sources")
		}
		if _, err := digest.Parse(cmd.Checksum); err != nil {
			return fmt.Errorf("invalid checksum digest format %q: %w", cmd.Checksum, err)
		}
	}
	return bd.copy(ctx, st, name, copySpec{SourcesAndDest: cmd.SourcesAndDest, chown: cmd.Chown, chmod: cmd.Chmod, text: cmd.String(),
		excludes: cmd.ExcludePatterns, add: &addSpec{unpack: cmd.Unpack == nil || *cmd.Unpack, checksum: digest.Digest(cmd.Checksum), git: git,
			keepGit: cmd.KeepGitDir != nil && *cmd.KeepGitDir}})
}

// addSpec is what ADD does beyond COPY.
type addSpec struct {
	unpack   bool
	checksum digest.Digest
	// files are the URLs' downloads, by URL, made before the layer is
	// planned.
	files map[string]fetch.File
	// git is a git repository source (addgit.go), cloned when the step runs.
	git     string
	keepGit bool // --keep-git-dir
}

// fetchURLs downloads the spec's URLs into a directory of the step, which
// the returned func removes (and the next build, after a SIGKILL).
func (bd *build) fetchURLs(ctx context.Context, c *copySpec) (func(), error) {
	var urls []string
	for _, s := range c.SourcePaths {
		if fetch.IsURL(s) && !fetch.IsGit(s) {
			urls = append(urls, s)
		}
	}
	if len(urls) == 0 {
		return func() {}, nil
	}
	d, err := bd.stepDir()
	if err != nil {
		return nil, err
	}
	dir := d.Path
	cleanup := func() {
		if err := d.Remove(); err != nil {
			slog.Warn("remove the build's downloads", "dir", dir, "err", err)
		}
	}
	c.add.files = map[string]fetch.File{}
	for i, u := range urls {
		d, err := fetch.Get(ctx, u, filepath.Join(dir, fmt.Sprint(i)), c.add.checksum)
		if err != nil {
			cleanup()
			return nil, err
		}
		c.add.files[u] = d
	}
	return cleanup, nil
}
