package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
)

// stateJSON is runc's state output, field for field.
type stateJSON struct {
	Version     string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Owner       string            `json:"owner"`
}

func stateOf(c *container.Container) stateJSON {
	oci, st := c.OCIState(), c.State()
	return stateJSON{
		Version: oci.Version, ID: oci.ID, Pid: oci.Pid, Status: string(oci.Status), Bundle: oci.Bundle,
		Rootfs: st.Rootfs, Created: st.Created, Annotations: oci.Annotations, Owner: st.Owner,
	}
}

func newStateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "state <container-id>",
		Short: "Print a container's state as JSON",
		Long: `state prints the container's OCI state: ociVersion, id, pid, status
(created, running, stopped), bundle, rootfs, created, owner and annotations.`,
		Example: `  berth-runtime state web | jq -r .status`,
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			data, err := json.MarshalIndent(stateOf(c), "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(os.Stdout, string(data))
			return err
		},
	}
}

func newListCommand() *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the containers under --root",
		Example: `  berth-runtime list
  berth-runtime list -q
  berth-runtime list -f json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// As runc: a missing default root is no containers yet, a
			// missing --root given is an error.
			if f := cmd.Flag("root"); f != nil && f.Changed {
				if _, err := os.Stat(globals.root); err != nil {
					return fmt.Errorf("list containers in %s: %w", globals.root, err)
				}
			}
			cs, err := container.List(globals.root)
			if err != nil {
				return err
			}
			if quiet {
				for _, c := range cs {
					fmt.Println(c.ID())
				}
				return nil
			}
			states := make([]stateJSON, 0, len(cs))
			for _, c := range cs {
				states = append(states, stateOf(c))
			}
			switch format {
			case "json":
				return json.NewEncoder(os.Stdout).Encode(states)
			case "table":
				w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
				// The tabwriter buffers: a write error comes back from Flush.
				_, _ = fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
				for _, s := range states {
					_, _ = fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
				}
				return w.Flush()
			}
			return fmt.Errorf("--format %q: must be table or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the container IDs")
	return cmd
}
