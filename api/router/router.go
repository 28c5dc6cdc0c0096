// Package router is what the Engine API's resource packages share: the
// Router they register their handlers on (the options, and the engine
// opened per request), Docker's error statuses, the query and body
// helpers, and the stream framing (multiplexed, hijacked, JSON progress).
package router

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/registry"
)

// The API versions berth answers, as Docker's /version reports them.
const (
	MaxVersion = "1.44"
	MinVersion = "1.24"
)

// maxBody bounds a JSON request body: no valid create or exec request comes
// near it, and a client must not make the service buffer gigabytes.
const maxBody = 4 << 20

// Options configure the API server (api.Options is this type).
type Options struct {
	Root, Runroot string   // as berth's --root and --runroot
	ConfigDir     string   // where config.json with registry credentials is
	Insecure      []string // registries reached over plain HTTP
	Version       string   // berth's version, for /version
	GitCommit     string
}

// Router is what the resource packages register their handlers on and
// serve each request with: the options and the engine opened per request.
type Router struct {
	Opts Options
	mux  *http.ServeMux
}

// New returns a router with no routes yet.
func New(opts Options) *Router { return &Router{Opts: opts, mux: http.NewServeMux()} }

// ServeHTTP routes a request whose path has lost its version prefix. A
// path or method no route takes is Docker's 404 {"message": "page not
// found"} (its router answers a known path with the wrong method so too),
// not the mux's plain-text 404 or 405.
func (s *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		WriteError(w, &HTTPError{Status: http.StatusNotFound, Msg: "page not found"})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Handle registers h for pattern ("GET /containers/{id}/json").
func (s *Router) Handle(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, err)
		}
	})
}

// open gives one request the engine and image service, as one berth
// command has them; the caller closes the service.
func (s *Router) open() (*engine.Engine, *image.Service, error) { return s.openWith(nil) }

// openWith is open with credentials kc tried before config.json's.
func (s *Router) openWith(kc authn.Keychain) (*engine.Engine, *image.Service, error) {
	svc, err := image.New(image.Options{
		Root:     s.Opts.Root,
		AuthFile: registry.ConfigPath(s.Opts.ConfigDir),
		Keychain: kc,
		Insecure: s.Opts.Insecure,
		InUse:    core.NewInUse(s.Opts.Root),
	})
	if err != nil {
		return nil, nil, err
	}
	return engine.New(engine.Options{Root: s.Opts.Root, Runroot: s.Opts.Runroot, Images: svc}), svc, nil
}

// WithEngine runs f with an engine opened for this request.
func (s *Router) WithEngine(f func(e *engine.Engine, svc *image.Service) error) error {
	e, svc, err := s.open()
	if err != nil {
		return err
	}
	defer svc.Close()
	return f(e, svc)
}

func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// DecodeBody reads a JSON body into v; an empty body leaves v as it is
// (Docker's clients send none for some POSTs). At most maxBody bytes are
// read: a longer body is refused (413) without being buffered, and the
// server closes the connection rather than drain the rest.
func DecodeBody(r *http.Request, v any) error {
	lr := &io.LimitedReader{R: r.Body, N: maxBody + 1}
	dec := json.NewDecoder(lr)
	err := dec.Decode(v)
	if lr.N == 0 {
		return &HTTPError{Status: http.StatusRequestEntityTooLarge,
			Msg: fmt.Sprintf("request body too large: a JSON body may have at most %d bytes", maxBody)}
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return BadRequest("invalid JSON in request body: %v", err)
	}
	return nil
}

// BoolQuery reads a Docker boolean query parameter: "1", "true", "True".
func BoolQuery(r *http.Request, name string) bool {
	v := strings.ToLower(r.URL.Query().Get(name))
	return v == "1" || v == "true"
}

// IntQuery reads an integer query parameter, def when absent.
func IntQuery(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, BadRequest("invalid value for %s: %q is not an integer", name, v)
	}
	return n, nil
}

// Version is what /version and the Server header say of berth.
func (s *Router) Version() string {
	if s.Opts.Version == "" {
		return "dev"
	}
	return s.Opts.Version
}

func WriteJSONTo(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// WithContainer runs f with an engine opened for this request and the
// container id names; a missing one is Docker's 404.
func (s *Router) WithContainer(id string, f func(e *engine.Engine, c *record.Container) error) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		c, err := e.Get(id)
		if err != nil {
			return ContainerErr(id, err)
		}
		return f(e, c)
	})
}

// SizeQuery reads a terminal size: ?h=ROWS&w=COLUMNS.
func SizeQuery(r *http.Request) (h, w int, err error) {
	if h, err = IntQuery(r, "h", 0); err != nil {
		return 0, 0, err
	}
	w, err = IntQuery(r, "w", 0)
	return h, w, err
}

// Itoa64 is n in decimal, as the JSON answers spell sizes and prefixes.
func Itoa64(n int64) string { return strconv.FormatInt(n, 10) }
