package router

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

func TestDecodeAuth(t *testing.T) {
	js := `{"username":"alice","password":"s3cr?t>>","serveraddress":"127.0.0.1:5000"}`
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding} {
		cfg, err := DecodeAuth(enc.EncodeToString([]byte(js)))
		if err != nil || cfg.Username != "alice" || cfg.Password != "s3cr?t>>" || cfg.ServerAddress != "127.0.0.1:5000" {
			t.Errorf("DecodeAuth(%v) = %+v, %v", enc, cfg, err)
		}
	}
	if cfg, err := DecodeAuth(""); err != nil || cfg.Username != "" {
		t.Errorf("empty header: %+v, %v", cfg, err)
	}
	for _, bad := range []string{"%%%", base64.URLEncoding.EncodeToString([]byte("{not json"))} {
		_, err := DecodeAuth(bad)
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
			t.Errorf("DecodeAuth(%q) = %v, want a 400", bad, err)
		}
	}
}

func TestCredentials(t *testing.T) {
	cfg, _ := DecodeAuth(base64.URLEncoding.EncodeToString([]byte(`{"auth":"` + base64.StdEncoding.EncodeToString([]byte("bob:pw:x")) + `"}`)))
	c, err := Credentials(cfg)
	if err != nil || c.Username != "bob" || c.Password != "pw:x" {
		t.Errorf("Credentials(auth) = %+v, %v", c, err)
	}
	k := headerKeychain{server: "https://127.0.0.1:5000/v2/", cfg: c}
	for host, want := range map[string]bool{"127.0.0.1:5000": true, "127.0.0.1:5001": false} {
		reg := fakeResource(host)
		a, err := k.Resolve(reg)
		if err != nil || (a != authn.Anonymous) != want {
			t.Errorf("Resolve(%s) = %v, %v; want credentials %v", host, a, err, want)
		}
	}
	if RegistryHost("https://index.docker.io/v1/") != "docker.io" || RegistryHost("registry-1.docker.io") != "docker.io" {
		t.Error("Docker Hub's names do not compare equal")
	}
}

type fakeResource string

func (r fakeResource) String() string      { return string(r) }
func (r fakeResource) RegistryStr() string { return string(r) }
