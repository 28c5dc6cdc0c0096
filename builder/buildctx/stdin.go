package buildctx

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// FromStdin reads `build -`: a tar of the context, or only a Dockerfile
// (then the context is empty). The context is unpacked into a new
// directory under tmp; it returns the Dockerfile's bytes when the stream
// was one, and the directory for the caller to remove.
func FromStdin(r io.Reader, tmp string) (dir string, dockerfile []byte, err error) {
	dir, err = os.MkdirTemp(tmp, "context-")
	if err != nil {
		return "", nil, fmt.Errorf("build context from stdin: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
			dir = ""
		}
	}()
	br := bufio.NewReaderSize(r, 1024)
	head, _ := br.Peek(512)
	if !isTar(head) {
		data, err := io.ReadAll(br)
		if err != nil {
			return dir, nil, fmt.Errorf("read the Dockerfile from stdin: %w", err)
		}
		return dir, data, nil
	}
	return dir, nil, untar(br, dir)
}

// isTar looks for the ustar magic of a tar header (POSIX and GNU).
func isTar(head []byte) bool {
	return len(head) >= 262 && bytes.HasPrefix(head[257:], []byte("ustar"))
}

// untar unpacks a context archive into dir. Entries land inside dir only:
// names are cleaned and resolved with securejoin, so neither ../ nor a
// symlink the archive made earlier leads out.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the build context archive: %w", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if name == "" {
			continue
		}
		parent, err := securejoin.SecureJoin(dir, path.Dir(name))
		if err != nil {
			return fmt.Errorf("context archive entry %s: %w", h.Name, err)
		}
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("context archive entry %s: %w", h.Name, err)
		}
		target := filepath.Join(parent, path.Base(name))
		if err := writeEntry(tr, h, target); err != nil {
			return fmt.Errorf("context archive entry %s: %w", h.Name, err)
		}
	}
}

func writeEntry(tr *tar.Reader, h *tar.Header, target string) error {
	mode := os.FileMode(h.Mode).Perm()
	switch h.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(target, mode); err != nil && !os.IsExist(err) {
			return err
		}
		return os.Chmod(target, mode)
	case tar.TypeReg:
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return os.Chmod(target, mode)
	case tar.TypeSymlink:
		return os.Symlink(h.Linkname, target)
	}
	return nil // devices, fifos, hard links: not build sources
}
