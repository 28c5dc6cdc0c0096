package image

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Normalize turns a user's reference into the canonical name records are
// kept under: docker.io/library/busybox:latest, host:port/repo@sha256:...
func Normalize(s string) (string, error) {
	if err := CheckReference(s); err != nil {
		return "", fmt.Errorf("invalid reference %q: %w (use name[:tag] or name@sha256:digest)", s, err)
	}
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

// The distribution spec's reference grammar (docker/distribution's
// reference package): go-containerregistry's parser only checks which
// characters a repository has, so "a/../../b", "/a" and "a//b" pass it,
// and a pull or push then asks the registry for /v2/a/../../b/... with
// the stored credentials.
var (
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domainRE        = regexp.MustCompile(`^(?:` + domainComponent + `(?:\.` + domainComponent + `)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$`)
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	tagRE           = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE        = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
)

// errReference is Docker's wording for a reference it cannot parse.
var errReference = errors.New("invalid reference format")

// CheckReference checks s against the reference grammar:
// [domain/]path[:tag][@digest], the domain a host name or [IPv6] with an
// optional port, each path component lower-case alphanumerics joined by
// '.', '_', '__' or dashes, the name 255 characters at most.
func CheckReference(s string) error {
	name, dgst, hasDigest := strings.Cut(s, "@")
	if hasDigest && !digestRE.MatchString(dgst) {
		return fmt.Errorf("%w: invalid digest %q", errReference, dgst)
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		if tag := name[i+1:]; !tagRE.MatchString(tag) {
			return fmt.Errorf("%w: invalid tag %q", errReference, tag)
		}
		name = name[:i]
	}
	if len(name) > 255 {
		return fmt.Errorf("%w: repository name must not be more than 255 characters", errReference)
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && isDomain(parts[0]) {
		if !domainRE.MatchString(parts[0]) {
			return fmt.Errorf("%w: invalid registry host %q", errReference, parts[0])
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if pathComponentRE.MatchString(p) {
			continue
		}
		if pathComponentRE.MatchString(strings.ToLower(p)) {
			return fmt.Errorf("%w: repository name must be lowercase", errReference)
		}
		return fmt.Errorf("%w: invalid path component %q", errReference, p)
	}
	return nil
}

// isDomain reports whether the first component of a name is a registry,
// as Docker decides: it has a '.' or a ':', or is localhost.
func isDomain(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost" || strings.HasPrefix(s, "[")
}
