package fetch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ADD of a git repository, as BuildKit does it: ADD URL#REF:SUBDIR DEST
// writes the tree of REF (default: the remote's HEAD), or its SUBDIR, into
// DEST, without the .git directory unless --keep-git-dir. The host's git
// clones it (http, https, ssh and git URLs; never file:// or ext::, which
// would read the host's own files), shallow when the remote allows.

// GitRef is a git source split: remote URL, ref and subdirectory.
type GitRef struct{ Remote, Ref, Subdir string }

// ParseGitRef splits ADD's URL#REF:SUBDIR.
func ParseGitRef(s string) GitRef {
	remote, frag, _ := strings.Cut(s, "#")
	ref, subdir, _ := strings.Cut(frag, ":")
	return GitRef{Remote: remote, Ref: ref, Subdir: subdir}
}

// IsURL reports whether an ADD source is an http(s) URL (a git one too).
func IsURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// IsGit reports whether an ADD source is a git repository.
func IsGit(s string) bool {
	return strings.HasPrefix(s, "git@") || strings.HasPrefix(s, "git://") || strings.HasSuffix(strings.SplitN(s, "#", 2)[0], ".git") && strings.Contains(s, "://")
}

// GitClone writes g's tree into the new directory dir, shallow when the
// remote allows, without .git unless keepGit.
func GitClone(ctx context.Context, g GitRef, dir string, keepGit bool) error {
	ref := g.Ref
	if ref == "" {
		ref = "HEAD"
	}
	if strings.HasPrefix(ref, "-") || strings.HasPrefix(g.Remote, "-") {
		return fmt.Errorf("invalid git reference %q", ref)
	}
	if _, err := git(ctx, "", "init", "-q", dir); err != nil {
		return err
	}
	fetch := []string{"fetch", "-q", "--no-tags", "--depth=1", "--", g.Remote, ref}
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
