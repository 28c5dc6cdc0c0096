package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/engine/commit"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/build"
)

// CommitOptions are commit's flags.
type CommitOptions struct {
	Author  string
	Message string
	Changes []string // Dockerfile instructions, as import --change
	Pause   bool     // freeze a running container during the copy (Docker's default)
	// Config, when set, is the new image's config instead of the
	// container's merged one, and CreatedBy its history's command: a
	// build's RUN step commits the stage's config, not the step's command.
	Config    *ocispec.ImageConfig
	CreatedBy string
	// Epoch, when set (a build's SOURCE_DATE_EPOCH), is the image's time
	// and the latest time of a file in the layer.
	Epoch *time.Time
}

// Commit makes a new image of the container: its image's layers, then one
// layer of the container's changes (the overlay upper dir, with overlay's
// whiteouts turned into OCI ones). Its config is the container's (Docker
// merges the container's config into the image's), with o.Changes applied
// and one history entry more. The image is unpacked, ready to run, and
// named ref (empty: dangling). It returns the new image's ID.
func (e *Engine) Commit(ctx context.Context, ref, name string, o CommitOptions) (_ digest.Digest, err error) {
	c, err := e.Get(ref)
	if err != nil {
		return "", err
	}
	if name != "" {
		if _, err := image.Normalize(name); err != nil {
			return "", err
		}
	}
	svc, err := e.c.Images()
	if err != nil {
		return "", err
	}
	base, err := svc.Get(ctx, c.ImageID)
	if err != nil {
		return "", fmt.Errorf("image %s of container %s: %w", c.Image, c.Name, err)
	}
	cfg := base.Config
	cfg.Config = c.ImageConfig(base.Config.Config)
	if o.Config != nil {
		cfg.Config = *o.Config
	}
	if err := build.ApplyChanges(&cfg.Config, o.Changes); err != nil {
		return "", err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return "", err
	}
	mounts, err := sn.Mounts(ctx, c.ID)
	if err != nil {
		return "", fmt.Errorf("root filesystem of container %s: %w", c.Name, err)
	}
	upper, err := commit.Upper(mounts)
	if err != nil {
		return "", fmt.Errorf("container %s: %w", c.Name, err)
	}
	skip := commit.MountPointFilter(e.c.ContainerDir(c.ID), upper)
	release, err := svc.Content.Use(ctx)
	if err != nil {
		return "", err
	}
	defer func() {
		if rerr := release(); rerr != nil {
			slog.Warn("commit: release the content store", "container", c.Name, "error", rerr)
		}
	}()
	if o.Pause && c.Running() && c.State.Status != record.StatusPaused {
		if err := e.Pause(c.ID); err != nil {
			return "", err
		}
		// A container left paused is a change the user did not ask for:
		// the commit fails with it, though the image may exist.
		defer func() {
			if uerr := e.Unpause(c.ID); uerr != nil {
				err = errors.Join(err, fmt.Errorf("unpause container %s after commit: %w", c.Name, uerr))
			}
		}()
	}
	pr, pw := io.Pipe()
	var clamp time.Time
	if o.Epoch != nil {
		clamp = o.Epoch.UTC()
	}
	go func() { pw.CloseWithError(build.WriteOverlayDiffClamped(pw, upper, skip, clamp)) }()
	layer, size, err := svc.Content.IngestUnknown(ctx, pr)
	pr.CloseWithError(errors.New("commit ended"))
	if err != nil {
		return "", fmt.Errorf("commit container %s: %w", c.Name, err)
	}
	now := time.Now().UTC()
	if o.Epoch != nil {
		now = clamp
	}
	createdBy := strings.Join(c.Argv(), " ")
	if o.CreatedBy != "" {
		createdBy = o.CreatedBy
	}
	cfg, layers := commit.Image(cfg, base.Manifest.Layers, commit.Layer{DiffID: layer, Size: size},
		commit.History{Created: now, Author: o.Author, Comment: o.Message, CreatedBy: createdBy})
	desc, err := build.WriteImage(ctx, svc.Content, cfg, layers)
	if err != nil {
		return "", err
	}
	img, err := svc.AddBuilt(ctx, desc, name)
	if err != nil {
		return "", fmt.Errorf("commit container %s: %w", c.Name, err)
	}
	return img.ID, nil
}
