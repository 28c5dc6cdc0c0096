package builder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/filesum"
	"github.com/berth-containers/berth/builder/passwd"
	"github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/builder/tarball"
	"github.com/berth-containers/berth/image"
)

// copySpec is a COPY or ADD after substitution.
type copySpec struct {
	instructions.SourcesAndDest
	from, chown, chmod, text string
	add                      *addSpec          // ADD's URLs and archives; nil for COPY
	inline                   *buildctx.Context // the files of COPY <<EOF, in place of the context
	excludes                 []string          // --exclude (copyflags.go)
	parents                  bool              // --parents
}

// entry is one file of a COPY layer: where it comes from and where it goes.
type entry struct {
	src    string // absolute path on the host; empty for a parent directory made
	target string // absolute path in the image
	info   fs.FileInfo
	// archive: src is a tar archive (ADD) whose entries go under target.
	archive bool
}

// copyLayer is what a COPY writes, before it is written.
type copyLayer struct {
	entries  []entry
	uid, gid int
	chown    bool         // --chown given: archives' entries take it too
	clamp    time.Time    // SOURCE_DATE_EPOCH: no later time in the layer
	mode     *fs.FileMode // --chmod
	// sums serves the checksums of files under sumsRoot (the build
	// context, a directory of the host's whose inodes stay put); the
	// others, in other stages' mounts, are read each time.
	sums     *filesum.Cache
	sumsRoot string
	exclude  *excluder // --exclude
}

// copy does a COPY step: the files are planned and hashed, then taken from
// the cache or written as a layer of their own.
func (bd *build) copy(ctx context.Context, st *state, name string, c copySpec) error {
	v := st.begin(name)
	var err error
	if c.add != nil && c.add.git != "" {
		var done func()
		if c, done, err = bd.gitSource(ctx, c); err == nil {
			defer done()
		}
	}
	if err == nil && len(c.SourceContents) > 0 {
		var done func()
		if c, done, err = bd.heredocSources(st, c); err == nil {
			defer done()
		}
	}
	if err == nil {
		err = bd.copySteps(ctx, st, c, v)
	}
	if err != nil {
		v.Fail(err)
	}
	return err
}

func (bd *build) copySteps(ctx context.Context, st *state, c copySpec, v *progress.Vertex) error {
	src, releaseSrc, err := bd.copySource(ctx, c.from)
	if c.inline != nil {
		src, releaseSrc, err = c.inline, func() {}, nil
	}
	if err != nil {
		return err
	}
	defer releaseSrc()
	if c.add != nil {
		done, err := bd.fetchURLs(ctx, &c)
		if err != nil {
			return err
		}
		defer done()
	}
	base, err := bd.stateImage(ctx, st)
	if err != nil {
		return err
	}
	view, release, err := bd.mountImage(ctx, base)
	if err != nil {
		return err
	}
	defer release()
	layer, err := planCopy(src, view, st.cfg.Config.WorkingDir, c)
	if err != nil {
		return err
	}
	if bd.opts.Epoch != nil {
		layer.clamp = bd.opts.Epoch.UTC()
	}
	layer.sums, layer.sumsRoot = bd.sums, bd.opts.Context.Dir
	sum, err := layer.hash()
	if err != nil {
		return err
	}
	st.chain("COPY", c.text, c.from, sum.String())
	createdBy := c.text + " # buildkit"
	if hit, err := bd.fromCache(ctx, st); err != nil || hit {
		if hit {
			v.Cached()
			st.history(createdBy, false)
		}
		return err
	}
	if err := bd.commitLayer(ctx, st, layer, createdBy); err != nil {
		return err
	}
	v.Done()
	return nil
}

// commitLayer writes layer as the state's next one, with its history
// entry, and caches the image under the step's key.
func (bd *build) commitLayer(ctx context.Context, st *state, layer *copyLayer, createdBy string) error {
	desc, err := bd.writeLayer(ctx, layer)
	if err != nil {
		return err
	}
	st.layers = append(st.layers, desc)
	st.cfg.RootFS.Type = "layers"
	st.cfg.RootFS.DiffIDs = append(append([]digest.Digest{}, st.cfg.RootFS.DiffIDs...), desc.Digest)
	st.now = time.Now().UTC()
	st.history(createdBy, false)
	img, err := bd.writeImage(ctx, st, "")
	if err != nil {
		return err
	}
	st.img = img
	return bd.cache.Put(st.key, img.ID)
}

// heredocSources writes the documents of COPY <<EOF (variables expanded
// unless the delimiter was quoted) as 0644 files of a step directory that
// stands in for the context, named as the documents are.
func (bd *build) heredocSources(st *state, c copySpec) (copySpec, func(), error) {
	if len(c.SourcePaths) > 0 || c.from != "" {
		return c, nil, errors.New("COPY with heredocs and other sources (or --from) is not supported by berth build")
	}
	d, err := bd.stepDir()
	if err != nil {
		return c, nil, err
	}
	done := func() {
		if err := d.Remove(); err != nil {
			slog.Warn("remove the build's heredoc files", "dir", d.Path, "err", err)
		}
	}
	for _, sc := range c.SourceContents {
		data := sc.Data
		if sc.Expand {
			if data, err = bd.f.ExpandRaw(data, st.env()); err != nil {
				done()
				return c, nil, err
			}
		}
		name := strings.TrimPrefix(path.Clean("/"+sc.Path), "/")
		err := os.WriteFile(filepath.Join(d.Path, name), []byte(data), 0o644)
		if err == nil {
			err = os.Chmod(filepath.Join(d.Path, name), 0o644) // whatever the umask
		}
		if err != nil {
			done()
			return c, nil, fmt.Errorf("COPY <<%s: %w", sc.Path, err)
		}
		c.SourcePaths = append(c.SourcePaths, name)
	}
	c.inline = buildctx.Plain(d.Path)
	return c, done, nil
}

// copySource is where a COPY reads: the context, or with --from a stage of
// this Dockerfile or an image, mounted read-only.
func (bd *build) copySource(ctx context.Context, from string) (*buildctx.Context, func(), error) {
	if from == "" {
		return bd.opts.Context, func() {}, nil
	}
	img, err := bd.fromImage(ctx, from)
	if err != nil {
		return nil, nil, fmt.Errorf("COPY --from=%s: %w", from, err)
	}
	dir, release, err := bd.mountImage(ctx, img)
	if err != nil {
		return nil, nil, err
	}
	return buildctx.Plain(dir), release, nil
}

// fromImage is the image of --from: a stage of this Dockerfile (built
// first), by name or index, or else an image (pulled when missing). It is
// nil for a stage from scratch with no files.
func (bd *build) fromImage(ctx context.Context, from string) (*image.Image, error) {
	if j := bd.fromStage(from); j >= 0 {
		other, err := bd.stage(ctx, j)
		if err != nil {
			return nil, err
		}
		return bd.stateImage(ctx, other)
	}
	return bd.baseImage(ctx, from)
}

// planCopy lists the layer's files. view is the image being built on, for
// the destination and the --chown names.
func planCopy(src *buildctx.Context, view, workdir string, c copySpec) (*copyLayer, error) {
	l := &copyLayer{}
	var err error
	if l.uid, l.gid, err = passwd.Chown(view, c.chown); err != nil {
		return nil, err
	}
	if c.chmod != "" {
		m, err := strconv.ParseUint(c.chmod, 8, 32)
		if err != nil || m > 0o7777 {
			return nil, fmt.Errorf("invalid --chmod=%s: want an octal mode such as 0755", c.chmod)
		}
		mode := fs.FileMode(m)
		l.mode = &mode
	}
	l.chown = c.chown != ""
	if l.exclude, err = newExcluder(c.excludes); err != nil {
		return nil, err
	}
	var rels, unders, urls []string
	for _, s := range c.SourcePaths {
		if c.add != nil && isURL(s) {
			urls = append(urls, s)
			continue
		}
		pattern, depth := s, 0
		if c.parents {
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
	dest := c.DestPath
	if !path.IsAbs(dest) {
		dest = path.Join("/", workdir, dest)
	}
	destDir := c.parents || strings.HasSuffix(c.DestPath, "/") || strings.HasSuffix(c.DestPath, "/.") || isDir(view, dest)
	if len(rels)+len(urls) > 1 && !destDir {
		return nil, errors.New("when using COPY with more than one source file, the destination must be a directory and end with a /")
	}
	dest = path.Clean(dest)
	for _, u := range urls {
		d := c.add.files[u]
		target := dest
		if destDir {
			target = path.Join(dest, d.Name)
		}
		l.entries = append(l.entries, entry{src: d.Path, target: target, info: d.Info})
	}
	for i, rel := range rels {
		info, err := os.Lstat(filepath.Join(src.Dir, rel))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		if !info.IsDir() && l.exclude.excludes(path.Base(rel)) {
			continue
		}
		switch {
		case c.parents:
			target := path.Join(dest, unders[i])
			if info.IsDir() {
				err = l.addDir(src, rel, target, isDir(view, target))
				break
			}
			l.entries = append(l.entries, entry{src: filepath.Join(src.Dir, rel), target: target, info: info})
		case info.IsDir():
			err = l.addDir(src, rel, dest, isDir(view, dest))
		case c.add != nil && c.add.unpack && info.Mode().IsRegular() && tarball.Is(filepath.Join(src.Dir, rel)):
			// Into dest as a directory, whatever its trailing slash.
			if !isDir(view, dest) {
				l.entries = append(l.entries, entry{target: dest, info: dirInfo{name: path.Base(dest)}})
			}
			l.entries = append(l.entries, entry{src: filepath.Join(src.Dir, rel), target: dest, info: info, archive: true})
		default:
			target := dest
			if destDir {
				target = path.Join(dest, path.Base(rel))
			}
			err = src.Walk(rel, func(p string, fi fs.FileInfo) error {
				l.entries = append(l.entries, entry{src: filepath.Join(src.Dir, p), target: target, info: fi})
				return nil
			})
		}
		if err != nil {
			return nil, err
		}
	}
	l.addParents(view)
	return l, nil
}

// addDir copies a directory's contents into dest (Docker copies what is in
// the directory, not the directory itself). An existing dest keeps its own
// mode and owner.
func (l *copyLayer) addDir(src *buildctx.Context, rel, dest string, exists bool) error {
	return src.Walk(rel, func(p string, fi fs.FileInfo) error {
		sub := strings.TrimPrefix(strings.TrimPrefix(p, rel), "/")
		if rel == "." && p != "." {
			sub = p
		}
		if sub == "" && exists || l.exclude.excludes(sub) {
			return nil
		}
		l.entries = append(l.entries, entry{src: filepath.Join(src.Dir, p), target: path.Join(dest, sub), info: fi})
		return nil
	})
}

// addParents adds the directories on the way to each file that neither the
// image nor the layer has, as Docker makes them: 0755, owned as --chown
// says (both Docker builders chown the directories a COPY creates).
func (l *copyLayer) addParents(view string) {
	have := map[string]bool{"/": true}
	for _, e := range l.entries {
		if e.info.IsDir() {
			have[e.target] = true
		}
	}
	var parents []entry
	for _, e := range l.entries {
		for d := path.Dir(e.target); !have[d]; d = path.Dir(d) {
			have[d] = true
			if !isDir(view, d) {
				parents = append(parents, entry{target: d, info: dirInfo{name: path.Base(d)}})
			}
		}
	}
	// Parents first, shallowest first, so that unpacking makes them before
	// what goes in them.
	for i := len(parents) - 1; i >= 0; i-- {
		l.entries = append([]entry{parents[i]}, l.entries...)
	}
}

func isDir(root, p string) bool {
	if root == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(root, filepath.Clean("/"+p)))
	return err == nil && st.IsDir()
}
