package clients_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/berth-containers/berth/image/build"
	"github.com/berth-containers/berth/internal/busyboxfs"
	"github.com/berth-containers/berth/test/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// imageRef is the name every client knows the test image by. Nothing is
// pulled: the image is built here from the host's busybox.
const imageRef = "docker.io/library/busybox:latest"

var (
	imagesOnce sync.Once
	rootfsTar  string // the busybox rootfs as a plain tar, for `import`
	ociArchive string // an OCI image layout in a tar, for `ctr images import`
	imagesErr  error
)

// testImages builds the busybox rootfs tar and the OCI archive once per
// test binary, in the suite dir.
func testImages(t testing.TB) (rootfs, oci string) {
	t.Helper()
	imagesOnce.Do(func() { rootfsTar, ociArchive, imagesErr = buildImages() })
	if imagesErr != nil {
		t.Fatal(imagesErr)
	}
	return rootfsTar, ociArchive
}

func buildImages() (string, string, error) {
	base, err := testutil.SuiteDir()
	if err != nil {
		return "", "", err
	}
	dir, err := os.MkdirTemp(base, "images")
	if err != nil {
		return "", "", fmt.Errorf("images dir: %w", err)
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := busyboxfs.Build(rootfs, ""); err != nil {
		return "", "", err
	}
	rootTar := filepath.Join(dir, "busybox-rootfs.tar")
	if err := writeTar(rootTar, rootfs); err != nil {
		return "", "", err
	}
	layer, err := tarball.LayerFromFile(rootTar, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return "", "", fmt.Errorf("busybox layer: %w", err)
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return "", "", fmt.Errorf("busybox image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return "", "", fmt.Errorf("busybox image: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", goruntime.GOARCH
	cf.Config.Cmd = []string{"sh"}
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return "", "", fmt.Errorf("busybox image: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	ociTar := filepath.Join(dir, "busybox-oci.tar")
	if err := writeOCIArchive(ociTar, filepath.Join(dir, "oci"), img); err != nil {
		return "", "", fmt.Errorf("busybox OCI archive: %w", err)
	}
	return rootTar, ociTar, nil
}

// writeOCIArchive writes img as an OCI image layout in dir, then tars dir
// to path: what `ctr images import` reads.
func writeOCIArchive(path, dir string, img v1.Image) error {
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	writeBlob := func(h v1.Hash, data []byte) error {
		return os.WriteFile(filepath.Join(blobs, h.Hex), data, 0o644)
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		h, err := l.Digest()
		if err != nil {
			return err
		}
		if err := writeBlob(h, data); err != nil {
			return err
		}
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	configName, err := img.ConfigName()
	if err != nil {
		return err
	}
	if err := writeBlob(configName, config); err != nil {
		return err
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	desc, err := partial.Descriptor(img)
	if err != nil {
		return err
	}
	if err := writeBlob(desc.Digest, manifest); err != nil {
		return err
	}
	desc.Platform = &v1.Platform{OS: "linux", Architecture: goruntime.GOARCH}
	// The annotations containerd's own exporter writes: ctr import names
	// the image after io.containerd.image.name.
	desc.Annotations = map[string]string{
		"io.containerd.image.name":          imageRef,
		"org.opencontainers.image.ref.name": "latest",
	}
	index, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{*desc}})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return err
	}
	return writeTar(path, dir)
}

func writeTar(path, dir string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := build.WriteTar(f, dir, time.Unix(0, 0)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
