package create

import (
	"encoding/json"
	"fmt"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image"
)

// healthConfig is the container's healthcheck: the flags' (checked as the
// daemon does) over the image's HEALTHCHECK, which Docker's config keeps
// beside the OCI fields.
func (e ops) healthConfig(user *record.HealthConfig, img *image.Image) (*record.HealthConfig, error) {
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
