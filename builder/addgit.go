package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/builder/buildctx"
)

// ADD of a git repository, as BuildKit does it: ADD URL#REF:SUBDIR DEST
// writes the tree of REF (default: the remote's HEAD), or its SUBDIR, into
// DEST, without the .git directory unless --keep-git-dir. The host's git
// clones it (http, https, ssh and git URLs; never file:// or ext::, which
// would read the host's own files), shallow when the remote allows.

// gitRef is a git source split: remote URL, ref and subdirectory.
type gitRef struct{ remote, ref, subdir string }

func parseGitRef(s string) gitRef {
	remote, frag, _ := strings.Cut(s, "#")
	ref, subdir, _ := strings.Cut(frag, ":")
	return gitRef{remote: remote, ref: ref, subdir: subdir}
}

// gitSource clones the spec's git source into a step directory and makes
// it the step's source; done removes the clone.
func (bd *build) gitSource(ctx context.Context, c copySpec) (copySpec, func(), error) {
	if len(c.SourcePaths) != 1 {
		return c, nil, errors.New("ADD of a git repository takes no other source")
	}
	if c.add.checksum != "" {
		return c, nil, errors.New("ADD --checksum of a git repository is not supported by berth build")
	}
	g := parseGitRef(c.SourcePaths[0])
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
	if err := gitClone(ctx, g, dir, c.add.keepGit); err != nil {
		done()
		return c, nil, fmt.Errorf("ADD %s: %w", c.SourcePaths[0], err)
	}
	c.inline = buildctx.Plain(dir)
	src := "."
	if g.subdir != "" {
		src = path.Clean(g.subdir)
	}
	c.SourcePaths = []string{src}
	return c, done, nil
}

func gitClone(ctx context.Context, g gitRef, dir string, keepGit bool) error {
	ref := g.ref
	if ref == "" {
		ref = "HEAD"
	}
	if strings.HasPrefix(ref, "-") || strings.HasPrefix(g.remote, "-") {
		return fmt.Errorf("invalid git reference %q", ref)
	}
	if _, err := git(ctx, "", "init", "-q", dir); err != nil {
		return err
	}
	fetch := []string{"fetch", "-q", "--no-tags", "--depth=1", "--", g.remote, ref}
	if _, err := git(ctx, dir, fetch...); err != nil {
		// A dumb http remote cannot give a shallow clone: fetch it all.
		fetch = append(fetch[:3], fetch[4:]...)
		if _, err := git(ctx, dir, fetch...); err != nil {
			return err
		}
	}
	if _, err := git(ctx, dir, "checkout", "-q", "FETCH_HEAD"); err != nil {
		return err
	}
	if !keepGit {
		return os.RemoveAll(filepath.Join(dir, ".git"))
	}
	return nil
}

// git runs the host's git in dir, with no prompt and no file:// or ext::
// transport; its error is its last line of stderr.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	full := append([]string{"-c", "protocol.file.allow=never", "-c", "protocol.ext.allow=never", "-c", "advice.detachedHead=false"}, args...)
	if dir != "" {
		full = append([]string{"-C", dir}, full...)
	}
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.String(), nil
}
