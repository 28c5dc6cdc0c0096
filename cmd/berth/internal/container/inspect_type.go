package container

import (
	"context"
	"fmt"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/cmd/berth/internal/network"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/inspect"
	"github.com/berth-containers/berth/volume"
)

// sizedInspect is a container with -s: the size of its writable layer and
// of its whole root filesystem, as Docker's SizeRw and SizeRootFs.
type sizedInspect struct {
	*inspect.Container
	SizeRw     int64 `json:"SizeRw"`
	SizeRootFs int64 `json:"SizeRootFs"`
}

// inspectObject finds ref as --type says (any: container, then image,
// network, volume, in Docker's order) and returns what inspect prints.
func inspectObject(ctx context.Context, g *cli.Context, e *engine.Engine, ref, typ string, size bool) (any, error) {
	switch typ {
	case "", "container":
		in, err := e.Inspect(ref)
		if err == nil && size {
			return withSize(ctx, g, e, in)
		}
		if err == nil || typ == "container" || !engine.IsNotFound(err) {
			return in, err
		}
		fallthrough
	case "image":
		svc, err := g.Images()
		if err != nil {
			return nil, err
		}
		if img, err := svc.Get(ctx, ref); err == nil {
			return svc.Inspect(ctx, img), nil
		} else if typ == "image" {
			return nil, err
		}
		fallthrough
	case "network":
		if ni, err := network.NetworkInspectOf(e, ref); err == nil {
			return ni, nil
		} else if typ == "network" {
			return nil, err
		}
		fallthrough
	case "volume":
		if v, err := volume.New(g.Root).Get(ref); err == nil {
			return v, nil
		} else if typ == "volume" {
			return nil, err
		}
		return nil, cli.ObjectNotFound{Ref: ref}
	}
	return nil, cli.UsageError{Err: fmt.Errorf("%q is not a valid value for --type: use container, image, network or volume", typ)}
}

func withSize(ctx context.Context, g *cli.Context, e *engine.Engine, in *inspect.Container) (any, error) {
	c, err := e.Get(in.ID)
	if err != nil {
		return nil, err
	}
	rw, err := e.Files().Size(c)
	if err != nil {
		return nil, err
	}
	out := sizedInspect{Container: in, SizeRw: rw, SizeRootFs: rw}
	if svc, err := g.Images(); err == nil {
		if img, err := svc.Get(ctx, c.ImageID); err == nil {
			out.SizeRootFs += svc.Size(ctx, img)
		}
	}
	return out, nil
}
