package fetch

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT")
		fmt.Fprint(w, "body")
	}))
	defer srv.Close()
	good := digest.Digest(fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("body"))))
	for i, c := range []struct {
		path     string
		checksum digest.Digest
		name     string
		err      string
	}{
		{"/dir/f.txt", "", "f.txt", ""},
		{"/dir/f.txt", good, "f.txt", ""},
		{"/", "", "__unnamed__", ""},
		{"/f", "sha256:" + digest.Digest(strings.Repeat("0", 64)), "", "digest mismatch"},
		{"/missing", "", "", "invalid response status 404"},
	} {
		p := filepath.Join(t.TempDir(), fmt.Sprint(i))
		f, err := Get(context.Background(), srv.URL+c.path, p, c.checksum)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.path, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		data, _ := os.ReadFile(f.Path)
		if f.Name != c.name || string(data) != "body" || f.Info.Mode() != 0o600 || f.Info.ModTime().Unix() != 1700000000 || f.Info.Size() != 4 {
			t.Errorf("%s: %+v (%q, mode %o, time %d)", c.path, f, data, f.Info.Mode(), f.Info.ModTime().Unix())
		}
	}
}
