package image_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// registry is a docker-registry process on 127.0.0.1 with its own storage.
type registry struct {
	t       *testing.T
	Addr    string // host:port
	Storage string
	config  string
	cmd     *exec.Cmd
	log     *os.File
}

type registryOptions struct {
	user, password string       // basic auth through an htpasswd file when set
	token          *tokenServer // bearer-token auth through this server when set
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startRegistry starts Debian's docker-registry; it is stopped when the
// test ends.
func startRegistry(t *testing.T, o registryOptions) *registry {
	t.Helper()
	if _, err := os.Stat("/usr/bin/docker-registry"); err != nil {
		t.Skip("requires Debian's docker-registry package (/usr/bin/docker-registry)")
	}
	dir := t.TempDir()
	r := &registry{t: t, Addr: freeAddr(t), Storage: filepath.Join(dir, "storage"), config: filepath.Join(dir, "config.yml")}
	auth := ""
	if o.token != nil {
		auth = o.token.config()
	}
	if o.user != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(o.password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(o.user+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n", htpasswd)
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, r.Storage, r.Addr, auth)
	if err := os.WriteFile(r.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *registry) start() {
	r.t.Helper()
	log, err := os.OpenFile(filepath.Join(filepath.Dir(r.config), "registry.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	r.log = log
	r.cmd = exec.Command("/usr/bin/docker-registry", "serve", r.config)
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start docker-registry: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + r.Addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.stop()
	logData, _ := os.ReadFile(log.Name())
	r.t.Fatalf("docker-registry on %s did not start:\n%s", r.Addr, logData)
}

// kill stops the registry at once, as a crash would.
func (r *registry) kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	r.cmd.Wait()
	r.cmd = nil
	r.log.Close()
}

func (r *registry) stop() { r.kill() }

// proxy is a loopback reverse proxy in front of a registry that counts
// blob GETs and can slow responses down.
type proxy struct {
	Addr string
	mu   sync.Mutex
	gets map[string]int // blob digest -> GET count
	rate int64          // bytes per second per response, 0 unlimited
}

func startProxy(t *testing.T, target string, rate int64) *proxy {
	t.Helper()
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{gets: map[string]int{}, rate: rate}
	rp := httputil.NewSingleHostReverseProxy(u)
	if rate > 0 {
		rp.ModifyResponse = func(resp *http.Response) error {
			resp.Body = &slowBody{r: resp.Body, rate: rate}
			return nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/sha256:") {
			p.mu.Lock()
			p.gets[req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]]++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, req)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p
}

func (p *proxy) count(digest string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gets[digest]
}

type slowBody struct {
	r    io.ReadCloser
	rate int64
}

func (s *slowBody) Read(b []byte) (int, error) {
	if len(b) > 64<<10 {
		b = b[:64<<10]
	}
	n, err := s.r.Read(b)
	time.Sleep(time.Duration(int64(n) * int64(time.Second) / s.rate))
	return n, err
}

func (s *slowBody) Close() error { return s.r.Close() }
