// Package image keeps images for the berth engine: it pulls and pushes them
// (image/registry), stores their blobs (content) and names (image/store),
// loads and saves archives (image/archive) and unpacks layers into overlay
// snapshots (image/unpack, snapshot/overlay) so images are ready to run.
//
// An image is identified, as in Docker, by the digest of its config (the
// ID); a name (repo:tag or repo@digest) points at one platform manifest.
package image

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image/registry"
	"github.com/berth-containers/berth/image/store"
	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/snapshot/overlay"
)

// InUse tells which images containers use, so rmi and prune leave them. The
// engine's container store implements it; by default nothing is in use.
type InUse interface {
	// ContainersUsing returns the containers that use the image with id
	// (its config digest), none if unused.
	ContainersUsing(ctx context.Context, id digest.Digest) ([]string, error)
}

type noneInUse struct{}

func (noneInUse) ContainersUsing(context.Context, digest.Digest) ([]string, error) { return nil, nil }

// Options configure a Service.
type Options struct {
	Root     string // engine state, for example /var/lib/berth
	AuthFile string // Docker config.json with credentials
	// Keychain, when set, is tried before AuthFile's credentials: the
	// Engine API's X-Registry-Auth of one request.
	Keychain    authn.Keychain
	Insecure    []string             // registries reached over plain HTTP
	InUse       InUse                // nil: no image is in use
	Snapshotter snapshot.Snapshotter // nil: overlay at <Root>/snapshots/overlay
}

// Service is the image half of the engine.
type Service struct {
	root    string
	Content *content.Store
	Records *store.Store
	client  *registry.Client
	auth    *registry.AuthFile
	inUse   InUse

	snMu sync.Mutex
	sn   snapshot.Snapshotter

	configs sync.Map // manifest digest -> its config's digest (configDigest)
}

// New opens the image service rooted at opts.Root.
func New(opts Options) (*Service, error) {
	cs, err := content.New(opts.Root)
	if err != nil {
		return nil, err
	}
	auth, err := registry.LoadAuthFile(opts.AuthFile)
	if err != nil {
		return nil, err
	}
	s := &Service{
		root:    opts.Root,
		Content: cs,
		Records: store.New(filepath.Join(opts.Root, "metadata.db")),
		client:  registry.NewClient(keychain(opts.Keychain, auth), opts.Insecure),
		auth:    auth,
		inUse:   opts.InUse,
		sn:      opts.Snapshotter,
	}
	if s.inUse == nil {
		s.inUse = noneInUse{}
	}
	return s, nil
}

// keychain is kc before the auth file's credentials, or the file's alone.
func keychain(kc authn.Keychain, file *registry.AuthFile) authn.Keychain {
	if kc == nil {
		return file
	}
	return authn.NewMultiKeychain(kc, file)
}

// Snapshotter opens the overlay snapshotter on first use: listing images
// must not need a kernel with overlayfs.
func (s *Service) Snapshotter() (snapshot.Snapshotter, error) {
	s.snMu.Lock()
	defer s.snMu.Unlock()
	if s.sn == nil {
		sn, err := overlay.New(filepath.Join(s.root, "snapshots", "overlay"))
		if err != nil {
			return nil, fmt.Errorf("open snapshots: %w", err)
		}
		s.sn = sn
	}
	return s.sn, nil
}

// Close releases the snapshotter.
func (s *Service) Close() error {
	if s.sn != nil {
		return s.sn.Close()
	}
	return nil
}

// Image is one image as the commands show it.
type Image struct {
	ID          digest.Digest // config digest
	RepoTags    []string      // familiar names: busybox:latest
	RepoDigests []string      // busybox@sha256:...
	Target      ocispec.Descriptor
	Manifest    ocispec.Manifest
	Config      ocispec.Image
	Healthcheck *HealthConfig // Docker's HEALTHCHECK, which ocispec.Image has no field for
	Records     []store.Record
}

// readConfig decodes an image config blob once into img: the OCI fields and
// Docker's Healthcheck beside them.
func (s *Service) readConfig(d digest.Digest, img *Image) error {
	// The outer Config shadows ocispec.Image's (encoding/json takes the
	// shallower field), so it is copied back after the decode.
	var cfg struct {
		ocispec.Image
		Config struct {
			ocispec.ImageConfig
			Healthcheck *HealthConfig `json:"Healthcheck"`
		} `json:"config"`
	}
	if err := s.readJSON(d, &cfg); err != nil {
		return err
	}
	img.Config = cfg.Image
	img.Config.Config = cfg.Config.ImageConfig
	img.Healthcheck = cfg.Config.Healthcheck
	return nil
}

// readJSON decodes a small blob from the content store.
func (s *Service) readJSON(d digest.Digest, v any) error {
	data, err := s.Content.ReadBlob(d)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse blob %s: %w", d, err)
	}
	return nil
}

// load reads an image's manifest and config from the content store.
func (s *Service) load(target ocispec.Descriptor) (*Image, error) {
	img := &Image{Target: target}
	if err := s.readJSON(target.Digest, &img.Manifest); err != nil {
		return nil, fmt.Errorf("image manifest %s: %w (pull the image again)", target.Digest, err)
	}
	if err := s.readConfig(img.Manifest.Config.Digest, img); err != nil {
		return nil, fmt.Errorf("image config %s: %w (pull the image again)", img.Manifest.Config.Digest, err)
	}
	img.ID = img.Manifest.Config.Digest
	s.configs.Store(target.Digest, img.ID)
	return img, nil
}
