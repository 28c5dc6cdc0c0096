package engine

import (
	"encoding/json"
	"fmt"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/image"
)

// Healthchecks are engine/health's: the config, the schedule and the
// probe runner. These are the engine's doors to it: create's checks under
// the names cmd/berth calls, the image's HEALTHCHECK read from the image
// store, and the prober of the monitor, which execs as berth exec does.

// HealthFlags turns create's flags into a config (health.Flags).
func HealthFlags(o HealthOptions) (*HealthConfig, error) { return health.Flags(o) }

// ErrHealthcheck marks a healthcheck that Docker's daemon refuses (create
// exits 1 for it, as Docker's, not 125).
var ErrHealthcheck = health.ErrInvalid

// ValidateHealth is the daemon's check of a healthcheck (health.Validate).
func ValidateHealth(hc *HealthConfig) error { return health.Validate(hc) }

// healthConfig is the container's healthcheck: the flags' (checked as the
// daemon does) over the image's HEALTHCHECK, which Docker's config keeps
// beside the OCI fields.
func (e *createOps) healthConfig(user *HealthConfig, img *image.Image) (*HealthConfig, error) {
	svc, err := e.c.Images()
	if err != nil {
		return nil, err
	}
	data, err := svc.Content.ReadBlob(img.Manifest.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("read the config of image %s: %w", img.ID, err)
	}
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("parse the config of image %s: %w", img.ID, err)
	}
	return health.Merge(user, cfg.Config.Healthcheck), nil
}
