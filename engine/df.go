package engine

import (
	"context"

	"github.com/berth-containers/berth/engine/sysinfo"
	"github.com/berth-containers/berth/volume"
)

// DiskUsageRow is one line of system df.
type DiskUsageRow = sysinfo.DiskUsageRow

// DiskUsage sums the space of images, containers' writable layers and
// volumes, and how much of it nothing uses.
func (ops *System) DiskUsage(ctx context.Context) ([]DiskUsageRow, error) {
	svc, err := ops.e.c.Images()
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
	ctUse := make([]sysinfo.Usage, 0, len(ctrs))
	for _, c := range ctrs {
		usedImg[c.ImageID] = true
		size, _ := ops.e.Files().Size(c)
		ctUse = append(ctUse, sysinfo.Usage{Size: size, Active: c.Running()})
	}
	imUse := make([]sysinfo.Usage, 0, len(imgs))
	for _, img := range imgs {
		imUse = append(imUse, sysinfo.Usage{Size: svc.Size(ctx, img), Active: usedImg[img.ID.String()]})
	}
	used, err := ops.e.Volumes().InUse()
	if err != nil {
		return nil, err
	}
	vols, err := volume.New(ops.e.c.Root).List()
	if err != nil {
		return nil, err
	}
	voUse := make([]sysinfo.Usage, 0, len(vols))
	for _, v := range vols {
		voUse = append(voUse, sysinfo.Usage{Size: dirSize(v.Mountpoint), Active: len(used[v.Name]) > 0})
	}
	return []DiskUsageRow{sysinfo.Tally("Images", imUse), sysinfo.Tally("Containers", ctUse),
		sysinfo.Tally("Local Volumes", voUse), {Type: "Build Cache"}}, nil
}
