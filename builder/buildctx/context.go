// Package buildctx is a build's context: the directory (or tar stream) that
// COPY and ADD read from, with .dockerignore's exclusions applied by
// github.com/moby/patternmatcher, which is Docker's own matcher (`**`, `!`
// exceptions, parent directories). Paths never leave the context: sources
// are resolved inside it and symlinks are copied, not followed.
package buildctx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/berth-containers/berth/builder/stepdir"
)

// Context is a build context on disk.
type Context struct {
	Dir string
	// Ephemeral: unpacked for this build alone (from stdin, or the API's
	// upload), so its files' checksums are not worth keeping.
	Ephemeral bool
	ignore    *patternmatcher.PatternMatcher // nil: nothing excluded
}

// Open makes a context of dir. dockerfile is the Dockerfile's path (empty
// when it came on stdin): Docker reads <dockerfile>.dockerignore beside it
// in preference to the context's .dockerignore.
func Open(dir, dockerfile string) (*Context, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("build context %s: not a directory", dir)
	}
	c := &Context{Dir: abs}
	files := []string{filepath.Join(abs, ".dockerignore")}
	if dockerfile != "" {
		files = append([]string{dockerfile + ".dockerignore"}, files...)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if c.ignore, err = patternmatcher.New(patterns); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		break
	}
	return c, nil
}

// Excluded reports whether .dockerignore leaves rel (slash-separated,
// relative to the context) out of the context.
func (c *Context) Excluded(rel string) bool {
	if c.ignore == nil || rel == "." || rel == "" {
		return false
	}
	ok, err := c.ignore.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// Resolve turns a COPY source into the paths it names, relative to the
// context: a path or a wildcard pattern (path.Match's, as Docker's). A
// source that climbs out of the context, or names nothing, is an error.
func (c *Context) Resolve(src string) ([]string, error) {
	clean := path.Clean("/" + filepath.ToSlash(src))
	if strings.HasPrefix(path.Clean(filepath.ToSlash(src)), "../") || path.Clean(filepath.ToSlash(src)) == ".." {
		return nil, fmt.Errorf("%s: forbidden path outside the build context", src)
	}
	rel := strings.TrimPrefix(clean, "/")
	if rel == "" {
		rel = "."
	}
	if !hasWildcard(rel) {
		if err := c.check(rel); err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		return []string{rel}, nil
	}
	var out []string
	err := c.Walk(".", func(p string, _ fs.FileInfo) error {
		if ok, _ := path.Match(rel, p); ok {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no source files were specified", src)
	}
	return out, nil
}

// check makes sure rel exists in the context, no directory on its way is a
// symlink (which could lead out), and .dockerignore keeps it.
func (c *Context) check(rel string) error {
	if rel == "." {
		return nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := filepath.Join(c.Dir, filepath.Join(parts[:i+1]...))
		st, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("not found in the build context: %w", fs.ErrNotExist)
		}
		if i < len(parts)-1 && st.Mode()&fs.ModeSymlink != 0 {
			return errors.New("a directory on its path is a symlink: COPY does not follow symlinks out of the build context")
		}
	}
	if c.Excluded(rel) {
		return errors.New("not found in the build context: excluded by .dockerignore")
	}
	return nil
}

// Walk calls fn for rel and everything under it that .dockerignore keeps,
// in lexical order, with Lstat's info (symlinks are not followed). Paths
// are relative to the context.
func (c *Context) Walk(rel string, fn func(p string, info fs.FileInfo) error) error {
	info, err := os.Lstat(filepath.Join(c.Dir, rel))
	if err != nil {
		return fmt.Errorf("build context %s: %w", rel, err)
	}
	return c.walk(rel, info, fn)
}

func (c *Context) walk(rel string, info fs.FileInfo, fn func(string, fs.FileInfo) error) error {
	excluded := c.Excluded(rel)
	if !excluded {
		if err := fn(rel, info); err != nil {
			return err
		}
	}
	if !info.IsDir() || (excluded && !c.ignore.Exclusions()) {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(c.Dir, rel))
	if err != nil {
		return fmt.Errorf("build context %s: %w", rel, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, d := range entries {
		child := path.Join(rel, d.Name())
		ci, err := d.Info()
		if err != nil {
			return fmt.Errorf("build context %s: %w", child, err)
		}
		if err := c.walk(child, ci, fn); err != nil {
			return err
		}
	}
	return nil
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, `*?[`) }

// Plain is a context of dir with nothing excluded: another stage's or
// image's files for COPY --from.
func Plain(dir string) *Context { return &Context{Dir: dir} }

// Filters reports whether .dockerignore leaves anything out of the
// context: a bind mount of it then needs a filtered copy.
func (c *Context) Filters() bool { return c.ignore != nil }

// CopyKept copies what .dockerignore keeps under rel to dst: hard links
// where it can (nothing writes through them: the bind is read-only or an
// overlay is on it), else copies.
func (c *Context) CopyKept(rel, dst string) error {
	return c.Walk(rel, func(p string, fi fs.FileInfo) error {
		sub := strings.TrimPrefix(strings.TrimPrefix(p, rel), "/")
		if rel == "." {
			sub = p
		}
		to := filepath.Join(dst, sub)
		from := filepath.Join(c.Dir, p)
		switch {
		case fi.IsDir():
			return os.MkdirAll(to, fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(from)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		case fi.Mode().IsRegular():
			if os.Link(from, to) == nil {
				return nil
			}
			return stepdir.CopyFile(from, to, fi.Mode())
		}
		return nil
	})
}
