// Package usernstest gives test bundles a user namespace.
package usernstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// Maps are the id maps Give gives: two ranges, so that a map written line
// by line shows.
var Maps = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 1000, HostID: 300000, Size: 64536}}

// Give gives the bundle a user namespace: a new one with Maps, or the one
// at path. The ids inside need to reach the rootfs and bind sources
// through the test's temp dirs, so every dir from each of dirs (and the
// bundle's), temp dirs all, up to /tmp becomes world-searchable.
func Give(t testing.TB, b *testutil.Bundle, path string, dirs ...string) {
	t.Helper()
	for _, d := range append(dirs, b.Dir) {
		if !strings.HasPrefix(d, "/tmp/") {
			t.Fatalf("user namespace: %s is not under /tmp, leaving its mode alone", d)
		}
		for dir := d; dir != "/tmp"; dir = filepath.Dir(dir) {
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.Update(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: path})
		s.Linux.UIDMappings, s.Linux.GIDMappings = Maps, Maps
	})
}
