package criu

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestMaskedFiles: of the masked paths, only those that are files in the
// process's root are kept; missing ones and directories are not.
func TestMaskedFiles(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{MaskedPaths: []string{"/proc/self/../version", "/proc", "/no/such/path"}}}
	got, err := maskedFiles(os.Getpid(), s)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/proc/version"}; !slices.Equal(got, want) {
		t.Errorf("maskedFiles = %q, want %q", got, want)
	}
	if got, err := maskedFiles(os.Getpid(), &specs.Spec{}); got != nil || err != nil {
		t.Errorf("no linux section: %q, %v", got, err)
	}
}

// TestSaveDescriptors records the process's fds 0-2 in runc's format.
func TestSaveDescriptors(t *testing.T) {
	dir := t.TempDir()
	if err := saveDescriptors(os.Getpid(), dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, DescriptorsFile))
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	if err := json.Unmarshal(data, &fds); err != nil || len(fds) != 3 {
		t.Fatalf("%s = %s, %v; want 3 entries", DescriptorsFile, data, err)
	}
}
