package builder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/copylayer"
	"github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/builder/stageplan"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/internal/phases"
)

// copySpec is a COPY or ADD after substitution.
type copySpec struct {
	instructions.SourcesAndDest
	from, chown, chmod, text string
	add                      *addSpec          // ADD's URLs and archives; nil for COPY
	inline                   *buildctx.Context // the files of COPY <<EOF, in place of the context
	excludes                 []string          // --exclude (copylayer/exclude.go)
	parents                  bool              // --parents
}

// layerSpec is what copylayer plans from the spec.
func (c copySpec) layerSpec() copylayer.Spec {
	s := copylayer.Spec{Sources: c.SourcePaths, Dest: c.DestPath, Chown: c.chown, Chmod: c.chmod, Excludes: c.excludes, Parents: c.parents}
	if c.add != nil {
		s.Downloads, s.Unpack = c.add.files, c.add.unpack
	}
	return s
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
	ph := phases.New("build " + c.text)
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
	view, release, err := bd.lookImage(ctx, base)
	if err != nil {
		return err
	}
	defer release()
	ph.Mark("base image view")
	layer, err := copylayer.Plan(src, view, st.cfg.Config.WorkingDir, c.layerSpec())
	if err != nil {
		return err
	}
	ph.Mark("plan (walk the sources)")
	if bd.opts.Epoch != nil {
		layer.Clamp = bd.opts.Epoch.UTC()
	}
	layer.Sums, layer.SumsRoot = bd.sums, bd.opts.Context.Dir
	sum, err := layer.Hash()
	if err != nil {
		return err
	}
	ph.Mark("checksum")
	st.chain("COPY", c.text, c.from, sum.String())
	createdBy := c.text + " # buildkit"
	if hit, err := bd.fromCache(ctx, st); err != nil || hit {
		if hit {
			v.Cached()
			st.history(createdBy, false)
		}
		return err
	}
	ph.Mark("cache lookup")
	if err := bd.commitLayer(ctx, st, layer, createdBy, ph); err != nil {
		return err
	}
	v.Done()
	return nil
}

// commitLayer writes layer as the state's next one, with its history
// entry, and caches the image under the step's key.
func (bd *build) commitLayer(ctx context.Context, st *state, layer *copylayer.Layer, createdBy string, ph *phases.Timer) error {
	desc, err := bd.writeLayer(ctx, layer, st.cfg.RootFS.DiffIDs)
	if err != nil {
		return err
	}
	ph.Mark("layer tar into the content store")
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
	ph.Mark("image write")
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
	dir, release, err := bd.lookImage(ctx, img)
	if err != nil {
		return nil, nil, err
	}
	return buildctx.Plain(dir), release, nil
}

// fromImage is the image of --from: a stage of this Dockerfile (built
// first), by name or index, or else an image (pulled when missing). It is
// nil for a stage from scratch with no files.
func (bd *build) fromImage(ctx context.Context, from string) (*image.Image, error) {
	if j := stageplan.From(bd.f, from); j >= 0 {
		other, err := bd.stage(ctx, j)
		if err != nil {
			return nil, err
		}
		return bd.stateImage(ctx, other)
	}
	return bd.baseImage(ctx, from)
}
