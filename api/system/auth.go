package system

import (
	"net/http"

	"github.com/moby/moby/api/types/registry"

	"github.com/berth-containers/berth/api/router"
	bregistry "github.com/berth-containers/berth/image/registry"
)

// authenticate is POST /auth, what `docker login` asks first: the
// credentials (Docker's AuthConfig) checked against the registry. As
// Docker's daemon, the service stores nothing: the client keeps them and
// sends them back as X-Registry-Auth on pull and push.
func (s *systemAPI) authenticate(w http.ResponseWriter, r *http.Request) error {
	var cfg registry.AuthConfig
	if err := router.DecodeBody(r, &cfg); err != nil {
		return err
	}
	cred, err := router.Credentials(cfg)
	if err != nil {
		return err
	}
	if cred.Username == "" || cred.Password == "" {
		return router.BadRequest("a user name and a password are required")
	}
	host := router.RegistryHost(cfg.ServerAddress)
	if host == "docker.io" {
		host = "index.docker.io"
	}
	c := bregistry.NewClient(nil, s.Opts.Insecure)
	if err := c.Login(r.Context(), host, cred.Username, cred.Password); err != nil {
		return router.Unauthorized(err)
	}
	return router.WriteJSON(w, http.StatusOK, registry.AuthResponse{Status: "Login Succeeded"})
}
