// Package registry speaks the OCI distribution protocol to registries:
// resolving references, fetching and pushing blobs and manifests, login.
// go-containerregistry does reference parsing and the auth handshake
// (anonymous, basic, bearer token); requests are made here so blobs stream
// straight into the content store, hashed once.
package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Client talks to registries with credentials from an AuthFile.
type Client struct {
	Auth     authn.Keychain
	Insecure []string // registry hosts reached over plain HTTP
	base     http.RoundTripper

	mu    sync.Mutex
	repos map[string]*Repo
}

// NewClient returns a client using keychain (nil: anonymous) that treats
// the hosts in insecure as plain-HTTP registries.
func NewClient(keychain authn.Keychain, insecure []string) *Client {
	if keychain == nil {
		keychain = authn.NewMultiKeychain()
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 60 * time.Second
	return &Client{Auth: keychain, Insecure: insecure, base: t, repos: map[string]*Repo{}}
}

// IsInsecure reports whether host is reached over plain HTTP: loopback
// registries always, others only when listed.
func (c *Client) IsInsecure(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil && ip.IsLoopback() {
		return true
	}
	return slices.Contains(c.Insecure, host)
}

// ParseReference parses s as Docker does: docker.io and :latest implied.
func (c *Client) ParseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("invalid reference %q: %w", s, err)
	}
	if c.IsInsecure(ref.Context().RegistryStr()) {
		ref, err = name.ParseReference(s, name.Insecure)
		if err != nil {
			return nil, fmt.Errorf("invalid reference %q: %w", s, err)
		}
	}
	return ref, nil
}

// Repo is one repository with an authorized transport, shared by all the
// requests of a pull or push so the token handshake happens once.
type Repo struct {
	Name   name.Repository
	scheme string
	rt     http.RoundTripper
}

// Repo returns the repository of ref, authorized for pull (and push when
// push is set).
func (c *Client) Repo(ctx context.Context, repo name.Repository, push bool) (*Repo, error) {
	key := fmt.Sprintf("%s|%v", repo.Name(), push)
	c.mu.Lock()
	r, ok := c.repos[key]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	auth, err := authn.Resolve(ctx, c.Auth, repo.Registry)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", repo.RegistryStr(), err)
	}
	scope := repo.Scope(transport.PullScope)
	if push {
		scope = repo.Scope(transport.PushScope)
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, c.base, []string{scope})
	if err != nil {
		return nil, fmt.Errorf("connect to registry %s: %w", repo.RegistryStr(), explain(err, repo.RegistryStr()))
	}
	scheme := "https"
	if c.IsInsecure(repo.RegistryStr()) {
		scheme = "http"
	}
	r = &Repo{Name: repo, scheme: scheme, rt: rt}
	c.mu.Lock()
	c.repos[key] = r
	c.mu.Unlock()
	return r, nil
}

// explain adds what to do next to common connection failures.
func explain(err error, host string) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%w (run berth login %s)", err, host)
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("%w (add --insecure-registry %s if it serves plain HTTP)", err, host)
	}
	return err
}

func (r *Repo) url(kind, ref string) string {
	return fmt.Sprintf("%s://%s/v2/%s/%s/%s", r.scheme, r.Name.RegistryStr(), r.Name.RepositoryStr(), kind, ref)
}

// do sends req and returns the response if its status is one of ok; any
// other status becomes an error carrying the registry's message.
func (r *Repo) do(req *http.Request, ok ...int) (*http.Response, error) {
	resp, err := (&http.Client{Transport: r.rt}).Do(req)
	if err != nil {
		return nil, err
	}
	if slices.Contains(ok, resp.StatusCode) {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, explain(transport.CheckError(resp, ok...), r.Name.RegistryStr())
}

// Blob streams blob d. The caller verifies the content (the content store
// does while writing it).
func (r *Repo) Blob(ctx context.Context, d string) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url("blobs", d), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := r.do(req, http.StatusOK)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch blob %s from %s: %w", d, r.Name, err)
	}
	return resp.Body, resp.ContentLength, nil
}
