package cli

import (
	"fmt"
	"os"
	"path/filepath"
)

// SaveToFile writes through a temp file renamed into place, so a failed
// save leaves no truncated archive under the name asked for.
func SaveToFile(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	// The temp file's 0600 stays, as Docker's CopyToFile leaves it: an
	// image or a container's files may hold secrets, whatever the umask.
	if err := f.Close(); err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	return nil
}
