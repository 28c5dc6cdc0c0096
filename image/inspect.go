package image

import (
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"context"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Inspect is `image inspect`'s JSON, with Docker's field names.
type Inspect struct {
	ID           string        `json:"Id"`
	RepoTags     []string      `json:"RepoTags"`
	RepoDigests  []string      `json:"RepoDigests"`
	Parent       string        `json:"Parent"`
	Comment      string        `json:"Comment"`
	Created      string        `json:"Created"`
	Author       string        `json:"Author"`
	Config       InspectConfig `json:"Config"`
	Architecture string        `json:"Architecture"`
	Variant      string        `json:"Variant,omitempty"`
	Os           string        `json:"Os"`
	Size         int64         `json:"Size"`
	VirtualSize  int64         `json:"VirtualSize"` // Docker 20.10's: the same as Size
	RootFS       InspectRootFS `json:"RootFS"`
	Metadata     struct {
		LastTagTime string `json:"LastTagTime"`
	} `json:"Metadata"`
}

// InspectConfig is Docker's container config as images carry it.
type InspectConfig struct {
	User         string              `json:"User"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env"`
	Cmd          []string            `json:"Cmd"`
	Volumes      map[string]struct{} `json:"Volumes"`
	WorkingDir   string              `json:"WorkingDir"`
	Entrypoint   []string            `json:"Entrypoint"`
	Labels       map[string]string   `json:"Labels"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	// Healthcheck is the image's HEALTHCHECK, which Docker's config keeps
	// beside the OCI fields (ocispec.Image drops it).
	Healthcheck *HealthConfig `json:"Healthcheck,omitempty"`
}

// HealthConfig is Docker's HEALTHCHECK as an image config holds it.
type HealthConfig = dockerspec.HealthcheckConfig

// InspectRootFS lists the layers' diff IDs.
type InspectRootFS struct {
	Type   string          `json:"Type"`
	Layers []digest.Digest `json:"Layers"`
}

// Inspect describes img as Docker's image inspect does.
func (s *Service) Inspect(ctx context.Context, img *Image) Inspect {
	c := img.Config
	out := Inspect{
		ID:           img.ID.String(),
		RepoTags:     nonNil(img.RepoTags),
		RepoDigests:  nonNil(img.RepoDigests),
		Created:      formatTime(c.Created),
		Author:       c.Author,
		Architecture: c.Architecture,
		Variant:      c.Variant,
		Os:           c.OS,
		Size:         s.Size(ctx, img),
		RootFS:       InspectRootFS{Type: c.RootFS.Type, Layers: c.RootFS.DiffIDs},
		Config: InspectConfig{
			User: c.Config.User, ExposedPorts: c.Config.ExposedPorts, Env: c.Config.Env, Cmd: c.Config.Cmd,
			Volumes: c.Config.Volumes, WorkingDir: c.Config.WorkingDir, Entrypoint: c.Config.Entrypoint,
			Labels: c.Config.Labels, StopSignal: c.Config.StopSignal,
		},
	}
	out.VirtualSize = out.Size
	out.Config.Healthcheck = img.Healthcheck
	if n := len(c.History); n > 0 {
		out.Comment = c.History[n-1].Comment
	}
	var last time.Time
	for _, r := range img.Records {
		if r.Name != "" && r.Updated.After(last) {
			last = r.Updated
		}
	}
	if !last.IsZero() {
		out.Metadata.LastTagTime = last.Format(time.RFC3339Nano)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// HistoryEntry is one line of `history`.
type HistoryEntry struct {
	ID        string // the image ID on the top entry, <missing> below, as Docker
	Created   time.Time
	CreatedBy string
	Size      int64
	Comment   string
	Empty     bool
}

// History lists img's history, newest first, with each layer's size.
func (s *Service) History(ctx context.Context, img *Image) []HistoryEntry {
	sizes := s.LayerSizes(ctx, img)
	hist := img.Config.History
	if len(hist) == 0 { // images without history: one entry per layer
		for range img.Manifest.Layers {
			hist = append(hist, ocispec.History{})
		}
	}
	var out []HistoryEntry
	layer := 0
	for _, h := range hist {
		e := HistoryEntry{ID: "<missing>", CreatedBy: h.CreatedBy, Comment: h.Comment, Empty: h.EmptyLayer}
		if h.Created != nil {
			e.Created = *h.Created
		}
		if !h.EmptyLayer && layer < len(sizes) {
			e.Size = sizes[layer]
			layer++
		}
		out = append([]HistoryEntry{e}, out...)
	}
	if len(out) > 0 {
		out[0].ID = img.ID.String()
	}
	return out
}
