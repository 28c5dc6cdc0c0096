package create

import (
	"errors"
	"fmt"
	"os"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// CIDFile is a --cidfile: reserved before the container is made, so an
// existing file is an error as in Docker, then given the ID atomically.
type CIDFile struct{ path string }

// ReserveCIDFile creates path, empty, failing if it exists. An empty path
// reserves nothing.
func ReserveCIDFile(path string) (*CIDFile, error) {
	if path == "" {
		return &CIDFile{}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("container ID file found, make sure the other container isn't running or delete %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to create the container ID file: %w", err)
	}
	f.Close()
	return &CIDFile{path: path}, nil
}

// Write puts id in the file: a temp file beside it, renamed over it, so a
// reader sees either nothing or the whole ID.
func (f *CIDFile) Write(id string) error {
	if f.path == "" {
		return nil
	}
	if err := atomicfile.WriteFile(f.path, []byte(id), 0o644); err != nil {
		return fmt.Errorf("write the container ID file: %w", err)
	}
	return nil
}

// Abort removes the reserved file after a failed create.
func (f *CIDFile) Abort() {
	if f.path != "" {
		os.Remove(f.path)
	}
}
