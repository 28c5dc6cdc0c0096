package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// HasBlob reports whether the repository already has blob d.
func (r *Repo) HasBlob(ctx context.Context, d string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, r.url("blobs", d), nil)
	if err != nil {
		return false, err
	}
	resp, err := r.do(req, http.StatusOK, http.StatusNotFound)
	if err != nil {
		return false, fmt.Errorf("check blob %s in %s: %w", d, r.Name, err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// PushBlob uploads a blob in one request (a monolithic upload) unless the
// repository has it already. It reports whether bytes were sent.
func (r *Repo) PushBlob(ctx context.Context, desc ocispec.Descriptor, open func() (io.ReadCloser, error)) (bool, error) {
	d := desc.Digest.String()
	if ok, err := r.HasBlob(ctx, d); err != nil || ok {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url("blobs", "uploads/"), nil)
	if err != nil {
		return false, err
	}
	resp, err := r.do(req, http.StatusAccepted)
	if err != nil {
		return false, fmt.Errorf("start upload of %s to %s: %w", d, r.Name, err)
	}
	resp.Body.Close()
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		return false, fmt.Errorf("upload of %s to %s: bad Location: %w", d, r.Name, err)
	}
	q := loc.Query()
	q.Set("digest", d)
	loc.RawQuery = q.Encode()
	body, err := open()
	if err != nil {
		return false, err
	}
	defer body.Close()
	return true, r.put(ctx, loc, body, desc.Size, "application/octet-stream", d)
}

func (r *Repo) put(ctx context.Context, u *url.URL, body io.Reader, size int64, mt, what string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", mt)
	resp, err := r.do(req, http.StatusCreated, http.StatusAccepted)
	if err != nil {
		return fmt.Errorf("upload %s to %s: %w", what, r.Name, err)
	}
	resp.Body.Close()
	return nil
}

// PushManifest puts a manifest or index under tag (or its digest).
func (r *Repo) PushManifest(ctx context.Context, tag string, mediaType string, data []byte) error {
	u, err := url.Parse(r.url("manifests", tag))
	if err != nil {
		return err
	}
	return r.put(ctx, u, bytes.NewReader(data), int64(len(data)), mediaType, "manifest "+tag)
}

// Login checks user and password against host and returns nil if the
// registry accepts them.
func (c *Client) Login(ctx context.Context, host, user, password string) error {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return fmt.Errorf("invalid registry %q: %w", host, err)
	}
	if c.IsInsecure(host) {
		reg, _ = name.NewRegistry(host, name.Insecure)
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: user, Password: password})
	rt, err := transport.NewWithContext(ctx, reg, auth, c.base, []string{reg.Scope(transport.PullScope)})
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusUnauthorized {
		// A bearer registry's token server refused the credentials.
		return fmt.Errorf("login to %s: unauthorized: check the user name and password (%s)", host, strings.TrimSpace(err.Error()))
	}
	if err != nil {
		return fmt.Errorf("login to %s: %w", host, err)
	}
	scheme := "https"
	if c.IsInsecure(host) {
		scheme = "http"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return fmt.Errorf("login to %s: %w", host, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("login to %s: unauthorized: check the user name and password", host)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("login to %s: registry answered %s", host, resp.Status)
	}
	return nil
}
