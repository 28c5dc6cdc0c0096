package builder

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/internal/statedir"
)

// add does an ADD step: COPY's, plus http(s) URLs downloaded (checked
// against --checksum) and local tar archives unpacked into the
// destination.
func (bd *build) add(ctx context.Context, st *state, name string, cmd *instructions.AddCommand) error {
	if len(cmd.ExcludePatterns) > 0 {
		return errors.New("ADD --exclude is not supported by berth build yet")
	}
	var urls []string
	for _, s := range cmd.SourcePaths {
		switch {
		case isURL(s):
			urls = append(urls, s)
		case isGit(s):
			return fmt.Errorf("ADD %s: git sources are not supported by berth build", s)
		}
	}
	if cmd.Checksum != "" {
		if len(urls) != 1 || len(cmd.SourcePaths) != 1 {
			return errors.New("checksum can't be specified for non-HTTP(S) sources")
		}
		if _, err := digest.Parse(cmd.Checksum); err != nil {
			return fmt.Errorf("invalid checksum digest format %q: %w", cmd.Checksum, err)
		}
	}
	return bd.copy(ctx, st, name, copySpec{SourcesAndDest: cmd.SourcesAndDest, chown: cmd.Chown, chmod: cmd.Chmod, text: cmd.String(),
		add: &addSpec{unpack: cmd.Unpack == nil || *cmd.Unpack, checksum: digest.Digest(cmd.Checksum)}})
}

// addSpec is what ADD does beyond COPY.
type addSpec struct {
	unpack   bool
	checksum digest.Digest
	// files are the URLs' downloads, by URL, made before the layer is
	// planned.
	files map[string]download
}

type download struct {
	path string // the file, in the step's directory
	name string // its name in the image when the destination is a directory
	info fs.FileInfo
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func isGit(s string) bool {
	return strings.HasPrefix(s, "git@") || strings.HasPrefix(s, "git://") || strings.HasSuffix(strings.SplitN(s, "#", 2)[0], ".git") && strings.Contains(s, "://")
}

// fetchURLs downloads the spec's URLs into a directory of the step, which
// the returned func removes (and the next build, after a SIGKILL).
func (bd *build) fetchURLs(ctx context.Context, c *copySpec) (func(), error) {
	var urls []string
	for _, s := range c.SourcePaths {
		if isURL(s) {
			urls = append(urls, s)
		}
	}
	if len(urls) == 0 {
		return func() {}, nil
	}
	base := filepath.Join(bd.Root, "builder", "mnt")
	if err := statedir.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("build downloads %s: %w", base, err)
	}
	dir, err := os.MkdirTemp(base, "step-"+strings.ReplaceAll(owner(), ":", ".")+"-")
	if err != nil {
		return nil, fmt.Errorf("build downloads: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	c.add.files = map[string]download{}
	for i, u := range urls {
		d, err := fetch(ctx, u, filepath.Join(dir, fmt.Sprint(i)), c.add.checksum)
		if err != nil {
			cleanup()
			return nil, err
		}
		c.add.files[u] = d
	}
	return cleanup, nil
}

// fetch downloads rawURL to p. As Docker: the file is 0600, its time the
// response's Last-Modified, its name the URL path's last element.
func fetch(ctx context.Context, rawURL, p string, checksum digest.Digest) (download, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return download{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return download{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return download{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return download{}, fmt.Errorf("ADD %s: invalid response status %d", rawURL, resp.StatusCode)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return download{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return download{}, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	got := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil))
	if checksum != "" && got != checksum {
		return download{}, fmt.Errorf("ADD %s: digest mismatch %s: %s", rawURL, got, checksum)
	}
	mtime := time.Unix(0, 0)
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		mtime = lm
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		name = "__unnamed__"
	}
	return download{path: p, name: name, info: urlInfo{name: name, size: n, mtime: mtime}}, nil
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
