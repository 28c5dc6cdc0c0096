// Package sysctl writes a container's linux.sysctl settings into its
// /proc/sys, through a verified procfs handle so that a mount raced over
// /proc/sys cannot redirect the write (CVE-2025-52881), and checks that a
// name cannot leave /proc/sys.
package sysctl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth-containers/berth/internal/kfile"
	"github.com/berth-containers/berth/internal/ktrace"
)

// Write writes linux.sysctl through the container's /proc/sys, in
// name order so a failure is reproducible.
func Write(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	// A verified procfs root, and no mount crossed below it: a mount raced
	// over /proc/sys or one of its files fails the write (CVE-2025-52881).
	proc, err := kfile.OpenProc("/proc")
	if err != nil {
		return fmt.Errorf("sysctls: %w", err)
	}
	defer proc.Close()
	names := make([]string, 0, len(sysctl))
	for name := range sysctl {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rel, err := Path(name)
		if err != nil {
			return err
		}
		if err := proc.Write("sys/"+rel, []byte(sysctl[name])); err != nil {
			return fmt.Errorf("sysctl %s: %w", name, err)
		}
		ktrace.F("write(/proc/sys/%s <- %s)", rel, sysctl[name])
	}
	return nil
}

// Path turns "net.ipv4.ip_forward" into "net/ipv4/ip_forward" and
// refuses names that could leave /proc/sys.
func Path(name string) (string, error) {
	if name == "" || strings.Contains(name, "/") || strings.Contains(name, "..") ||
		strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return "", fmt.Errorf("sysctl %q: invalid name", name)
	}
	return strings.ReplaceAll(name, ".", "/"), nil
}
