package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/builder/stageplan"
	"github.com/berth-containers/berth/image"
)

// metaVars are the ARGs before the first FROM, with --build-arg values.
func (bd *build) metaVars() (dockerfile.Vars, error) {
	var vars dockerfile.Vars
	for _, cmd := range bd.f.MetaArgs {
		for _, a := range cmd.Args {
			v, ok := bd.opts.BuildArgs[a.Key]
			if ok {
				bd.markUsed(a.Key)
			} else if a.Value != nil {
				var err error
				if v, err = bd.f.Expand(*a.Value, vars); err != nil {
					return nil, bd.f.At(cmd.Location(), err)
				}
				ok = true
			} else {
				v, ok = platformArgs()[a.Key]
			}
			if ok {
				vars = vars.Set(a.Key, v)
			}
		}
	}
	return vars, nil
}

// from starts stage i from its FROM: scratch, an earlier stage, or an
// image (pulled when missing, or always with --pull).
func (bd *build) from(ctx context.Context, i int, s instructions.Stage, r *stageRun) (*state, error) {
	meta, err := bd.metaVars()
	if err != nil {
		return nil, err
	}
	base, err := bd.f.Expand(s.BaseName, meta)
	if err != nil {
		return nil, bd.f.At(s.Location, err)
	}
	if base == "" {
		return nil, bd.f.At(s.Location, errors.New("base name (FROM) should not be blank"))
	}
	if s.Platform != "" {
		p, err := bd.f.Expand(s.Platform, meta)
		if err == nil {
			err = checkPlatform(p)
		}
		if err != nil {
			return nil, bd.f.At(s.Location, err)
		}
	}
	st := &state{name: s.Name, b: bd, metaArgs: meta, vnext: r.first, vend: r.first + r.count}
	if j := stageplan.Index(bd.f, base, i); j >= 0 {
		parent, err := bd.stage(ctx, j)
		if err != nil {
			return nil, err
		}
		bd.imgMu.Lock() // another stage may be writing parent's image
		st.img, st.layers, st.key = parent.img, append([]ocispec.Descriptor{}, parent.layers...), parent.key
		bd.imgMu.Unlock()
		st.cfg, st.now = cloneConfig(parent.cfg), parent.now
		st.chain("FROM", base)
		return st, nil
	}
	shown := base
	if n, err := image.Normalize(base); err == nil && !strings.EqualFold(base, "scratch") {
		shown = n
	}
	v := st.begin(bd.vertexName(i, 1, stageplan.LayerSteps(s.Commands)+1, "FROM "+shown))
	if strings.EqualFold(base, "scratch") {
		st.cfg.OS, st.cfg.Architecture, st.cfg.RootFS.Type = "linux", runtime.GOARCH, "layers"
		st.key = digest.FromString("scratch")
		v.Done()
		return st, nil
	}
	img, err := bd.baseImage(ctx, base)
	if err != nil {
		v.Fail(err)
		return nil, bd.f.At(s.Location, err)
	}
	if err := bd.useImage(st, img); err != nil {
		v.Fail(err)
		return nil, err
	}
	v.Done()
	return st, nil
}

// useImage makes img the state's image, with its config as Docker stores
// it (HEALTHCHECK, SHELL and ONBUILD included).
func (bd *build) useImage(st *state, img *image.Image) error {
	data, err := bd.Images.Content.ReadBlob(img.Manifest.Config.Digest)
	if err != nil {
		return fmt.Errorf("config of image %s: %w", img.ID, err)
	}
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("config of image %s: %w", img.ID, err)
	}
	st.img, st.cfg, st.key = img, cfg, img.ID
	if cfg.Created != nil {
		st.now = *cfg.Created
	}
	st.layers = append([]ocispec.Descriptor{}, img.Manifest.Layers...)
	return nil
}

func (bd *build) baseImage(ctx context.Context, ref string) (*image.Image, error) {
	if !bd.opts.Pull {
		img, err := bd.Images.Get(ctx, ref)
		if err == nil || !errors.Is(err, image.ErrNotFound) {
			return img, err
		}
	}
	return bd.Images.Pull(ctx, ref, image.PullOptions{})
}

func cloneConfig(c dockerspec.DockerOCIImage) dockerspec.DockerOCIImage {
	data, err := json.Marshal(c)
	if err != nil {
		panic(err) // a config that was just decoded encodes again
	}
	var out dockerspec.DockerOCIImage
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}

// writeImage stores the state as an image (dangling, or named ref) and
// returns it. Docker's config extensions (HEALTHCHECK, SHELL, ONBUILD) are
// in the config blob as Docker writes them.
func (bd *build) writeImage(ctx context.Context, st *state, ref string) (*image.Image, error) {
	cs := bd.Images.Content
	release, err := cs.Use(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	now := bd.clock(st.now)
	cfg := st.cfg
	cfg.Created = &now
	cfgData, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode image config: %w", err)
	}
	cfgDigest, err := cs.IngestBytes(ctx, cfgData)
	if err != nil {
		return nil, err
	}
	m := ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cfgDigest, Size: int64(len(cfgData))},
		Layers:    append([]ocispec.Descriptor{}, st.layers...),
	}
	m.SchemaVersion = 2
	if m.Layers == nil {
		m.Layers = []ocispec.Descriptor{}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	d, err := cs.IngestBytes(ctx, data)
	if err != nil {
		return nil, err
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d, Size: int64(len(data))}
	return bd.Images.AddBuilt(ctx, desc, ref)
}

// export writes the target stage as the build's image, with --label, and
// names it with every -t.
func (bd *build) export(ctx context.Context, st *state) (digest.Digest, error) {
	v := bd.out.Begin("exporting to image")
	if len(bd.opts.Labels) > 0 {
		if st.cfg.Config.Labels == nil {
			st.cfg.Config.Labels = map[string]string{}
		}
		for k, val := range bd.opts.Labels {
			st.cfg.Config.Labels[k] = val
		}
	}
	first := ""
	if len(bd.opts.Tags) > 0 {
		first = bd.opts.Tags[0]
	}
	img, err := bd.writeImage(ctx, st, first)
	if err != nil {
		v.Fail(err)
		return "", err
	}
	v.Log("writing image %s done", img.ID)
	for i, t := range bd.opts.Tags {
		if i > 0 {
			if err := bd.Images.Tag(ctx, img.ID.String(), t); err != nil {
				v.Fail(err)
				return "", err
			}
		}
		name, err := image.Normalize(t)
		if err != nil {
			return "", err
		}
		v.Log("naming to %s done", name)
	}
	v.Done()
	return img.ID, nil
}
