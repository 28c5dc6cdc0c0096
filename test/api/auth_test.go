package api_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestRegistryAuth: against a registry with basic auth, POST /auth checks
// credentials (401 when wrong) and stores none; docker login keeps them
// in the CLI's config, and its push and pull send them as X-Registry-Auth
// (base64url JSON), which the service uses; after docker logout the same
// pull and push are refused.
func TestRegistryAuth(t *testing.T) {
	s := startService(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{User: "alice", Password: "s3cret/+?"})
	ref := reg.Addr + "/auth/busybox:v1"
	s.must(t, "pull", "busybox")
	s.must(t, "tag", "busybox", ref)

	status, _, body := s.call(t, "POST", "/v1.41/auth", `{"username":"alice","password":"wrong","serveraddress":"`+reg.Addr+`"}`)
	if status != http.StatusUnauthorized || !strings.Contains(message(body), "unauthorized") {
		t.Errorf("POST /auth with a wrong password: %d %s, want 401 unauthorized", status, body)
	}
	status, _, body = s.call(t, "POST", "/v1.41/auth", `{"username":"alice","password":"s3cret/+?","serveraddress":"http://`+reg.Addr+`"}`)
	if status != http.StatusOK || !strings.Contains(body, `"Status":"Login Succeeded"`) {
		t.Errorf("POST /auth: %d %s, want 200 Login Succeeded", status, body)
	}
	if status, _, body := s.call(t, "POST", "/v1.41/auth", `{"username":"alice"`); status != http.StatusBadRequest {
		t.Errorf("POST /auth with malformed JSON: %d %s, want 400", status, body)
	}

	// Not logged in: the registry refuses the push.
	if r := s.docker("", "push", ref); r.code == 0 {
		t.Errorf("docker push without credentials succeeded: %s", r.stdout)
	}
	if r := s.docker("s3cret/+?\n", "login", "-u", "alice", "--password-stdin", reg.Addr); r.code != 0 || !strings.Contains(r.stdout, "Login Succeeded") {
		t.Fatalf("docker login: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	wantContains(t, "docker push with credentials", s.must(t, "push", ref), "digest: sha256:")
	s.must(t, "rmi", ref)
	wantContains(t, "docker pull with credentials", s.must(t, "pull", ref), "Digest: sha256:")
	if got := s.must(t, "run", "--rm", "--network", "none", ref, "echo", "authorized"); got != "authorized\n" {
		t.Errorf("run of the pulled image: %q", got)
	}

	// The service kept nothing: once the CLI forgets them, both fail.
	s.must(t, "logout", reg.Addr)
	s.must(t, "rmi", ref)
	if r := s.docker("", "pull", ref); r.code == 0 {
		t.Errorf("docker pull after logout succeeded: %s", r.stdout)
	}
	s.must(t, "tag", "busybox", ref)
	if r := s.docker("", "push", ref); r.code == 0 {
		t.Errorf("docker push after logout succeeded: %s", r.stdout)
	}

	// A header that does not decode is the client's error.
	req, _ := http.NewRequest("POST", "http://berth/v1.41/images/"+ref+"/push", nil)
	req.Header.Set("X-Registry-Auth", "%%%not base64")
	resp, err := s.http().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("push with a malformed X-Registry-Auth: %d, want 400", resp.StatusCode)
	}
	// The header by hand, as the SDKs send it: base64url without padding.
	auth := base64.RawURLEncoding.EncodeToString([]byte(`{"username":"alice","password":"s3cret/+?","serveraddress":"` + reg.Addr + `"}`))
	req, _ = http.NewRequest("POST", "http://berth/v1.41/images/"+ref+"/push", nil)
	req.Header.Set("X-Registry-Auth", auth)
	resp, err = s.http().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := new(strings.Builder)
	if _, err := io.Copy(b, resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || strings.Contains(b.String(), `"error"`) {
		t.Errorf("push with an X-Registry-Auth of its own: %d %s", resp.StatusCode, b)
	}
}
