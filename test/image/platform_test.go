package image_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	berthreg "github.com/berth-containers/berth/image/registry"
	"github.com/berth-containers/berth/test/testutil"
)

// rawRepo uploads to a plain-HTTP registry with the distribution API
// directly, as another client would, so what berth pulls does not depend on
// berth's own push.
type rawRepo struct {
	t    *testing.T
	base string // http://host/v2/name
}

func (r rawRepo) do(method, u, contentType string, body []byte, want int) *http.Response {
	r.t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		r.t.Fatalf("%s %s: %s\n%s", method, u, resp.Status, msg)
	}
	return resp
}

// blob uploads data monolithically and describes it as mediaType.
func (r rawRepo) blob(mediaType string, data []byte) ocispec.Descriptor {
	r.t.Helper()
	d := digest.FromBytes(data)
	resp := r.do(http.MethodPost, r.base+"/blobs/uploads/", "", nil, http.StatusAccepted)
	loc, err := resp.Location()
	if err != nil {
		r.t.Fatal(err)
	}
	q := loc.Query()
	q.Set("digest", d.String())
	loc.RawQuery = q.Encode()
	r.do(http.MethodPut, loc.String(), "application/octet-stream", data, http.StatusCreated)
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// manifest puts the JSON of v under ref (a tag or its digest).
func (r rawRepo) manifest(ref, mediaType string, v any) ocispec.Descriptor {
	r.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		r.t.Fatal(err)
	}
	d := digest.FromBytes(data)
	if ref == "" {
		ref = d.String()
	}
	r.do(http.MethodPut, r.base+"/manifests/"+url.PathEscape(ref), mediaType, data, http.StatusCreated)
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// platformImage pushes a one-layer image for p whose /arch file says which
// platform it is, in OCI or Docker schema 2 media types, and returns its
// manifest's descriptor with the platform set, for an index.
func (r rawRepo) platformImage(p ocispec.Platform, docker bool) ocispec.Descriptor {
	r.t.Helper()
	layerType, configType, manifestType := ocispec.MediaTypeImageLayerGzip, ocispec.MediaTypeImageConfig, ocispec.MediaTypeImageManifest
	if docker {
		layerType, configType, manifestType = berthreg.DockerLayerGzip, berthreg.DockerConfig, berthreg.DockerManifest
	}
	tarData := tarOf(r.t, []entry{file("arch", archContent(p))})
	gzData, _ := compress(r.t, tarData, gz)
	layer := r.blob(layerType, gzData)
	cfg := ocispec.Image{Platform: p, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromBytes(tarData)}}}
	cfg.Config.Cmd = []string{"cat", "/arch"}
	cfgData, _ := json.Marshal(cfg)
	m := ocispec.Manifest{MediaType: manifestType, Config: r.blob(configType, cfgData), Layers: []ocispec.Descriptor{layer}}
	m.SchemaVersion = 2
	desc := r.manifest("", manifestType, m)
	desc.Platform = &p
	return desc
}

func archContent(p ocispec.Platform) string {
	return fmt.Sprintf("%s/%s%s\n", p.OS, p.Architecture, map[bool]string{true: "/" + p.Variant}[p.Variant != ""])
}

// archSHA is how tree describes the /arch file of p's image.
func archSHA(p ocispec.Platform) string {
	return fmt.Sprintf("sha=%x", sha256.Sum256([]byte(archContent(p))))
}

// TestMultiPlatformIndex pushes linux/amd64 and linux/arm64 images as one
// OCI index and as one Docker manifest list: pull picks the host's,
// --platform the other, and a platform the index lacks is a one-line error
// listing those it has.
func TestMultiPlatformIndex(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("host architecture %s is in neither index", runtime.GOARCH)
	}
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	amd64 := ocispec.Platform{OS: "linux", Architecture: "amd64"}
	arm64 := ocispec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	host, other := amd64, arm64
	if runtime.GOARCH == "arm64" {
		host, other = arm64, amd64
	}
	for _, docker := range []bool{false, true} {
		kind, indexType := "oci", ocispec.MediaTypeImageIndex
		if docker {
			kind, indexType = "docker", berthreg.DockerManifestList
		}
		t.Run(kind, func(t *testing.T) {
			repo := rawRepo{t: t, base: "http://" + reg.Addr + "/v2/multi/" + kind}
			idx := ocispec.Index{MediaType: indexType, Manifests: []ocispec.Descriptor{
				repo.platformImage(amd64, docker), repo.platformImage(arm64, docker),
			}}
			idx.SchemaVersion = 2
			idxDesc := repo.manifest("1", indexType, idx)
			ref := reg.Addr + "/multi/" + kind + ":1"
			repoDigest := reg.Addr + "/multi/" + kind + "@" + idxDesc.Digest.String()

			e := newEnv(t)
			e.ok("pull", ref)
			checkPlatform(t, e, ref, host, repoDigest)
			e.ok("pull", "--platform", "linux/"+other.Architecture, ref)
			checkPlatform(t, e, ref, other, repoDigest)
			if out := e.ok("images", "--filter", "dangling=true", "--format", "{{.ID}}"); len(strings.Fields(out)) != 1 {
				t.Errorf("the host image should be left dangling after the other platform took its tag: %q", out)
			}

			// By digest, into a fresh store.
			f := newEnv(t)
			f.ok("pull", "--platform", "linux/"+other.Architecture, repoDigest)
			checkPlatform(t, f, repoDigest, other, repoDigest)

			errOut := e.fail(1, "pull", "--platform", "linux/s390x", ref)
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("missing platform: error is not one line: %q", errOut)
			}
			for _, want := range []string{"linux/s390x", "linux/amd64", "linux/arm64/v8", "--platform"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("missing platform: error lacks %q: %s", want, errOut)
				}
			}
			checkPlatform(t, e, ref, other, repoDigest) // untouched by the failed pull
		})
	}
}

// checkPlatform checks that ref in e is p's image: Architecture, Os, the
// /arch file in its unpacked snapshot, and the index as its repo digest.
func checkPlatform(t *testing.T, e *env, ref string, p ocispec.Platform, repoDigest string) {
	t.Helper()
	in := e.inspect(ref)
	if in["Architecture"] != p.Architecture || in["Os"] != p.OS {
		t.Errorf("%s: Os/Architecture %v/%v, want %s/%s", ref, in["Os"], in["Architecture"], p.OS, p.Architecture)
	}
	if rd, _ := in["RepoDigests"].([]any); len(rd) != 1 || rd[0] != repoDigest {
		t.Errorf("%s: RepoDigests %v, want [%s] (the index)", ref, rd, repoDigest)
	}
	if got := e.tree(ref)["arch"]; !strings.Contains(got, archSHA(p)) {
		t.Errorf("%s: /arch is %q, want the content %q", ref, got, archContent(p))
	}
}
