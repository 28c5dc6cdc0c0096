package fsops

import (
	"archive/tar"
	"io"
)

// Export writes a tar of the whole tree under the root dir to w.
func Export(dir string, w io.Writer) error {
	root, err := openRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tw := tar.NewWriter(w)
	if err := root.writeTar(tw, "/", "."); err != nil {
		return err
	}
	return tw.Close()
}
