package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// dockerHubKey is the key Docker uses for Docker Hub in config.json.
const dockerHubKey = "https://index.docker.io/v1/"

// AuthFile is a Docker-compatible config.json. Keys berth does not know
// (credsStore, proxies, ...) are kept as they were when it is saved.
type AuthFile struct {
	Path  string
	raw   map[string]json.RawMessage
	Auths map[string]AuthEntry
}

// AuthEntry is one registry's credentials as Docker stores them.
type AuthEntry struct {
	Auth          string `json:"auth,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
}

// ConfigPath is where credentials live: the --config directory if given,
// else $DOCKER_CONFIG, else ~/.docker, as Docker does.
func ConfigPath(dir string) string {
	if dir == "" {
		dir = os.Getenv("DOCKER_CONFIG")
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "/root"
		}
		dir = filepath.Join(home, ".docker")
	}
	return filepath.Join(dir, "config.json")
}

// LoadAuthFile reads path; a missing file is an empty one.
func LoadAuthFile(path string) (*AuthFile, error) {
	f := &AuthFile{Path: path, raw: map[string]json.RawMessage{}, Auths: map[string]AuthEntry{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &f.raw); err != nil {
		return nil, fmt.Errorf("parse credentials %s: %w (fix or remove the file)", path, err)
	}
	if a, ok := f.raw["auths"]; ok {
		if err := json.Unmarshal(a, &f.Auths); err != nil {
			return nil, fmt.Errorf("parse credentials %s: auths: %w", path, err)
		}
	}
	return f, nil
}

// Save writes the file atomically, readable by its owner only.
func (f *AuthFile) Save() error {
	a, err := json.Marshal(f.Auths)
	if err != nil {
		return fmt.Errorf("encode credentials %s: %w", f.Path, err)
	}
	f.raw["auths"] = a
	data, err := json.MarshalIndent(f.raw, "", "\t")
	if err != nil {
		return fmt.Errorf("encode credentials %s: %w", f.Path, err)
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return fmt.Errorf("save credentials %s: %w", f.Path, err)
	}
	return atomicfile.WriteFile(f.Path, append(data, '\n'), 0o600)
}

// authKey is the config.json key of a registry host.
func authKey(host string) string {
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return dockerHubKey
	}
	return host
}

// Set stores user and password for host.
func (f *AuthFile) Set(host, user, password string) {
	f.Auths[authKey(host)] = AuthEntry{Auth: base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
}

// Remove forgets host; it reports whether there was anything to forget.
func (f *AuthFile) Remove(host string) bool {
	k := authKey(host)
	_, ok := f.Auths[k]
	delete(f.Auths, k)
	// Docker also accepts entries written as URLs.
	for _, alt := range []string{"https://" + host, "http://" + host} {
		if _, found := f.Auths[alt]; found {
			delete(f.Auths, alt)
			ok = true
		}
	}
	return ok
}

// Lookup returns host's credentials, or nil for anonymous access.
func (f *AuthFile) Lookup(host string) (*authn.AuthConfig, error) {
	k := authKey(host)
	e, ok := f.Auths[k]
	if !ok {
		for _, alt := range []string{"https://" + host, "http://" + host} {
			if e, ok = f.Auths[alt]; ok {
				break
			}
		}
	}
	if !ok {
		return nil, nil
	}
	if e.IdentityToken != "" {
		return &authn.AuthConfig{IdentityToken: e.IdentityToken}, nil
	}
	raw, err := base64.StdEncoding.DecodeString(e.Auth)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s in %s: %w (run berth login %s again)", host, f.Path, err, host)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, fmt.Errorf("credentials for %s in %s are not user:password (run berth login %s again)", host, f.Path, host)
	}
	return &authn.AuthConfig{Username: user, Password: pass}, nil
}

// Resolve implements authn.Keychain.
func (f *AuthFile) Resolve(r authn.Resource) (authn.Authenticator, error) {
	cfg, err := f.Lookup(r.RegistryStr())
	if err != nil || cfg == nil {
		return authn.Anonymous, err
	}
	return authn.FromConfig(*cfg), nil
}
