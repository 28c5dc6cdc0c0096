package builder

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/internal/phases"
)

// run does a RUN step: from the cache, or in a container of the stage's
// image that is committed as the next layer and then removed.
func (bd *build) run(ctx context.Context, st *state, name string, cmd *instructions.RunCommand) error {
	network, err := bd.runFlags(cmd)
	if err != nil {
		return err
	}
	mounts := instructions.GetMounts(cmd)
	mountKey, err := bd.mountKey(ctx, st, mounts)
	if err != nil {
		return err
	}
	line, script, err := dockerfile.RunScript(cmd.ShellDependantCmdLine)
	if err != nil {
		return err
	}
	argv := st.argv(line)
	var files map[string]string
	if script != nil {
		// BuildKit's place for a heredoc run as a file.
		p := "/dev/pipes/" + path.Base(path.Clean("/"+script.Name))
		argv, files = []string{p}, map[string]string{p: script.Data}
		mountKey = append(mountKey, "script", script.Data)
	}
	createdBy := "RUN " + strings.Join(argv, " ")
	if len(st.args) > 0 {
		// Docker's classic history: the build args the command saw.
		createdBy = fmt.Sprintf("RUN |%d %s %s", len(st.args), strings.Join(st.args, " "), strings.Join(argv, " "))
	}
	st.chain(append(append([]string{"RUN", network}, append(argv, st.runEnv()...)...), mountKey...)...)
	v := st.begin(name)
	if hit, err := bd.fromCache(ctx, st); err != nil || hit {
		if err == nil {
			v.Cached()
			st.history(createdBy+" # buildkit", false)
		}
		return err
	}
	img, err := bd.runStep(ctx, st, stepSpec{argv: argv, createdBy: createdBy, network: network, mounts: mounts, files: files}, v)
	if err != nil {
		v.Fail(err)
		return err
	}
	if err := bd.advance(st, img); err != nil {
		v.Fail(err)
		return err
	}
	st.history(createdBy+" # buildkit", false)
	v.Done()
	return nil
}

// runStep creates the step's container, runs it with its output on the
// progress, commits it and removes it whatever happened.
// stepSpec is a RUN step's process and what it runs with.
type stepSpec struct {
	argv      []string
	createdBy string
	network   string // default, none, host
	mounts    []*instructions.Mount
	files     map[string]string // executable files to bind read-only, by path: #! heredocs
}

func (bd *build) runStep(ctx context.Context, st *state, s stepSpec, v *progress.Vertex) (_ *image.Image, err error) {
	argv := s.argv
	ph := phases.New("build " + s.createdBy)
	base, err := bd.stateImage(ctx, st)
	if err != nil {
		return nil, err
	}
	if base == nil {
		return nil, errors.New("RUN in a stage FROM scratch with no files yet: there is no shell to run it")
	}
	sm, err := bd.prepareMounts(ctx, st, s.mounts, s.files)
	if err != nil {
		return nil, err
	}
	defer func() {
		if derr := sm.done(); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	ph.Mark("base image, mounts")
	empty := ""
	network := s.network
	if network == "default" {
		network = ""
	}
	c, err := bd.Engine.Create(ctx, options.CreateOptions{
		Image: base.ID.String(), Cmd: argv, Entrypoint: &empty, Env: append(st.runEnv(), sm.env...),
		Workdir: st.cfg.Config.WorkingDir, User: st.cfg.Config.User, Network: network, Pull: "never",
		Mounts: sm.mounts, Tmpfs: sm.tmpfs,
		Labels: []string{StepLabel + "=" + string(st.key), OwnerLabel + "=" + owner()},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("create the container of the step: %w", err)
	}
	defer bd.Engine.Remove(context.WithoutCancel(ctx), c.ID, lifecycle.RemoveOptions{Force: true, Volumes: true})
	ph.Mark("create the container")
	// An interrupted build kills its step, as Docker's daemon does: the run
	// refuses to start after a cancel, and is killed by one after it.
	out := v.Output()
	code, err := bd.Engine.RunAttached(ctx, c, &core.Stdio{Out: out, Err: out, NoSigProxy: true})
	out.Flush()
	ph.Mark("run")
	if cerr := ctx.Err(); cerr != nil {
		return nil, fmt.Errorf("build interrupted: %w", cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("run %q: %w", strings.Join(argv, " "), err)
	}
	if code != 0 {
		return nil, &errStepFailed{argv: argv, code: code}
	}
	cfg := st.cfg.Config.ImageConfig
	id, err := bd.Engine.Commit(ctx, c.ID, "", engine.CommitOptions{Config: &cfg, CreatedBy: s.createdBy, Epoch: bd.opts.Epoch})
	if err != nil {
		return nil, err
	}
	ph.Mark("commit")
	return bd.Images.Get(ctx, id.String())
}

// runFlags checks RUN's flags other than --mount and returns the step's
// network: --network (default, none, host) or the build's.
func (bd *build) runFlags(cmd *instructions.RunCommand) (string, error) {
	network := bd.opts.Network
	for _, f := range cmd.FlagsUsed {
		switch f {
		case "mount":
		case "network":
			switch n := instructions.GetNetwork(cmd); n {
			case instructions.NetworkDefault, "":
			case instructions.NetworkNone, instructions.NetworkHost:
				network = string(n)
			default:
				return "", fmt.Errorf("RUN --network=%s: berth build takes default, none or host", n)
			}
		case "security":
			if s := instructions.GetSecurity(cmd); s != instructions.SecuritySandbox {
				return "", fmt.Errorf("RUN --security=%s is not allowed: berth build runs every step sandboxed", s)
			}
		default:
			return "", fmt.Errorf("RUN --%s is not supported by berth build", f)
		}
	}
	if network == "" {
		network = "default"
	}
	return network, nil
}

// stateImage is the image the state's layers are in: written first when
// a stage from scratch has layers but no image yet. It is nil for a
// scratch stage with no layer.
func (bd *build) stateImage(ctx context.Context, st *state) (*image.Image, error) {
	// Stages that COPY --from the same stage at once write its image once.
	bd.imgMu.Lock()
	defer bd.imgMu.Unlock()
	if st.img != nil && len(st.img.Manifest.Layers) == len(st.layers) {
		return st.img, nil
	}
	if len(st.layers) == 0 {
		return nil, nil
	}
	img, err := bd.writeImage(ctx, st, "")
	if err != nil {
		return nil, err
	}
	st.img = img
	return img, nil
}

// advance takes img, made from the state's image by one layer more, as
// the state's image, and records it in the cache under the step's key.
func (bd *build) advance(st *state, img *image.Image) error {
	if len(img.Manifest.Layers) != len(st.layers)+1 || len(img.Config.RootFS.DiffIDs) == 0 {
		return fmt.Errorf("image %s of the step has %d layers, want %d", img.ID, len(img.Manifest.Layers), len(st.layers)+1)
	}
	diffIDs := img.Config.RootFS.DiffIDs
	st.layers = append(st.layers, img.Manifest.Layers[len(img.Manifest.Layers)-1])
	st.cfg.RootFS.Type = "layers"
	st.cfg.RootFS.DiffIDs = append(append([]digest.Digest{}, st.cfg.RootFS.DiffIDs...), diffIDs[len(diffIDs)-1])
	st.img = img
	if img.Config.Created != nil {
		st.now = *img.Config.Created
	}
	return bd.cache.Put(st.key, img.ID)
}

// fromCache takes the step's layer from the cache when it has one whose
// image is still in the store and sits on the same layers.
func (bd *build) fromCache(ctx context.Context, st *state) (bool, error) {
	if bd.opts.NoCache {
		return false, nil
	}
	id, ok, err := bd.cache.Get(st.key)
	if err != nil || !ok {
		return false, err
	}
	img, err := bd.Images.Get(ctx, id.String())
	if err != nil {
		return false, nil // pruned: build the step again
	}
	if len(img.Manifest.Layers) != len(st.layers)+1 {
		return false, nil
	}
	for i, l := range st.layers {
		if img.Manifest.Layers[i].Digest != l.Digest {
			return false, nil
		}
	}
	return true, bd.advance(st, img)
}
