package image

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Normalize turns a user's reference into the canonical name records are
// kept under: docker.io/library/busybox:latest, host:port/repo@sha256:...
func Normalize(s string) (string, error) {
	ref, err := name.ParseReference(s, name.WithDefaultRegistry("docker.io"))
	if err != nil {
		return "", fmt.Errorf("invalid reference %q: %w (use name[:tag] or name@sha256:digest)", s, err)
	}
	repo := ref.Context().Name()
	if ref.Context().RegistryStr() == name.DefaultRegistry {
		repo = "docker.io/" + ref.Context().RepositoryStr()
	}
	if d, ok := ref.(name.Digest); ok {
		return repo + "@" + d.DigestStr(), nil
	}
	return repo + ":" + ref.Identifier(), nil
}

// Familiar shortens a canonical name as Docker displays it: docker.io and
// library/ are dropped.
func Familiar(canonical string) string {
	s := strings.TrimPrefix(canonical, "docker.io/")
	if rest, ok := strings.CutPrefix(s, "library/"); ok && !strings.Contains(strings.SplitN(rest, ":", 2)[0], "/") {
		s = rest
	}
	return s
}

// SplitName splits a canonical or familiar name into repository and tag (or
// digest, for repo@digest names; tag is then "<none>").
func SplitName(n string) (repo, tag string) {
	if i := strings.Index(n, "@"); i >= 0 {
		return n[:i], "<none>"
	}
	if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
		return n[:i], n[i+1:]
	}
	return n, "latest"
}
