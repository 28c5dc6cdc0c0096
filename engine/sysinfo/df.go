package sysinfo

import "time"

// DiskUsageRow is one line of system df.
type DiskUsageRow struct {
	Type              string
	Total, Active     int
	Size, Reclaimable int64
}

// Usage is one object system df counts: its size and whether anything
// uses it (a running container, a container of an image, a mount of a
// volume).
type Usage struct {
	Size   int64
	Active bool
}

// Tally sums objects of one kind into a row: what nothing uses is
// reclaimable.
func Tally(kind string, objs []Usage) DiskUsageRow {
	row := DiskUsageRow{Type: kind, Total: len(objs)}
	for _, o := range objs {
		row.Size += o.Size
		if o.Active {
			row.Active++
		} else {
			row.Reclaimable += o.Size
		}
	}
	return row
}

// DiskUsageImage is one image of system df -v.
type DiskUsageImage struct {
	ID                       string
	RepoTags                 []string
	Created                  time.Time
	Size, SharedSize, Unique int64
	Containers               int
}

// DiskUsageVolume is one volume of system df -v.
type DiskUsageVolume struct {
	Name  string
	Links int
	Size  int64
}

// ImageLayers are an image's layers, bottom first: their chain IDs and
// their sizes (which may be fewer, when a layer is not unpacked).
type ImageLayers struct {
	Chains []string
	Sizes  []int64
}

// LayerSizes sets each image's Size, SharedSize and Unique from its
// layers: a layer that another image has too is shared, as Docker counts
// it. images[i] has layers[i].
func LayerSizes(images []DiskUsageImage, layers []ImageLayers) {
	users := map[string]int{}
	for _, l := range layers {
		for _, ch := range l.Chains {
			users[ch]++
		}
	}
	for i, l := range layers {
		im := &images[i]
		for j, sz := range l.Sizes {
			im.Size += sz
			if j < len(l.Chains) && users[l.Chains[j]] > 1 {
				im.SharedSize += sz
			}
		}
		im.Unique = im.Size - im.SharedSize
	}
}
