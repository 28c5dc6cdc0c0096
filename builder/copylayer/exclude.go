package copylayer

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/patternmatcher"
)

// COPY --exclude and --parents, as BuildKit does them.
//
// --exclude=PATTERN (repeatable, ADD too) leaves out what matches, with
// .dockerignore's rules: inside a directory source, paths relative to
// it; a file source (or a wildcard's match) by its base name. The source
// directory itself is always copied, so dest exists even when all of it
// is left out.
//
// --parents keeps each source's path under dest: COPY --parents a/b/c
// /out/ writes /out/a/b/c. A "/./" in the source is the pivot: what is
// before it is dropped (COPY --parents /src/./x/y /out/ writes /out/x/y).
// A directory source is copied as itself, not its contents.

// excluder is --exclude's patterns; nil excludes nothing.
type excluder struct {
	m *patternmatcher.PatternMatcher
}

func newExcluder(patterns []string) (*excluder, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	m, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("--exclude=%s: %w", strings.Join(patterns, ","), err)
	}
	return &excluder{m: m}, nil
}

// excludes says whether rel (slash-separated) is left out.
func (e *excluder) excludes(rel string) bool {
	if e == nil || rel == "" || rel == "." {
		return false
	}
	ok, err := e.m.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// splitPivot takes the pivot out of a --parents source: the pattern to
// resolve, and how many leading components of each match to drop.
func splitPivot(src string) (string, int) {
	parts := strings.Split(src, "/")
	depth := 0
	for i, p := range parts {
		switch {
		case p == "." && i > 0 && i < len(parts)-1:
			return strings.Join(append(append([]string{}, parts[:i]...), parts[i+1:]...), "/"), depth
		case p != "" && p != ".":
			depth++
		}
	}
	return src, 0
}

// underPivot is where a --parents match goes below dest: its path without
// the depth components before the pivot.
func underPivot(rel string, depth int) string {
	parts := strings.Split(path.Clean(rel), "/")
	if depth >= len(parts) {
		return ""
	}
	return path.Join(parts[depth:]...)
}
