package image

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image/progress"
)

func newHistoryCommand(g *cli.Context) *cobra.Command {
	var noTrunc, quiet, human bool
	var format string
	cmd := &cobra.Command{
		Use:   "history [OPTIONS] IMAGE",
		Short: "Show how an image was built, layer by layer",
		Example: `  berth history busybox
  berth history --no-trunc --format '{{.CreatedBy}}' app:v1`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			svc, err := g.Images()
			if err != nil {
				return err
			}
			img, err := svc.Get(cmd.Context(), a[0])
			if err != nil {
				return cli.WithTag(err)
			}
			type row struct{ ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment string }
			var rows []any
			for _, h := range svc.History(cmd.Context(), img) {
				id := h.ID
				if id != "<missing>" {
					id = cli.ShortenID(id, noTrunc)
				}
				if quiet {
					fmt.Fprintln(cmd.OutOrStdout(), id)
					continue
				}
				r := row{ID: id, CreatedSince: cli.Since(h.Created), CreatedAt: h.Created.Format("2006-01-02T15:04:05Z07:00"),
					CreatedBy: createdByColumn(h.CreatedBy, noTrunc), Size: progress.HumanSize(h.Size), Comment: h.Comment}
				if !human { // as Docker's -H=false: the date and the bytes as they are
					r.CreatedSince, r.Size = r.CreatedAt, strconv.FormatInt(h.Size, 10)
				}
				rows = append(rows, r)
			}
			if quiet {
				return nil
			}
			if cli.IsDefaultFormat(format) {
				format = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
			}
			return cli.RenderTemplate(cmd.OutOrStdout(), format, row{ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT"}, rows)
		},
	}
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "don't truncate output")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only show image IDs")
	cmd.Flags().BoolVarP(&human, "human", "H", true, "print sizes and dates in human readable format")
	cmd.Flags().StringVar(&format, "format", "", "format output with a Go template")
	return cmd
}

// createdByColumn is history's CREATED BY as Docker's CLI shows it: tabs
// (the "#(nop) \tCMD" of classic builds) and newlines made spaces, which
// would break the table's columns, and 45 characters at most, cut at a
// character and not inside one's UTF-8 bytes.
func createdByColumn(by string, noTrunc bool) string {
	by = strings.NewReplacer("\t", " ", "\n", " ").Replace(by)
	if r := []rune(by); !noTrunc && len(r) > 45 {
		return string(r[:44]) + "…"
	}
	return by
}
