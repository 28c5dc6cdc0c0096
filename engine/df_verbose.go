package engine

import (
	"context"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/sysinfo"
	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/volume"
)

// DiskUsageImage is one image of system df -v.
type DiskUsageImage = sysinfo.DiskUsageImage

// DiskUsageContainer is one container of system df -v.
type DiskUsageContainer struct {
	*record.Container
	Size         int64
	LocalVolumes int
}

// DiskUsageVolume is one volume of system df -v.
type DiskUsageVolume = sysinfo.DiskUsageVolume

// DiskUsageDetail is system df -v: each image, container and volume.
type DiskUsageDetail struct {
	Images     []DiskUsageImage
	Containers []DiskUsageContainer
	Volumes    []DiskUsageVolume
}

// DiskUsageVerbose lists the objects DiskUsage sums. An image's shared
// size is that of its layers another image has too, as Docker counts it.
func (ops *System) DiskUsageVerbose(ctx context.Context) (DiskUsageDetail, error) {
	var d DiskUsageDetail
	svc, err := ops.e.c.Images()
	if err != nil {
		return d, err
	}
	ctrs, err := ops.e.List(ListOptions{All: true})
	if err != nil {
		return d, err
	}
	imgs, err := svc.List(ctx)
	if err != nil {
		return d, err
	}
	users := map[string]int{}
	for _, c := range ctrs {
		users[c.ImageID]++
		size, _ := ops.e.Files().Size(c)
		vols := 0
		for _, m := range c.HostConfig.Mounts {
			if m.Type == "volume" {
				vols++
			}
		}
		d.Containers = append(d.Containers, DiskUsageContainer{Container: c, Size: size, LocalVolumes: vols})
	}
	layers := make([]sysinfo.ImageLayers, 0, len(imgs))
	for _, img := range imgs {
		row := DiskUsageImage{ID: img.ID.String(), RepoTags: img.RepoTags, Containers: users[img.ID.String()]}
		if img.Config.Created != nil {
			row.Created = *img.Config.Created
		}
		d.Images = append(d.Images, row)
		l := sysinfo.ImageLayers{Sizes: svc.LayerSizes(ctx, img)}
		for _, ch := range unpack.ChainIDs(img.Config.RootFS.DiffIDs) {
			l.Chains = append(l.Chains, ch.String())
		}
		layers = append(layers, l)
	}
	sysinfo.LayerSizes(d.Images, layers)
	used, err := ops.e.Volumes().InUse()
	if err != nil {
		return d, err
	}
	vols, err := volume.New(ops.e.c.Root).List()
	if err != nil {
		return d, err
	}
	for _, v := range vols {
		d.Volumes = append(d.Volumes, DiskUsageVolume{Name: v.Name, Links: len(used[v.Name]), Size: dirSize(v.Mountpoint)})
	}
	return d, nil
}
