package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types of Docker's schema 2, which registries still serve.
const (
	DockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerConfig       = "application/vnd.docker.container.image.v1+json"
	DockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// maxManifest bounds what we read into memory for a manifest or index.
const maxManifest = 4 << 20

var accept = strings.Join([]string{ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex, DockerManifest, DockerManifestList}, ", ")

// IsIndex reports whether mt is a multi-platform index media type.
func IsIndex(mt string) bool { return mt == ocispec.MediaTypeImageIndex || mt == DockerManifestList }

// Resolved is a reference resolved to one platform's manifest.
type Resolved struct {
	Repo       *Repo
	RepoDigest digest.Digest // what the reference names: an index or the manifest
	Index      []byte        // the index, when the reference names one
	IndexMedia string
	Manifest   []byte
	Desc       ocispec.Descriptor // of Manifest
}

// Resolve fetches ref's manifest; an index is resolved to platform (nil:
// the host's).
func (c *Client) Resolve(ctx context.Context, ref name.Reference, platform *ocispec.Platform) (*Resolved, error) {
	repo, err := c.Repo(ctx, ref.Context(), false)
	if err != nil {
		return nil, err
	}
	data, desc, err := repo.Manifest(ctx, ref.Identifier())
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ref, err)
	}
	res := &Resolved{Repo: repo, RepoDigest: desc.Digest, Manifest: data, Desc: desc}
	if !IsIndex(desc.MediaType) {
		return res, nil
	}
	res.Index, res.IndexMedia = data, desc.MediaType
	child, err := SelectPlatform(data, platform)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ref, err)
	}
	if res.Manifest, res.Desc, err = repo.Manifest(ctx, child.Digest.String()); err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ref, err)
	}
	return res, nil
}

// Manifest fetches a manifest or index by tag or digest and checks that it
// hashes to the digest asked for (or the one the registry claims).
func (r *Repo) Manifest(ctx context.Context, id string) ([]byte, ocispec.Descriptor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url("manifests", id), nil)
	if err != nil {
		return nil, ocispec.Descriptor{}, err
	}
	req.Header.Set("Accept", accept)
	resp, err := r.do(req, http.StatusOK)
	if err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("fetch manifest %s: %w", id, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("fetch manifest %s: %w", id, err)
	}
	if len(data) > maxManifest {
		return nil, ocispec.Descriptor{}, fmt.Errorf("manifest %s is larger than %d bytes", id, maxManifest)
	}
	got := digest.FromBytes(data)
	want := digest.Digest(resp.Header.Get("Docker-Content-Digest"))
	if strings.Contains(id, ":") {
		want = digest.Digest(id)
	}
	if want != "" && want != got {
		return nil, ocispec.Descriptor{}, fmt.Errorf("manifest %s hashes to %s, expected %s: rejected", id, got, want)
	}
	mt := mediaType(data, resp.Header.Get("Content-Type"))
	return data, ocispec.Descriptor{MediaType: mt, Digest: got, Size: int64(len(data))}, nil
}

// mediaType prefers the document's own mediaType over the HTTP header.
func mediaType(data []byte, header string) string {
	var probe struct {
		MediaType string          `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
	}
	if json.Unmarshal(data, &probe) == nil {
		if probe.MediaType != "" {
			return probe.MediaType
		}
		if probe.Manifests != nil {
			return ocispec.MediaTypeImageIndex
		}
	}
	if header == "" {
		return ocispec.MediaTypeImageManifest
	}
	return strings.TrimSpace(strings.Split(header, ";")[0])
}

// HostPlatform is the platform images are resolved to by default.
func HostPlatform() ocispec.Platform {
	p := ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// ParsePlatform parses "os/arch[/variant]" as --platform takes it.
func ParsePlatform(s string) (*ocispec.Platform, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return nil, fmt.Errorf("invalid platform %q: want os/arch[/variant], for example linux/amd64", s)
	}
	p := &ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// SelectPlatform picks the manifest of platform (nil: the host's) from an
// index. A wanted variant must match; with none wanted, any variant does.
func SelectPlatform(index []byte, platform *ocispec.Platform) (ocispec.Descriptor, error) {
	var idx ocispec.Index
	if err := json.Unmarshal(index, &idx); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("parse index: %w", err)
	}
	want := HostPlatform()
	if platform != nil {
		want = *platform
	}
	var avail []string
	for _, m := range idx.Manifests {
		p := m.Platform
		if p == nil {
			continue
		}
		avail = append(avail, platformString(*p))
		if p.OS == want.OS && p.Architecture == want.Architecture &&
			(want.Variant == "" || p.Variant == want.Variant || (p.Variant == "" && platform == nil)) {
			return m, nil
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("no manifest for platform %s (available: %s; choose one with --platform)", platformString(want), strings.Join(avail, ", "))
}

func platformString(p ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
