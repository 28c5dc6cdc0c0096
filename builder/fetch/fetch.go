// Package fetch downloads the http(s) sources of ADD, as Docker does:
// the response's body whole, its SHA-256 checked against --checksum, the
// file's time from Last-Modified and its name from the URL's path; and
// its git sources, cloned with the host's git (git.go).
package fetch

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"time"

	"github.com/opencontainers/go-digest"
)

// File is a downloaded file as ADD puts it in the image.
type File struct {
	Path string      // where it was downloaded
	Name string      // the URL path's last element
	Info fs.FileInfo // 0600, the response's Last-Modified (else 1970)
}

// Get downloads rawURL to the new file p, checked against checksum
// when one is given. As Docker: the file is 0600, its time the response's
// Last-Modified, its name the URL path's last element.
func Get(ctx context.Context, rawURL, p string, checksum digest.Digest) (File, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return File{}, fmt.Errorf("ADD %s: invalid response status %d", rawURL, resp.StatusCode)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	got := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil))
	if checksum != "" && got != checksum {
		return File{}, fmt.Errorf("ADD %s: digest mismatch %s: %s", rawURL, got, checksum)
	}
	mtime := time.Unix(0, 0)
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		mtime = lm
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		name = "__unnamed__"
	}
	return File{Path: p, Name: name, Info: urlInfo{name: name, size: n, mtime: mtime}}, nil
}

// urlInfo is a downloaded file as the layer has it.
type urlInfo struct {
	name  string
	size  int64
	mtime time.Time
}

func (u urlInfo) Name() string       { return u.name }
func (u urlInfo) Size() int64        { return u.size }
func (u urlInfo) Mode() fs.FileMode  { return 0o600 }
func (u urlInfo) ModTime() time.Time { return u.mtime }
func (u urlInfo) IsDir() bool        { return false }
func (u urlInfo) Sys() any           { return nil }
