// Package create is create: a container made from an image and the
// user's flags (engine/options), checked with Docker's wording: its host
// config, its name, its mounts and volumes (named, anonymous, the image's
// VOLUMEs, --volumes-from), its healthcheck over the image's, its record
// and its writable snapshot. Nothing runs yet; a failed create leaves
// nothing behind.
package create

import (
	"context"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image/progress"
)

// ops is the core seen as create.
type ops struct{ c *core.Core }

// Create makes a container from opts: its record, its name and its
// writable snapshot. It does not start it. On error nothing is left.
func Create(ctx context.Context, c *core.Core, opts options.CreateOptions, p *progress.Progress) (*record.Container, error) {
	return ops{c}.create(ctx, opts, p)
}

// ValidName reports whether name is a container name Docker takes.
func ValidName(name string) bool { return validName.MatchString(name) }
