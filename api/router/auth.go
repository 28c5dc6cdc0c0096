package router

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/moby/api/types/registry"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
)

// DecodeAuth reads Docker's X-Registry-Auth value: an AuthConfig as JSON,
// base64url-encoded (RFC 4648 section 5, as the docker CLI and the SDKs
// send it; padded or not, and the standard alphabet older clients used).
// An empty header is no credentials. A value that does not decode is the
// client's error, worded as Docker's daemon words it.
func DecodeAuth(v string) (registry.AuthConfig, error) {
	var cfg registry.AuthConfig
	v = strings.TrimSpace(v)
	if v == "" {
		return cfg, nil
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if raw, err = enc.DecodeString(v); err == nil {
			break
		}
	}
	if err != nil {
		return cfg, BadRequest("invalid X-Registry-Auth header: %v", err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, BadRequest("invalid X-Registry-Auth header: %v", err)
	}
	return cfg, nil
}

// Credentials turns an AuthConfig into go-containerregistry's, "auth"
// (base64 of user:password) split as docker's config.json holds it.
func Credentials(cfg registry.AuthConfig) (authn.AuthConfig, error) {
	out := authn.AuthConfig{Username: cfg.Username, Password: cfg.Password,
		IdentityToken: cfg.IdentityToken, RegistryToken: cfg.RegistryToken}
	if cfg.Auth != "" && out.Username == "" {
		b, err := base64.StdEncoding.DecodeString(cfg.Auth)
		if err != nil {
			return out, BadRequest("invalid auth in the credentials: %v", err)
		}
		u, p, ok := strings.Cut(string(b), ":")
		if !ok {
			return out, BadRequest("invalid auth in the credentials: not user:password")
		}
		out.Username, out.Password = u, p
	}
	return out, nil
}

// headerKeychain is the credentials of one request's X-Registry-Auth, for
// the registry it names (any, when it names none): they win over the
// service's config.json.
type headerKeychain struct {
	server string
	cfg    authn.AuthConfig
}

func (k headerKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if k.server != "" && RegistryHost(k.server) != RegistryHost(r.RegistryStr()) {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(k.cfg), nil
}

// RegistryHost is a registry's address as the clients' spellings of it
// compare: no scheme, no path, Docker Hub's names as one.
func RegistryHost(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s, _, _ = strings.Cut(s, "/")
	switch s {
	case "", "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return s
}

// WithRegistryAuth runs f with an engine whose registry client uses the
// request's X-Registry-Auth before the service's config.json.
func (s *Router) WithRegistryAuth(r *http.Request, f func(e *engine.Engine, svc *image.Service) error) error {
	cfg, err := DecodeAuth(r.Header.Get(registry.AuthHeader))
	if err != nil {
		return err
	}
	cred, err := Credentials(cfg)
	if err != nil {
		return err
	}
	var kc authn.Keychain
	if cred != (authn.AuthConfig{}) {
		kc = headerKeychain{server: cfg.ServerAddress, cfg: cred}
	}
	e, svc, err := s.openWith(kc)
	if err != nil {
		return err
	}
	defer svc.Close()
	return f(e, svc)
}

// Unauthorized is Docker's 401 for credentials a registry refused.
func Unauthorized(err error) error {
	return &HTTPError{Status: http.StatusUnauthorized, Msg: err.Error(), Err: err}
}
