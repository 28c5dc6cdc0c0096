package router

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestNotFound: an unknown path, or a known one with another method, is
// Docker's JSON 404, not the mux's text.
func TestNotFound(t *testing.T) {
	r := New(Options{})
	r.Handle("GET /containers/{id}/json", func(w http.ResponseWriter, _ *http.Request) error {
		w.WriteHeader(http.StatusOK)
		return nil
	})
	for _, tc := range []struct {
		method, path string
		status       int
	}{{"GET", "/containers/x/json", 200}, {"GET", "/nosuch", 404}, {"DELETE", "/containers/x/json", 404}} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.status)
		}
		if tc.status == 404 && strings.TrimSpace(w.Body.String()) != `{"message":"page not found"}` {
			t.Errorf("%s %s: body %q", tc.method, tc.path, w.Body.String())
		}
	}
}

// TestDecodeBodyLimit: a body past maxBody is refused with 413, having
// read no more than maxBody+1 bytes of it.
func TestDecodeBodyLimit(t *testing.T) {
	body := &countingReader{r: strings.NewReader(`{"Env":["` + strings.Repeat("A", 2*maxBody) + `"]}`)}
	req := httptest.NewRequest("POST", "/containers/create", body)
	var v struct{ Env []string }
	err := DecodeBody(req, &v)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("DecodeBody of %d bytes: %v, want a 413", 2*maxBody, err)
	}
	if body.n > maxBody+1 {
		t.Errorf("read %d bytes, want at most %d", body.n, maxBody+1)
	}
	if err := DecodeBody(httptest.NewRequest("POST", "/x", strings.NewReader(`{"Env":["a"]}`)), &v); err != nil || v.Env[0] != "a" {
		t.Errorf("small body: %v %v", v, err)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
