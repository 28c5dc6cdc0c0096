package create

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultSwap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  int64
	}{
		{"v1 with memsw", []string{"memory/memory.memsw.limit_in_bytes"}, 128},
		{"v1 without swap accounting", []string{"memory/memory.limit_in_bytes"}, -1},
		{"v2 with swap", []string{"cgroup.controllers=cpu memory pids", "a/memory.max", "a/memory.swap.max"}, 128},
		{"v2 without swap accounting", []string{"cgroup.controllers=cpu memory pids", "a/memory.max"}, -1},
		{"v2, no cgroup to look at", []string{"cgroup.controllers=cpu memory"}, 128},
		{"v2 without memory", []string{"cgroup.controllers=cpu pids"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range tc.files {
				name, content, _ := strings.Cut(f, "=")
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := defaultSwap(root, 64); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
