package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// AskYes prints Docker's prune warning and reads y from stdin.
func AskYes(cmd *cobra.Command, warning string) bool {
	fmt.Fprintf(cmd.OutOrStdout(), "WARNING! %s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	return strings.EqualFold(strings.TrimSpace(line), "y")
}

// PrintDeleted prints one section of a prune's report.
func PrintDeleted(w io.Writer, title string, ids []string) {
	if len(ids) == 0 {
		return
	}
	fmt.Fprintln(w, title)
	for _, id := range ids {
		fmt.Fprintln(w, id)
	}
	fmt.Fprintln(w)
}
