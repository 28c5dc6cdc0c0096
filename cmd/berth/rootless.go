package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/rootless"
)

// enterRootless moves an unprivileged berth into the user's store
// namespace before anything else runs (rootless.Enter), except for the
// commands that touch no store: help, version and completion stay usable
// on an account without subordinate ids or XDG_RUNTIME_DIR.
func enterRootless() error {
	for _, a := range os.Args[1:] {
		switch a {
		case "-h", "--help", "-v", "--version", "help", "version", "completion", cobra.ShellCompRequestCmd:
			return nil
		}
		if len(a) == 0 || a[0] != '-' {
			break
		}
	}
	return rootless.Enter()
}

// defaultRoots are root's /var/lib/berth and /run/berth, or the user's XDG
// roots in the store's namespace (Enter has checked them already).
func defaultRoots() (root, runroot string) {
	if !rootless.Active() {
		return rootless.SystemRoot, rootless.SystemRunroot
	}
	p, err := rootless.UserPaths(os.Getenv)
	if err != nil {
		return rootless.SystemRoot, rootless.SystemRunroot // setup's SecureRoots refuses these with a clear error
	}
	return p.Data, p.Run
}

func newUnshareCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unshare [COMMAND [ARG...]]",
		Short: "Run a command in the rootless store's user namespace (default: $SHELL)",
		Long: `Run a command as root of the user namespace that holds a rootless user's
store, as podman unshare: files of the store show their in-container owners.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, argv []string) error {
			if !rootless.Active() {
				return errors.New("berth unshare is for rootless berth: root needs no user namespace to see its store")
			}
			if len(argv) == 0 {
				sh := os.Getenv("SHELL")
				if sh == "" {
					sh = "/bin/sh"
				}
				argv = []string{sh}
			}
			path, err := exec.LookPath(argv[0])
			if err != nil {
				return fmt.Errorf("unshare: %w", err)
			}
			return syscall.Exec(path, argv, os.Environ())
		},
	}
	cmd.Flags().SetInterspersed(false) // COMMAND's own flags are its own
	return cmd
}
