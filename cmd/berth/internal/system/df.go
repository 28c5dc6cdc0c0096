package system

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/cmd/berth/internal/container"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image/progress"
)

// printDiskUsageVerbose is system df -v: Docker's four sections.
func printDiskUsageVerbose(w io.Writer, d engine.DiskUsageDetail) error {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprint(tw, "Images space usage:\n\nREPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\n")
	for _, img := range d.Images {
		tags := img.RepoTags
		if len(tags) == 0 {
			tags = []string{"<none>:<none>"}
		}
		for _, t := range tags {
			i := strings.LastIndex(t, ":")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", t[:i], t[i+1:], cli.ShortenID(img.ID, false), cli.Since(img.Created),
				progress.HumanSize(img.Size), progress.HumanSize(img.SharedSize), progress.HumanSize(img.Unique), img.Containers)
		}
	}
	fmt.Fprint(tw, "\nContainers space usage:\n\nCONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES\n")
	for _, c := range d.Containers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", cli.ShortenID(c.ID, false), c.Image,
			container.CommandColumn(append([]string{c.Path}, c.Args...), false), c.LocalVolumes, progress.HumanSize(c.Size),
			cli.Since(c.Created), container.StatusText(c.Container), c.Name)
	}
	fmt.Fprint(tw, "\nLocal Volumes space usage:\n\nVOLUME NAME\tLINKS\tSIZE\n")
	for _, v := range d.Volumes {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Name, v.Links, progress.HumanSize(v.Size))
	}
	// berth has no builder, so no build cache.
	fmt.Fprint(tw, "\nBuild cache usage: 0B\n\nCACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED\n")
	return tw.Flush()
}
