// Package builder runs Dockerfile builds on berth's own engine, the way
// Docker's classic builder did: each RUN is an ordinary engine container
// made from the stage's image so far, run with the stage's ENV, USER,
// WORKDIR, SHELL and build args, and committed as the next layer; COPY and
// ADD write a layer of files from the context (or another stage); the other
// instructions change the config only. Each layer step is cached by its
// parent, its instruction and what it copies (cache.go). Output follows
// BuildKit's plain progress.
//
// COPY --exclude and --parents are copyflags.go; ADD of git is addgit.go.
// RUN --mount (secret, cache, bind, tmpfs) is runmount.go and
// cachemount.go; --output is output.go; ADD's URLs and archives are
// add.go.
//
// Stages that do not need each other build at the same time (plan.go);
// on a terminal the progress is BuildKit's updating display.
//
// Not done yet, each refused with a clear error rather than ignored:
// RUN --security=insecure, --ssh with key files (agent sockets only), COPY
// heredocs mixed with other sources, COPY --parents with "**". Also still
// to come: --cache-from/to.
package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/builder/export"
	"github.com/berth-containers/berth/builder/filesum"
	"github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/builder/stageplan"
	"github.com/berth-containers/berth/builder/stepcache"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
)

// StepLabel marks the containers of RUN steps, which a build removes once
// committed.
const StepLabel = "berth.build.step"

// Options are build's flags.
type Options struct {
	Dockerfile []byte // its contents
	File       *dockerfile.File
	Context    *buildctx.Context
	Tags       []string
	BuildArgs  map[string]string // --build-arg, with values resolved
	Target     string
	NoCache    bool
	Pull       bool
	Labels     map[string]string
	Network    string    // default, none, host
	Platform   string    // empty or the host's
	Progress   io.Writer // plain progress; nil: quiet
	// Printer, when set, shows the progress instead of Progress (the
	// terminal display); the caller closes it.
	Printer *progress.Printer
	// Epoch, when set (SOURCE_DATE_EPOCH), is every time the image records.
	Epoch *time.Time
	// Output, when set, also writes the result out (--output); the image
	// stays in the store, as the cache's last step.
	Output *export.Output
	// Secrets are --secret's, by id, for RUN --mount=type=secret.
	Secrets map[string][]byte
	// SSH are --ssh's agent sockets, by id, for RUN --mount=type=ssh.
	SSH map[string]string
	// Parallelism bounds the stages built at once (0: the CPUs, at least 2).
	Parallelism int
}

// Builder builds images with one engine and its image service.
type Builder struct {
	Engine *engine.Engine
	Images *image.Service
	Root   string // the engine's root: the cache index lives under it
}

type build struct {
	*Builder
	opts     Options
	f        *dockerfile.File
	out      *progress.Printer
	cache    *stepcache.Cache
	sums     *filesum.Cache // the context's file checksums, kept across builds
	mu       sync.Mutex     // guards usedArgs and runs
	imgMu    sync.Mutex     // guards a built stage's image (stateImage writes it)
	usedArgs map[string]bool
	runs     map[int]*stageRun // stages planned or built, by index
	slots    chan struct{}     // one held by each stage building (plan.go)
}

// Build runs the Dockerfile and returns the new image's ID.
func (b *Builder) Build(ctx context.Context, o Options) (digest.Digest, error) {
	if err := checkPlatform(o.Platform); err != nil {
		return "", err
	}
	switch o.Network {
	case "", "default", "bridge", "none", "host":
	default:
		return "", fmt.Errorf("invalid --network %q: a build's RUN steps take default, none or host", o.Network)
	}
	out := o.Printer
	if out == nil {
		out = progress.New(o.Progress)
	}
	bd := &build{Builder: b, opts: o, f: o.File, out: out, cache: stepcache.Open(b.Root),
		usedArgs: map[string]bool{}, runs: map[int]*stageRun{}, slots: make(chan struct{}, parallelism(o.Parallelism))}
	if o.Context != nil && !o.Context.Ephemeral {
		bd.sums = filesum.Open(filepath.Join(b.Root, "builder", "filesums", filesum.Name(o.Context.Dir)))
		defer func() {
			// The checksums are right whatever became of the build.
			if err := bd.sums.Save(); err != nil {
				slog.Debug("build: file checksums not kept", "error", err)
			}
		}()
	}
	b.removeStale(ctx)
	target := len(bd.f.Stages) - 1
	if o.Target != "" {
		target = stageplan.Index(bd.f, o.Target, len(bd.f.Stages))
		if target < 0 {
			return "", fmt.Errorf("failed to reach build target %s in Dockerfile", o.Target)
		}
	}
	order, err := bd.plan(target)
	if err != nil {
		return "", err
	}
	if err := bd.buildAll(ctx, order); err != nil {
		return "", err
	}
	st := bd.runs[target].st
	for k := range o.BuildArgs {
		if !bd.usedArgs[k] && !isPlatformArg(k) { // every stage has stopped: no lock
			bd.out.Printf("[Warning] One or more build-args [%s] were not consumed\n", k)
		}
	}
	id, err := bd.export(ctx, st)
	if err != nil || o.Output == nil {
		return id, err
	}
	img, err := b.Images.Get(ctx, id.String())
	if err != nil {
		return "", err
	}
	return id, bd.output(ctx, img, o.Output)
}

// markUsed records that a --build-arg was consumed.
func (bd *build) markUsed(k string) {
	bd.mu.Lock()
	bd.usedArgs[k] = true
	bd.mu.Unlock()
}

// buildStage builds stage i with the vertex numbers r set aside; the
// stages it needs are built first (stage).
func (bd *build) buildStage(ctx context.Context, i int, r *stageRun) (*state, error) {
	s := bd.f.Stages[i]
	st, err := bd.from(ctx, i, s, r)
	if err != nil {
		return nil, err
	}
	cmds, err := bd.onBuild(st, s)
	if err != nil {
		return nil, err
	}
	n, total := 1, stageplan.LayerSteps(cmds)+1
	for _, cmd := range cmds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := bd.step(ctx, st, i, &n, total, cmd); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (bd *build) step(ctx context.Context, st *state, stage int, n *int, total int, cmd instructions.Command) error {
	// The shell does the substitution in RUN, CMD and ENTRYPOINT.
	if err := bd.f.ExpandCommand(cmd, st.env()); err != nil {
		return err
	}
	if ok, err := st.meta(bd.f, cmd); ok || err != nil {
		if _, wd := cmd.(*instructions.WorkdirCommand); wd && err == nil {
			*n++
			err = bd.workdir(ctx, st, bd.vertexName(stage, *n, total, "WORKDIR "+st.cfg.Config.WorkingDir))
		}
		if err != nil {
			return bd.f.At(cmd.Location(), err)
		}
		return nil
	}
	*n++
	name := bd.vertexName(stage, *n, total, fmt.Sprint(cmd))
	var err error
	switch cmd := cmd.(type) {
	case *instructions.RunCommand:
		err = bd.run(ctx, st, name, cmd)
	case *instructions.CopyCommand:
		err = bd.copy(ctx, st, name, copySpec{SourcesAndDest: cmd.SourcesAndDest, from: cmd.From, chown: cmd.Chown, chmod: cmd.Chmod,
			text: cmd.String(), excludes: cmd.ExcludePatterns, parents: cmd.Parents})
	case *instructions.AddCommand:
		err = bd.add(ctx, st, name, cmd)
	default:
		err = fmt.Errorf("%s is not supported by berth build yet", strings.ToUpper(cmd.Name()))
	}
	if err != nil {
		return bd.f.At(cmd.Location(), err)
	}
	return nil
}

// vertexName is BuildKit's "[stage 2/5] RUN make": the stage's name only
// when the Dockerfile has more than one.
func (bd *build) vertexName(stage, n, total int, text string) string {
	prefix := ""
	if len(bd.f.Stages) > 1 {
		name := bd.f.Stages[stage].Name
		if name == "" {
			name = fmt.Sprintf("stage-%d", stage)
		}
		prefix = name + " "
	}
	return fmt.Sprintf("[%s%d/%d] %s", prefix, n, total, text)
}

func checkPlatform(p string) error {
	host := "linux/" + runtime.GOARCH
	if p == "" || p == host || p == "linux" {
		return nil
	}
	return fmt.Errorf("platform %q is not supported: berth builds for the host's platform only (%s)", p, host)
}

func platformArgs() map[string]string {
	p := "linux/" + runtime.GOARCH
	return map[string]string{
		"TARGETPLATFORM": p, "TARGETOS": "linux", "TARGETARCH": runtime.GOARCH, "TARGETVARIANT": "",
		"BUILDPLATFORM": p, "BUILDOS": "linux", "BUILDARCH": runtime.GOARCH, "BUILDVARIANT": "",
	}
}

func isPlatformArg(k string) bool {
	_, ok := platformArgs()[k]
	return ok
}

// errStepFailed is a RUN that exited non-zero, in BuildKit's words.
type errStepFailed struct {
	argv []string
	code int
}

func (e *errStepFailed) Error() string {
	return fmt.Sprintf("process %q did not complete successfully: exit code: %d", strings.Join(e.argv, " "), e.code)
}

// ExitCode is the failed process's exit code.
func (e *errStepFailed) ExitCode() int { return e.code }

// onBuild puts the base image's ONBUILD triggers before the stage's own
// instructions, as Docker runs them right after FROM; the new image does not
// inherit them. A trigger's errors name the stage's FROM line.
func (bd *build) onBuild(st *state, s instructions.Stage) ([]instructions.Command, error) {
	triggers := st.cfg.Config.OnBuild
	if len(triggers) == 0 {
		return s.Commands, nil
	}
	st.cfg.Config.OnBuild = nil
	f, err := dockerfile.Parse([]byte("FROM scratch\n"+strings.Join(triggers, "\n")+"\n"), bd.f.Name)
	if err != nil {
		return nil, bd.f.At(s.Location, fmt.Errorf("ONBUILD trigger of the base image: %w", err))
	}
	for _, c := range f.Stages[0].Commands {
		switch c.(type) {
		case *instructions.OnbuildCommand:
			return nil, bd.f.At(s.Location, errors.New("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"))
		}
	}
	return append(f.Stages[0].Commands, s.Commands...), nil
}

// clock is the time a step records: the epoch when asked for one.
func (bd *build) clock(t time.Time) time.Time {
	if bd.opts.Epoch != nil {
		return bd.opts.Epoch.UTC()
	}
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}
