package archive

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image/layer"
)

// Formats of Save.
const (
	FormatDocker = "docker"
	FormatOCI    = "oci"
)

// SaveImage is an image to save with the names to write for it.
type SaveImage struct {
	Names    []string // canonical names such as docker.io/library/busybox:latest
	Manifest ocispec.Descriptor
	Parsed   ocispec.Manifest
	Config   ocispec.Image
}

// writer writes a tar of blobs, each once.
type writer struct {
	cs      *content.Store
	tw      *tar.Writer
	written map[string]bool
}

func (w *writer) bytes(name string, data []byte) error {
	return w.file(name, int64(len(data)), strings.NewReader(string(data)))
}

func (w *writer) file(name string, size int64, r io.Reader) error {
	if w.written[name] {
		return nil
	}
	w.written[name] = true
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write archive member %s: %w", name, err)
	}
	if _, err := io.Copy(w.tw, r); err != nil {
		return fmt.Errorf("write archive member %s: %w", name, err)
	}
	return nil
}

func (w *writer) blob(d digest.Digest) error {
	return w.blobAs("blobs/sha256/"+d.Encoded(), d)
}

// Save writes images to out as one archive in format (FormatDocker or
// FormatOCI).
func Save(ctx context.Context, cs *content.Store, out io.Writer, images []SaveImage, format string) error {
	w := &writer{cs: cs, tw: tar.NewWriter(out), written: map[string]bool{}}
	var err error
	switch format {
	case FormatDocker, "":
		err = w.saveDocker(ctx, images)
	case FormatOCI:
		err = w.saveOCI(images)
	default:
		return fmt.Errorf("unknown archive format %q: use docker or oci", format)
	}
	if err != nil {
		return err
	}
	if err := w.tw.Close(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	return nil
}

func (w *writer) saveOCI(images []SaveImage) error {
	if err := w.bytes(ocispec.ImageLayoutFile, []byte(`{"imageLayoutVersion":"`+ocispec.ImageLayoutVersion+`"}`)); err != nil {
		return err
	}
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
	idx.SchemaVersion = 2
	for _, img := range images {
		blobs := append([]ocispec.Descriptor{img.Manifest, img.Parsed.Config}, img.Parsed.Layers...)
		for _, d := range blobs {
			if err := w.blob(d.Digest); err != nil {
				return err
			}
		}
		if len(img.Names) == 0 {
			idx.Manifests = append(idx.Manifests, img.Manifest)
		}
		for _, n := range img.Names {
			d := img.Manifest
			// containerd's convention: the full name, and the tag alone
			// as the OCI ref name (skopeo's oci-archive:file:tag).
			d.Annotations = map[string]string{"io.containerd.image.name": n, ocispec.AnnotationRefName: tagOf(n)}
			idx.Manifests = append(idx.Manifests, d)
		}
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("encode index.json: %w", err)
	}
	return w.bytes("index.json", data)
}

func tagOf(name string) string {
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[i+1:]
	}
	return "latest"
}

// uncompressed writes blob d decompressed as member name. A tar member needs
// its size first, so the layer is decompressed into a temp file beside the
// store (never into memory), checked against diffID, then copied.
func (w *writer) uncompressed(ctx context.Context, name string, d, diffID digest.Digest) error {
	if w.written[name] {
		return nil
	}
	b, err := w.cs.Open(d)
	if err != nil {
		return err
	}
	defer b.Close()
	rc, _, err := layer.Decompress(b)
	if err != nil {
		return fmt.Errorf("layer %s: %w", d, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(filepath.Join(w.cs.Root(), "ingest"), "save-*.tar")
	if err != nil {
		return fmt.Errorf("layer %s: %w", d, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), rc)
	if err != nil {
		return fmt.Errorf("decompress layer %s: %w", d, err)
	}
	if got := digest.NewDigest(digest.SHA256, h); got != diffID {
		return fmt.Errorf("layer %s decompresses to %s, config says %s: the store is corrupt (pull the image again)", d, got, diffID)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return w.file(name, n, tmp)
}

func familiar(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if strings.Contains(n, "@") {
			continue // docker save records tags only
		}
		s := strings.TrimPrefix(n, "docker.io/")
		if rest, ok := strings.CutPrefix(s, "library/"); ok && !strings.Contains(rest, "/") {
			s = rest
		}
		out = append(out, s)
	}
	return out
}
