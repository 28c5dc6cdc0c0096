package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCVE2025_31133DevNullReplaced: masked files are covered with a bind of
// the container's /dev/null. Here /dev is the attacker's directory, whose
// null is a symlink to /proc/sys/kernel/core_pattern (or a plain file):
// masking with it would show, or make writable, what it names. The runtime
// must refuse to start the container, saying why.
func TestCVE2025_31133DevNullReplaced(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
	}{
		{"symlink", func(p string) error { return os.Symlink("/proc/sys/kernel/core_pattern", p) }},
		{"regular file", func(p string) error { return os.WriteFile(p, []byte("not-null\n"), 0o666) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			dev := b.BindHostDir("/dev")
			if err := tc.make(filepath.Join(dev, "null")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(b.Rootfs, "secret"), []byte("secret\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			b.Update(func(s *specs.Spec) { s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/secret") })
			b.Shell("echo masked-with:; cat /secret")
			res := runBundle(t, rt, b)
			if res.ExitCode == 0 {
				t.Fatalf("container started with /dev/null a %s; masked /secret showed %q", tc.name, res.Stdout)
			}
			if !strings.Contains(res.Stderr, "/dev/null is not the 1:3 character device") {
				t.Errorf("refused, but not saying that /dev/null is no 1:3 device:\n%s", res.Stderr)
			}
		})
	}
}
