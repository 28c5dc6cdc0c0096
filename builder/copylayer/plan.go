// Package copylayer plans and writes the layer of a COPY or ADD (and of
// WORKDIR's directory): which files go where, with --chown, --chmod,
// --exclude and --parents as BuildKit has them, the cache's checksum of
// the layer, and its tar. It reads the host's files and the image's view
// but knows nothing of the build, the image store or the engine.
package copylayer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/fetch"
	"github.com/berth-containers/berth/builder/filesum"
	"github.com/berth-containers/berth/builder/passwd"
	"github.com/berth-containers/berth/builder/tarball"
)

// Spec is what a COPY or ADD copies, after substitution.
type Spec struct {
	Sources      []string
	Dest         string
	Chown, Chmod string
	Excludes     []string // --exclude (exclude.go)
	Parents      bool     // --parents
	// Downloads are ADD's URL sources, downloaded, by URL; a source that
	// is one of them is taken from its download, not the context.
	Downloads map[string]fetch.File
	// Unpack is ADD's: local tar archives are unpacked into Dest.
	Unpack bool
}

// Entry is one file of a COPY layer: where it comes from and where it goes.
type Entry struct {
	Src    string // absolute path on the host; empty for a parent directory made
	Target string // absolute path in the image
	Info   fs.FileInfo
	// Archive: Src is a tar archive (ADD) whose entries go under Target.
	Archive bool
}

// Layer is what a COPY writes, before it is written.
type Layer struct {
	Entries  []Entry
	UID, GID int
	Chown    bool         // --chown given: archives' entries take it too
	Clamp    time.Time    // SOURCE_DATE_EPOCH: no later time in the layer
	Mode     *fs.FileMode // --chmod
	// Sums serves the checksums of files under SumsRoot (the build
	// context, a directory of the host's whose inodes stay put); the
	// others, in other stages' mounts, are read each time.
	Sums     *filesum.Cache
	SumsRoot string
	exclude  *excluder // --exclude
}

// Plan lists the layer's files. view is the image being built on, for
// the destination and the --chown names.
func Plan(src *buildctx.Context, view, workdir string, c Spec) (*Layer, error) {
	l := &Layer{}
	var err error
	if l.UID, l.GID, err = passwd.Chown(view, c.Chown); err != nil {
		return nil, err
	}
	if c.Chmod != "" {
		m, err := strconv.ParseUint(c.Chmod, 8, 32)
		if err != nil || m > 0o7777 {
			return nil, fmt.Errorf("invalid --chmod=%s: want an octal mode such as 0755", c.Chmod)
		}
		mode := fs.FileMode(m)
		l.Mode = &mode
	}
	l.Chown = c.Chown != ""
	if l.exclude, err = newExcluder(c.Excludes); err != nil {
		return nil, err
	}
	var rels, unders []string
	var downloads []fetch.File
	for _, s := range c.Sources {
		if d, ok := c.Downloads[s]; ok {
			downloads = append(downloads, d)
			continue
		}
		pattern, depth := s, 0
		if c.Parents {
			pattern, depth = splitPivot(s)
		}
		r, err := src.Resolve(pattern)
		if err != nil {
			return nil, err
		}
		for _, rel := range r {
			rels, unders = append(rels, rel), append(unders, underPivot(rel, depth))
		}
	}
	dest := c.Dest
	if !path.IsAbs(dest) {
		dest = path.Join("/", workdir, dest)
	}
	destDir := c.Parents || strings.HasSuffix(c.Dest, "/") || strings.HasSuffix(c.Dest, "/.") || IsDir(view, dest)
	if len(rels)+len(downloads) > 1 && !destDir {
		return nil, errors.New("when using COPY with more than one source file, the destination must be a directory and end with a /")
	}
	dest = path.Clean(dest)
	for _, d := range downloads {
		target := dest
		if destDir {
			target = path.Join(dest, d.Name)
		}
		l.Entries = append(l.Entries, Entry{Src: d.Path, Target: target, Info: d.Info})
	}
	for i, rel := range rels {
		if err := l.addSource(src, view, rel, dest, unders[i], destDir, c); err != nil {
			return nil, err
		}
	}
	l.AddParents(view)
	return l, nil
}

// addSource adds the files of one of the sources' matches, rel; under is
// where it goes below dest with --parents.
func (l *Layer) addSource(src *buildctx.Context, view, rel, dest, under string, destDir bool, c Spec) error {
	info, err := os.Lstat(filepath.Join(src.Dir, rel))
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if !info.IsDir() && l.exclude.excludes(path.Base(rel)) {
		return nil
	}
	switch {
	case c.Parents:
		target := path.Join(dest, under)
		if info.IsDir() {
			return l.addDir(src, rel, target, IsDir(view, target))
		}
		l.Entries = append(l.Entries, Entry{Src: filepath.Join(src.Dir, rel), Target: target, Info: info})
	case info.IsDir():
		return l.addDir(src, rel, dest, IsDir(view, dest))
	case c.Unpack && info.Mode().IsRegular() && tarball.Is(filepath.Join(src.Dir, rel)):
		// Into dest as a directory, whatever its trailing slash.
		if !IsDir(view, dest) {
			l.Entries = append(l.Entries, Entry{Target: dest, Info: DirInfo(path.Base(dest))})
		}
		l.Entries = append(l.Entries, Entry{Src: filepath.Join(src.Dir, rel), Target: dest, Info: info, Archive: true})
	default:
		target := dest
		if destDir {
			target = path.Join(dest, path.Base(rel))
		}
		return src.Walk(rel, func(p string, fi fs.FileInfo) error {
			l.Entries = append(l.Entries, Entry{Src: filepath.Join(src.Dir, p), Target: target, Info: fi})
			return nil
		})
	}
	return nil
}

// addDir copies a directory's contents into dest (Docker copies what is in
// the directory, not the directory itself). An existing dest keeps its own
// mode and owner.
func (l *Layer) addDir(src *buildctx.Context, rel, dest string, exists bool) error {
	return src.Walk(rel, func(p string, fi fs.FileInfo) error {
		sub := strings.TrimPrefix(strings.TrimPrefix(p, rel), "/")
		if rel == "." && p != "." {
			sub = p
		}
		if sub == "" && exists || l.exclude.excludes(sub) {
			return nil
		}
		l.Entries = append(l.Entries, Entry{Src: filepath.Join(src.Dir, p), Target: path.Join(dest, sub), Info: fi})
		return nil
	})
}

// AddParents adds the directories on the way to each file that neither the
// image (view) nor the layer has, as Docker makes them: 0755, owned as
// --chown says (both Docker builders chown the directories a COPY creates).
func (l *Layer) AddParents(view string) {
	have := map[string]bool{"/": true}
	for _, e := range l.Entries {
		if e.Info.IsDir() {
			have[e.Target] = true
		}
	}
	var parents []Entry
	for _, e := range l.Entries {
		for d := path.Dir(e.Target); !have[d]; d = path.Dir(d) {
			have[d] = true
			if !IsDir(view, d) {
				parents = append(parents, Entry{Target: d, Info: DirInfo(path.Base(d))})
			}
		}
	}
	// Parents first, shallowest first, so that unpacking makes them before
	// what goes in them.
	for i := len(parents) - 1; i >= 0; i-- {
		l.Entries = append([]Entry{parents[i]}, l.Entries...)
	}
}

// IsDir reports whether p is a directory in the tree at root (none when
// root is empty: a stage from scratch).
func IsDir(root, p string) bool {
	if root == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(root, filepath.Clean("/"+p)))
	return err == nil && st.IsDir()
}
