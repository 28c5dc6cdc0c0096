package build

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/api/router"
)

func tarOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRefused covers the requests answered 400 before a build starts, and
// that none leaves its unpacked context behind.
func TestRefused(t *testing.T) {
	root := t.TempDir()
	r := router.New(router.Options{Root: root})
	Register(r)
	for _, tc := range []struct{ name, query, body, msg string }{
		{"bad tag", "?t=UPPER:case", "", "invalid reference format"},
		{"bad buildargs", "?buildargs=%5B1%5D", "", "invalid buildargs"},
		{"bad labels", `?labels={"a":1}`, "", "invalid labels"},
		{"no dockerfile", "", tarOf(t, map[string]string{"a.txt": "x"}), "Cannot locate specified Dockerfile: Dockerfile"},
		{"named dockerfile missing", "?dockerfile=build/Dockerfile.dev", tarOf(t, map[string]string{"Dockerfile": "FROM scratch\n"}),
			"Cannot locate specified Dockerfile: build/Dockerfile.dev"},
		{"escaping dockerfile", "?dockerfile=../../etc/passwd", tarOf(t, map[string]string{"Dockerfile": "FROM scratch\n"}),
			"Cannot locate specified Dockerfile"},
		{"parse error", "", tarOf(t, map[string]string{"Dockerfile": "RUN true\n"}), ""},
		{"stdin parse error", "", "NOPE x\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("POST", "/build"+tc.query, strings.NewReader(tc.body)))
			var e struct{ Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if w.Code != 400 || !strings.Contains(e.Message, tc.msg) || e.Message == "" {
				t.Errorf("%d %q, want 400 with %q", w.Code, e.Message, tc.msg)
			}
			left, err := os.ReadDir(filepath.Join(root, "builder"))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if len(left) > 0 {
				t.Errorf("left behind in builder/: %v", left)
			}
		})
	}
}

func TestJSONStream(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   []string
	}{
		{"lines", []string{"Step 1/2 : FROM x\n", " ---> abc\n"}, []string{"Step 1/2 : FROM x\n", " ---> abc\n"}},
		{"split and joined", []string{"a", "b\nc\nd", "e"}, []string{"ab\n", "c\n", "de"}},
		{"nothing", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			js := newJSONStream(&b)
			for _, s := range tc.writes {
				if n, err := js.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			js.flush()
			var got []string
			dec := json.NewDecoder(&b)
			for dec.More() {
				var m map[string]string
				if err := dec.Decode(&m); err != nil {
					t.Fatal(err)
				}
				got = append(got, m["stream"])
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
		})
	}
}
