package core

import (
	"context"
	"path/filepath"

	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
	"github.com/opencontainers/go-digest"
)

// inUse answers image.InUse from the container records.
type inUse struct{ db *store.Store }

// NewInUse returns the image.InUse of the containers under root, so that
// rmi and image prune leave images that containers use.
func NewInUse(root string) image.InUse {
	return inUse{db: store.New(filepath.Join(root, "metadata.db"))}
}

func (u inUse) ContainersUsing(_ context.Context, id digest.Digest) ([]string, error) {
	list, err := u.db.List()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range list {
		if c.ImageID == id.String() {
			out = append(out, c.ID[:12])
		}
	}
	return out, nil
}
