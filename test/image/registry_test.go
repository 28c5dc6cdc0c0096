package image_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

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
