// Package api serves the Docker Engine API over the berth engine, so that
// the docker CLI, compose and the SDKs drive berth through DOCKER_HOST.
//
// The server is a front end only: each request opens the engine and image
// service as one berth command does and closes them after, so a container
// made here is the one `berth ps` lists, and the CLI and the API can work
// at the same moment (the engine's store serialises them). The one thing
// held in memory is the exec instances between create and start, which
// Docker too keeps only in its daemon's memory.
//
// Versions: paths may carry /v1.24 ... /v<MaxVersion> or no version; the
// version changes no answer berth gives, so it is checked and dropped.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berth-containers/berth/engine"
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

// Options configure a Server.
type Options struct {
	Root, Runroot string   // as berth's --root and --runroot
	ConfigDir     string   // where config.json with registry credentials is
	Insecure      []string // registries reached over plain HTTP
	Version       string   // berth's version, for /version
	GitCommit     string
}

// Server answers the Engine API. Its zero value is not usable: use New.
type Server struct {
	opts  Options
	mux   *http.ServeMux
	execs *execStore
	// active counts requests being served and last is when the last one
	// ended: the idle timeout of `berth system service --time` reads them.
	mu     sync.Mutex
	active int
	last   time.Time
}

// New returns a server over the engine state at opts.Root.
func New(opts Options) *Server {
	s := &Server{opts: opts, mux: http.NewServeMux(), execs: newExecStore(), last: time.Now()}
	s.routeSystem()
	s.routeContainers()
	s.routeExec()
	s.routeImages()
	s.routeNetworks()
	s.routeVolumes()
	s.routeEvents()
	s.routeArchive()
	s.routeMore()
	return s
}

// Idle reports how long no request has been served (0 while one is).
func (s *Server) Idle() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active > 0 {
		return 0
	}
	return time.Since(s.last)
}

// lastRequest is when the last request ended (or the server was made).
func (s *Server) lastRequest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *Server) track(delta int) {
	s.mu.Lock()
	s.active += delta
	s.last = time.Now()
	s.mu.Unlock()
}

var versionPrefix = regexp.MustCompile(`^/v([0-9]+\.[0-9]+)(/.*)$`)

// ServeHTTP checks and strips the version of the path, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.track(1)
	defer s.track(-1)
	if m := versionPrefix.FindStringSubmatch(r.URL.Path); m != nil {
		if err := checkVersion(m[1]); err != nil {
			writeError(w, err)
			return
		}
		r.URL.Path = m[2]
		r.URL.RawPath = ""
	}
	w.Header().Set("Api-Version", MaxVersion)
	w.Header().Set("Server", "berth/"+s.opts.Version+" (linux)")
	w.Header().Set("Ostype", "linux")
	slog.Debug("api request", "method", r.Method, "path", r.URL.Path)
	s.mux.ServeHTTP(w, r)
}

func checkVersion(v string) error {
	if versionLess(MaxVersion, v) {
		return badRequest("client version %s is too new. Maximum supported API version is %s", v, MaxVersion)
	}
	if versionLess(v, MinVersion) {
		return badRequest("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinVersion)
	}
	return nil
}

// versionLess compares "major.minor" versions numerically.
func versionLess(a, b string) bool {
	am, an := splitVersion(a)
	bm, bn := splitVersion(b)
	return am < bm || am == bm && an < bn
}

func splitVersion(v string) (int, int) {
	maj, min, _ := strings.Cut(v, ".")
	x, _ := strconv.Atoi(maj)
	y, _ := strconv.Atoi(min)
	return x, y
}

// handle registers h for pattern ("GET /containers/{id}/json").
func (s *Server) handle(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, err)
		}
	})
}

// open gives one request the engine and image service, as one berth
// command has them; the caller closes the service.
func (s *Server) open() (*engine.Engine, *image.Service, error) {
	svc, err := image.New(image.Options{
		Root:     s.opts.Root,
		AuthFile: registry.ConfigPath(s.opts.ConfigDir),
		Insecure: s.opts.Insecure,
		InUse:    engine.NewInUse(s.opts.Root),
	})
	if err != nil {
		return nil, nil, err
	}
	return engine.New(engine.Options{Root: s.opts.Root, Runroot: s.opts.Runroot, Images: svc}), svc, nil
}

// withEngine runs f with an engine opened for this request.
func (s *Server) withEngine(f func(e *engine.Engine, svc *image.Service) error) error {
	e, svc, err := s.open()
	if err != nil {
		return err
	}
	defer svc.Close()
	return f(e, svc)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decodeBody reads a JSON body into v; an empty body leaves v as it is
// (Docker's clients send none for some POSTs).
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return badRequest("invalid JSON in request body: %v", err)
	}
	return nil
}

// boolQuery reads a Docker boolean query parameter: "1", "true", "True".
func boolQuery(r *http.Request, name string) bool {
	v := strings.ToLower(r.URL.Query().Get(name))
	return v == "1" || v == "true"
}

// intQuery reads an integer query parameter, def when absent.
func intQuery(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("invalid value for %s: %q is not an integer", name, v)
	}
	return n, nil
}

// version is what /version and the Server header say of berth.
func (s *Server) version() string {
	if s.opts.Version == "" {
		return "dev"
	}
	return s.opts.Version
}

func writeJSONTo(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// withContainer runs f with an engine opened for this request and the
// container id names; a missing one is Docker's 404.
func (s *Server) withContainer(id string, f func(e *engine.Engine, c *engine.Container) error) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		c, err := e.Get(id)
		if err != nil {
			return containerErr(id, err)
		}
		return f(e, c)
	})
}
