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
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berth-containers/berth/api/build"
	"github.com/berth-containers/berth/api/containers"
	"github.com/berth-containers/berth/api/exec"
	"github.com/berth-containers/berth/api/images"
	"github.com/berth-containers/berth/api/networks"
	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/api/system"
	"github.com/berth-containers/berth/api/volumes"
)

// Options configure a Server.
type Options = router.Options

// The API versions berth answers, as Docker's /version reports them.
const (
	MaxVersion = router.MaxVersion
	MinVersion = router.MinVersion
)

// Server answers the Engine API. Its zero value is not usable: use New.
type Server struct {
	rt *router.Router
	// active counts requests being served and last is when the last one
	// ended: the idle timeout of `berth system service --time` reads them.
	mu     sync.Mutex
	active int
	last   time.Time
}

// New returns a server over the engine state at opts.Root.
func New(opts Options) *Server {
	r := router.New(opts)
	s := &Server{rt: r, last: time.Now()}
	system.Register(r)
	containers.Register(r)
	exec.Register(r)
	images.Register(r)
	build.Register(r)
	networks.Register(r)
	volumes.Register(r)
	system.RegisterEvents(r)
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
			router.WriteError(w, err)
			return
		}
		r.URL.Path = m[2]
		r.URL.RawPath = ""
	}
	w.Header().Set("Api-Version", MaxVersion)
	w.Header().Set("Server", "berth/"+s.rt.Opts.Version+" (linux)")
	w.Header().Set("Ostype", "linux")
	slog.Debug("api request", "method", r.Method, "path", r.URL.Path)
	start := time.Now()
	s.rt.ServeHTTP(w, r)
	slog.Debug("api request done", "method", r.Method, "path", r.URL.Path, "took", time.Since(start))
}

func checkVersion(v string) error {
	if versionLess(MaxVersion, v) {
		return router.BadRequest("client version %s is too new. Maximum supported API version is %s", v, MaxVersion)
	}
	if versionLess(v, MinVersion) {
		return router.BadRequest("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinVersion)
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
