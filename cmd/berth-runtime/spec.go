package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/spec"
)

func newSpecCommand() *cobra.Command {
	var bundle string
	var rootless bool
	cmd := &cobra.Command{
		Use:   "spec",
		Short: "Write a default config.json to start a bundle from",
		Long: `spec writes the same default config.json as runc spec: busybox-friendly
defaults, every namespace but user and cgroup, a terminal, and "sh" as the
process. Edit it, put a root filesystem in rootfs/, and run.`,
		Example: `  berth-runtime spec                # ./config.json
  berth-runtime spec --rootless     # for a non-root user
  berth-runtime spec -b /srv/bundle`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			s := spec.Default()
			if rootless {
				spec.ToRootless(s)
			}
			path := filepath.Join(bundle, "config.json")
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("file %s exists: remove it first", path)
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			data, err := json.MarshalIndent(s, "", "\t")
			if err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
			if err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", path, err)
			}
			return f.Close()
		},
	}
	cmd.Flags().StringVarP(&bundle, "bundle", "b", "", "bundle directory to write config.json into (default: current directory)")
	cmd.Flags().BoolVar(&rootless, "rootless", false, "a config for a container run by a non-root user")
	return cmd
}
