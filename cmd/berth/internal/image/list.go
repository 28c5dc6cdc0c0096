package image

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/builder"
	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/progress"
)

// listRow is what `images --format` templates see, with Docker's names.
type listRow struct {
	ID, Repository, Tag, Digest, CreatedSince, CreatedAt, Size string
}

var listHeaders = listRow{ID: "IMAGE ID", Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST", CreatedSince: "CREATED", CreatedAt: "CREATED AT", Size: "SIZE"}

type listOptions struct {
	quiet, digests, noTrunc bool
	all                     bool
	filters                 []string
	format                  string
}

func newListCommand(g *cli.Context) *cobra.Command {
	var o listOptions
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS] [REPOSITORY[:TAG]]",
		Aliases: []string{"list"},
		Short:   "List images",
		Example: `  berth images
  berth images busybox
  berth images -q --filter dangling=true
  berth images --filter reference='127.0.0.1:5000/*' --digests
  berth images --format '{{.Repository}}:{{.Tag}} {{.Size}}'
  berth images --format 'table {{.ID}}\t{{.Repository}}'`,
		Args: cli.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(a) == 1 {
				o.filters = append(o.filters, "reference="+a[0])
			}
			f, err := image.ParseFilters(o.filters)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if !o.all {
				if f.Intermediate, err = builder.CacheImages(g.Root); err != nil {
					return err
				}
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			rows, err := svc.Rows(cmd.Context(), f)
			if err != nil {
				return err
			}
			return printList(cmd, rows, o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.quiet, "quiet", "q", false, "only show image IDs")
	fl.BoolVarP(&o.all, "all", "a", false, "show all images (default hides the build cache's intermediate images)")
	fl.BoolVar(&o.digests, "digests", false, "show digests")
	fl.BoolVar(&o.noTrunc, "no-trunc", false, "don't truncate output")
	fl.StringArrayVarP(&o.filters, "filter", "f", nil, "filter output: dangling=true|false, reference=PATTERN, label=KEY[=VALUE]")
	fl.StringVar(&o.format, "format", "", "format output with a Go template, 'table TEMPLATE' or 'json'")
	return cmd
}

func printList(cmd *cobra.Command, rows []image.Row, o listOptions) error {
	w := cmd.OutOrStdout()
	if o.quiet {
		seen := map[string]bool{}
		for _, r := range rows {
			id := cli.ShortenID(r.Image.ID.String(), o.noTrunc)
			if !seen[id] {
				seen[id] = true
				fmt.Fprintln(w, id)
			}
		}
		return nil
	}
	format := o.format
	if cli.IsDefaultFormat(format) {
		cols := []string{"{{.Repository}}", "{{.Tag}}"}
		if o.digests {
			cols = append(cols, "{{.Digest}}")
		}
		cols = append(cols, "{{.ID}}", "{{.CreatedSince}}", "{{.Size}}")
		format = "table " + strings.Join(cols, "\t")
	}
	data := make([]any, len(rows))
	for i, r := range rows {
		data[i] = listRow{
			ID:           cli.ShortenID(r.Image.ID.String(), o.noTrunc),
			Repository:   r.Repository,
			Tag:          r.Tag,
			Digest:       r.Digest,
			CreatedSince: cli.Since(r.Created),
			CreatedAt:    r.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
			Size:         progress.HumanSize(r.Size),
		}
	}
	return cli.RenderTemplate(w, format, listHeaders, data)
}
