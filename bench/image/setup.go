package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

type registry struct {
	addr string
	cmd  *exec.Cmd
}

func startRegistry(work string) (*registry, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(work, "registry"), addr)
	path := filepath.Join(work, "registry.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	r := &registry{addr: addr, cmd: exec.Command("docker-registry", "serve", path)}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	for range 200 {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			return r, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.stop()
	return nil, fmt.Errorf("docker-registry on %s did not start", addr)
}

func (r *registry) stop() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

// seed builds images A (layers 1-5) and B (layers 1-4 of A and a new 6th),
// loads them into a seed berth root and pushes them.
func seed(work, berth, regAddr string, layerMB int) (string, string, error) {
	var layers []ocispec.Descriptor
	var diffIDs []digest.Digest
	blobs := filepath.Join(work, "blobs")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		return "", "", err
	}
	fmt.Printf("generating 6 layers of %d MB of random data (gzip)...\n", layerMB)
	for i := range 6 {
		desc, diffID, err := writeLayer(blobs, i, layerMB<<20)
		if err != nil {
			return "", "", err
		}
		layers, diffIDs = append(layers, desc), append(diffIDs, diffID)
	}
	seedRoot := filepath.Join(work, "seed")
	defer cleanup(seedRoot)
	refs := []string{regAddr + "/bench/a:1", regAddr + "/bench/b:1"}
	sets := [][]int{{0, 1, 2, 3, 4}, {0, 1, 2, 3, 5}}
	for k, set := range sets {
		var ls []ocispec.Descriptor
		var ds []digest.Digest
		for _, i := range set {
			ls, ds = append(ls, layers[i]), append(ds, diffIDs[i])
		}
		archive := filepath.Join(work, fmt.Sprintf("image-%d.tar", k))
		if err := writeArchive(archive, blobs, refs[k], ls, ds); err != nil {
			return "", "", err
		}
		for _, args := range [][]string{{"load", "-q", "-i", archive}, {"push", "-q", refs[k]}} {
			cmd := exec.Command(berth, append([]string{"--root", seedRoot}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				return "", "", fmt.Errorf("berth %v: %w\n%s", args, err, out)
			}
		}
		os.Remove(archive)
	}
	return refs[0], refs[1], nil
}

// writeLayer writes a gzip layer holding one file of size random bytes.
func writeLayer(dir string, i, size int) (ocispec.Descriptor, digest.Digest, error) {
	tmp := filepath.Join(dir, fmt.Sprintf("layer-%d", i))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	defer f.Close()
	blobHash, diffHash := sha256.New(), sha256.New()
	zw, _ := gzip.NewWriterLevel(io.MultiWriter(f, blobHash), gzip.BestSpeed)
	tw := tar.NewWriter(io.MultiWriter(zw, diffHash))
	hdr := &tar.Header{Name: fmt.Sprintf("data/layer-%d.bin", i), Mode: 0o644, Size: int64(size), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	if _, err := io.CopyN(tw, rand.New(rand.NewSource(int64(i)+1)), int64(size)); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	if err := tw.Close(); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	if err := zw.Close(); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	st, err := f.Stat()
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	d := digest.NewDigest(digest.SHA256, blobHash)
	if err := os.Rename(tmp, filepath.Join(dir, d.Encoded())); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: d, Size: st.Size()}, digest.NewDigest(digest.SHA256, diffHash), nil
}

// writeArchive writes an OCI archive of one image named ref.
func writeArchive(path, blobs, ref string, layers []ocispec.Descriptor, diffIDs []digest.Digest) error {
	cfg := ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"}, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: diffIDs}}
	cfg.Config.Cmd = []string{"sh"}
	cfgData, _ := json.Marshal(cfg)
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Layers: layers,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(cfgData), Size: int64(len(cfgData))}}
	m.SchemaVersion = 2
	mData, _ := json.Marshal(m)
	idx := ocispec.Index{Manifests: []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(mData),
		Size: int64(len(mData)), Annotations: map[string]string{"io.containerd.image.name": ref}}}}
	idx.SchemaVersion = 2
	idxData, _ := json.Marshal(idx)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	small := map[string][]byte{"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`), "index.json": idxData,
		"blobs/sha256/" + m.Config.Digest.Encoded(): cfgData, "blobs/sha256/" + digest.FromBytes(mData).Encoded(): mData}
	for name, data := range small {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		tw.Write(data)
	}
	for _, l := range layers {
		if err := copyMember(tw, filepath.Join(blobs, l.Digest.Encoded()), "blobs/sha256/"+l.Digest.Encoded(), l.Size); err != nil {
			return err
		}
	}
	return tw.Close()
}

func copyMember(tw *tar.Writer, src, name string, size int64) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
