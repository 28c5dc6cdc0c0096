package engine

import (
	"context"

	"github.com/berth-containers/berth/volume"
)

// DiskUsageRow is one line of system df.
type DiskUsageRow struct {
	Type              string
	Total, Active     int
	Size, Reclaimable int64
}

// DiskUsage sums the space of images, containers' writable layers and
// volumes, and how much of it nothing uses.
func (ops *System) DiskUsage(ctx context.Context) ([]DiskUsageRow, error) {
	svc, err := ops.e.imageService()
	if err != nil {
		return nil, err
	}
	ctrs, err := ops.e.List(ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	imgs, err := svc.List(ctx)
	if err != nil {
		return nil, err
	}
	usedImg := map[string]bool{}
	ct := DiskUsageRow{Type: "Containers", Total: len(ctrs)}
	for _, c := range ctrs {
		usedImg[c.ImageID] = true
		size, _ := ops.e.Size(c)
		ct.Size += size
		if c.Running() {
			ct.Active++
		} else {
			ct.Reclaimable += size
		}
	}
	im := DiskUsageRow{Type: "Images", Total: len(imgs)}
	for _, img := range imgs {
		size := svc.Size(ctx, img)
		im.Size += size
		if usedImg[img.ID.String()] {
			im.Active++
		} else {
			im.Reclaimable += size
		}
	}
	used, err := ops.e.Volumes().InUse()
	if err != nil {
		return nil, err
	}
	vols, err := volume.New(ops.e.root).List()
	if err != nil {
		return nil, err
	}
	vo := DiskUsageRow{Type: "Local Volumes", Total: len(vols)}
	for _, v := range vols {
		size := dirSize(v.Mountpoint)
		vo.Size += size
		if len(used[v.Name]) > 0 {
			vo.Active++
		} else {
			vo.Reclaimable += size
		}
	}
	return []DiskUsageRow{im, ct, vo, {Type: "Build Cache"}}, nil
}
