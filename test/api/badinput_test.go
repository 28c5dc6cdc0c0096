package api_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// message is the {"message"} of an error body.
func message(body string) string {
	var e struct{ Message string }
	json.Unmarshal([]byte(body), &e)
	return e.Message
}

// fdCount is how many fds the service holds open.
func (s *service) fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// settledFds waits until the service holds at most want fds (a stream's
// handler ends a moment after its client went) and returns the count.
func (s *service) settledFds(t *testing.T, want int) int {
	t.Helper()
	n := s.fdCount(t)
	waitFor(func() bool { n = s.fdCount(t); return n <= want })
	return n
}

// nothingCreated checks that bad requests left no container, network or
// volume behind.
func (s *service) nothingCreated(t *testing.T) {
	t.Helper()
	if out := strings.TrimSpace(s.berth("ps", "-aq")); out != "" {
		t.Errorf("containers after the bad requests: %s", out)
	}
	if out := strings.TrimSpace(s.berth("volume", "ls", "-q")); out != "" {
		t.Errorf("volumes after the bad requests: %s", out)
	}
	if out := s.berth("network", "ls", "--format", "{{.Name}}"); strings.Contains(out, "bad") {
		t.Errorf("networks after the bad requests: %s", out)
	}
}

// TestBadInput: malformed JSON, wrong types, unknown endpoints and
// unsupported versions get Docker's status and message, create nothing,
// and the service keeps serving.
func TestBadInput(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	const badJSON = "invalid JSON in request body: "
	for _, tc := range []struct {
		method, path, body string
		status             int
		prefix             string // of the message
	}{
		{"POST", "/v1.41/containers/create", `{"Image":"busybox",`, 400, badJSON + "unexpected EOF"},
		{"POST", "/v1.41/containers/create", `[1,2]`, 400, badJSON + "json: cannot unmarshal array"},
		{"POST", "/v1.41/containers/create", `{"Image":5}`, 400, badJSON + "json: cannot unmarshal number"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","Cmd":"true","Env":{"A":1}}`, 400, badJSON + "json: cannot unmarshal"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","HostConfig":"none"}`, 400, badJSON + "json: cannot unmarshal string"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","HostConfig":{"Memory":"lots"}}`, 400, "invalid HostConfig: json: cannot unmarshal string"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","ExposedPorts":[80]}`, 400, badJSON},
		{"POST", "/v1.41/networks/create", `{"Name":"bad","Internal":"yes"}`, 400, badJSON + "json: cannot unmarshal string"},
		{"POST", "/v1.41/networks/create", `{"Name":`, 400, badJSON},
		{"POST", "/v1.41/volumes/create", `{"Name":["bad"]}`, 400, badJSON + "json: cannot unmarshal array"},
		{"POST", "/v1.41/containers/nosuch/exec", `{"Cmd":"ls"`, 400, badJSON},
		{"POST", "/v1.41/containers/create?name=bad", `{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none","RestartPolicy":{"Name":"sometimes"}}}`, 400, ""},
		{"POST", "/v1.41/containers/json/stop?t=soon", "", 400, `invalid value for t: "soon" is not an integer`},
		{"GET", "/v1.41/containers/json?filters=notjson", "", 400, "invalid filters"},
		{"GET", "/v1.41/containers/json?limit=many", "", 400, "invalid value for limit"},
		{"GET", "/v1.41/nosuch", "", 404, "page not found"},
		{"GET", "/nosuch/endpoint", "", 404, "page not found"},
		{"POST", "/v1.41/containers/json/frobnicate", "", 404, "page not found"},
		{"PATCH", "/v1.41/containers/json", "", 404, "page not found"},
		{"DELETE", "/v1.41/_ping", "", 404, "page not found"},
		{"GET", "/v1.12/version", "", 400, "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"},
		{"GET", "/v1.12/containers/json", "", 400, "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"},
		{"GET", "/v9.99/containers/json", "", 400, "client version 9.99 is too new. Maximum supported API version is 1.44"},
	} {
		status, hdr, body := s.call(t, tc.method, tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s %s %s: status %d, want %d (%s)", tc.method, tc.path, tc.body, status, tc.status, body)
			continue
		}
		if ct := hdr.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q, want application/json", tc.method, tc.path, ct)
		}
		if m := message(body); !strings.HasPrefix(m, tc.prefix) || m == "" {
			t.Errorf("%s %s %s: message %q, want it to start with %q", tc.method, tc.path, tc.body, m, tc.prefix)
		}
	}
	s.nothingCreated(t)
	if status, _, body := s.call(t, "GET", "/_ping", ""); status != 200 || body != "OK" {
		t.Errorf("ping after the bad requests: %d %q", status, body)
	}
}

// TestHugeBody: a create body far past the limit is refused (413) after
// reading at most the limit, the service does not buffer it (its RSS
// stays small), creates nothing and keeps serving.
func TestHugeBody(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	const size = 256 << 20
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"Image":"busybox","Env":["A=`))
		chunk := bytes.Repeat([]byte("A"), 1<<20)
		for i := 0; i < size/len(chunk); i++ {
			if _, err := pw.Write(chunk); err != nil {
				return // the service hung up, as it should
			}
		}
		pw.Write([]byte(`"]}`))
		pw.Close()
	}()
	req, err := http.NewRequest("POST", "http://berth/v1.41/containers/create?name=huge", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http().Do(req)
	pr.CloseWithError(io.ErrClosedPipe)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("create with a %d MiB body: status %d (%s), want 413", size>>20, resp.StatusCode, body)
		} else if m := message(string(body)); !strings.HasPrefix(m, "request body too large") {
			t.Errorf("create with a huge body: message %q", m)
		}
	} else {
		// The service may close while the client still writes: the
		// client sees the reset rather than the answer.
		t.Logf("create with a %d MiB body: %v (the service hung up)", size>>20, err)
	}
	if kb := rss(t, s.cmd.Process.Pid); kb > 64<<10 {
		t.Errorf("service RSS after a %d MiB body: %d KiB, want it not buffered", size>>20, kb)
	}
	s.nothingCreated(t)
	if status, _, _ := s.call(t, "GET", "/_ping", ""); status != 200 {
		t.Errorf("ping after the huge body: %d", status)
	}
}

// tarOf makes a tar of entries: name -> content, or "->target" for a
// symlink.
func tarOf(t *testing.T, entries [][2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e[0], Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e[1])), ModTime: time.Now()}
		if target, ok := strings.CutPrefix(e[1], "->"); ok {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, target, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e[1]))
		}
	}
	tw.Close()
	return b.Bytes()
}

// TestArchiveEscape: archive GET and PUT paths with .. or through
// symlinks that point out of the container, and tar entries that climb or
// write through a symlink, are resolved inside the container's root: the
// host's files are neither read nor written.
func TestArchiveEscape(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	host := filepath.Join(s.dir, "host")
	if err := os.MkdirAll(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "secret"), []byte("host secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Symlinks inside the container: to the host dir's path (absolute),
	// and up out of the root (relative).
	up := strings.Repeat("../", 12)
	s.must(t, "create", "--name", "esc", "--network", "none", "busybox", "true")
	put := func(path string, body []byte) (int, string) {
		req, _ := http.NewRequest("PUT", "http://berth/v1.41/containers/esc/archive?path="+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-tar")
		resp, err := s.http().Do(req)
		if err != nil {
			t.Fatalf("PUT archive %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := put("/", tarOf(t, [][2]string{{"abs", "->" + host}, {"rel", "->" + up + strings.TrimPrefix(host, "/")}})); st != 200 {
		t.Fatalf("PUT the symlinks: %d %s", st, body)
	}
	for _, p := range []string{"/abs/secret", "/rel/secret", up + strings.TrimPrefix(host, "/") + "/secret", "/../../../.." + host + "/secret"} {
		status, _, body := s.call(t, "GET", "/v1.41/containers/esc/archive?path="+p, "")
		if strings.Contains(body, "host secret") {
			t.Errorf("GET archive %s read the host's file", p)
		}
		if status == 200 {
			t.Errorf("GET archive %s: 200, want 404 (no such file inside the container)", p)
		}
	}
	// Writes: to a path through each symlink, and tar entries that climb
	// or go through a symlink the same tar made.
	put("/abs", tarOf(t, [][2]string{{"pwned1", "x"}}))
	put("/rel", tarOf(t, [][2]string{{"pwned2", "x"}}))
	put("/"+up+strings.TrimPrefix(host, "/"), tarOf(t, [][2]string{{"pwned3", "x"}}))
	put("/tmp", tarOf(t, [][2]string{{up + strings.TrimPrefix(host, "/") + "/pwned4", "x"}}))
	put("/tmp", tarOf(t, [][2]string{{"l", "->" + host}, {"l/pwned5", "x"}}))
	ents, err := os.ReadDir(host)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("the host dir holds %v after the PUTs, want only secret", names)
	}
	// What was written landed inside the container, where docker cp finds it.
	status, _, _ := s.call(t, "HEAD", "/v1.41/containers/esc/archive?path="+host+"/pwned1", "")
	if status != 200 {
		t.Logf("HEAD archive %s/pwned1: %d (the write through /abs was refused rather than resolved inside)", host, status)
	}
	if status, _, _ := s.call(t, "GET", "/_ping", ""); status != 200 {
		t.Errorf("ping after the archive requests: %d", status)
	}
}
