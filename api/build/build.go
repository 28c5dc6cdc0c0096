// Package build serves POST /build with berth's Dockerfile builder.
package build

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/builder"
	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/engine"
	bimage "github.com/berth-containers/berth/image"
)

// Register adds this package's routes to r.
func Register(r *router.Router) {
	s := &buildAPI{r}
	s.Handle("POST /build", s.build)
}

// build is POST /build, the classic builder's API (the CLI with
// DOCKER_BUILDKIT=0, as /_ping says Builder-Version 1): the body is the
// context's tar, the answer a JSON stream of {"stream": ...} lines with
// the builder's output, an aux message with the ID, and Docker's
// "Successfully built/tagged" lines that the CLI and compose look for.
// buildAPI serves the build endpoints of the Engine API.
type buildAPI struct{ *router.Router }

func (s *buildAPI) build(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	o := builder.Options{Tags: q["t"], Target: q.Get("target"), NoCache: router.BoolQuery(r, "nocache"), Pull: router.BoolQuery(r, "pull"),
		Network: q.Get("networkmode"), Platform: q.Get("platform"), BuildArgs: map[string]string{}, Labels: map[string]string{}}
	for _, t := range o.Tags {
		if _, err := bimage.Normalize(t); err != nil {
			return router.BadRequest("invalid reference format: %v", err)
		}
	}
	if v := q.Get("buildargs"); v != "" {
		var args map[string]*string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			return router.BadRequest("invalid buildargs %q: %v", v, err)
		}
		for k, p := range args {
			if p != nil { // a name alone, unset in the client's environment
				o.BuildArgs[k] = *p
			}
		}
	}
	if v := q.Get("labels"); v != "" {
		if err := json.Unmarshal([]byte(v), &o.Labels); err != nil {
			return router.BadRequest("invalid labels %q: %v", v, err)
		}
	}
	tmp := filepath.Join(s.Opts.Root, "builder")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	dir, data, err := buildctx.FromStdin(r.Body, tmp)
	if err != nil {
		return router.BadRequest("%v", err)
	}
	defer os.RemoveAll(dir)
	name, path := q.Get("dockerfile"), ""
	if name == "" {
		name = "Dockerfile"
	}
	if data == nil {
		// Resolved inside the context: a symlink in the tar leads nowhere else.
		if path, err = securejoin.SecureJoin(dir, name); err != nil {
			return router.BadRequest("Cannot locate specified Dockerfile: %s", name)
		}
		if data, err = os.ReadFile(path); err != nil {
			return router.BadRequest("Cannot locate specified Dockerfile: %s", name)
		}
	}
	if o.Context, err = buildctx.Open(dir, path); err != nil {
		return router.BadRequest("%v", err)
	}
	o.Context.Ephemeral = true
	if o.File, err = dockerfile.Parse(data, name); err != nil {
		return router.BadRequest("%v", err)
	}
	quiet := router.BoolQuery(r, "q")
	return s.WithEngine(func(e *engine.Engine, svc *bimage.Service) error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js := newJSONStream(router.NewFlushWriter(w))
		if !quiet {
			o.Progress = js
		}
		b := &builder.Builder{Engine: e, Images: svc, Root: s.Opts.Root}
		id, err := b.Build(r.Context(), o)
		js.flush()
		if err != nil {
			js.Message(map[string]any{"errorDetail": map[string]string{"message": err.Error()}, "error": err.Error()})
			return nil
		}
		js.Message(map[string]any{"aux": map[string]string{"ID": id.String()}})
		if quiet {
			js.Message(map[string]string{"stream": id.String() + "\n"})
			return nil
		}
		js.Message(map[string]string{"stream": "Successfully built " + id.Encoded()[:12] + "\n"})
		for _, t := range o.Tags {
			if n, err := bimage.Normalize(t); err == nil {
				js.Message(map[string]string{"stream": "Successfully tagged " + bimage.Familiar(n) + "\n"})
			}
		}
		return nil
	})
}

// jsonStream sends what is written to it as {"stream": ...} messages, a
// line each (the rest at flush), the way dockerd wraps a build's output.
type jsonStream struct {
	*router.JSONProgress
	mu      sync.Mutex
	pending []byte
}

func newJSONStream(w io.Writer) *jsonStream {
	return &jsonStream{JSONProgress: router.NewJSONProgress(w)}
}

func (j *jsonStream) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pending = append(j.pending, p...)
	for {
		i := bytes.IndexByte(j.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		j.Message(map[string]string{"stream": string(j.pending[:i+1])})
		j.pending = j.pending[i+1:]
	}
}

func (j *jsonStream) flush() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.pending) > 0 {
		j.Message(map[string]string{"stream": string(j.pending)})
		j.pending = nil
	}
}
