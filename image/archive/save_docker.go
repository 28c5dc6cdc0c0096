package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

// saveDocker writes docker save's format as Docker 20.10 does: the config
// as <hex>.json; each layer uncompressed as <id>/layer.tar beside its
// VERSION and v1 json, <id> a v1 ID chained from the parent's; and
// manifest.json and repositories. Images saved twice (by two tags, or by
// tag and ID) are one entry with every tag asked for; an image saved by ID
// only has no tags (RepoTags null), as in Docker.
func (w *writer) saveDocker(ctx context.Context, images []SaveImage) error {
	var manifests []dockerManifest
	index := map[digest.Digest]int{}
	repos := map[string]map[string]string{}
	for _, img := range images {
		tags := familiar(img.Names)
		if i, ok := index[img.Manifest.Digest]; ok {
			manifests[i].RepoTags = appendNew(manifests[i].RepoTags, tags)
			addRepos(repos, tags, manifests[i].Layers)
			continue
		}
		cfg := img.Parsed.Config.Digest.Encoded() + ".json"
		if err := w.blobAs(cfg, img.Parsed.Config.Digest); err != nil {
			return err
		}
		e := dockerManifest{Config: cfg, RepoTags: appendNew(nil, tags)}
		parent := ""
		for i, l := range img.Parsed.Layers {
			if i >= len(img.Config.RootFS.DiffIDs) {
				return fmt.Errorf("image %s: config lists fewer layers than the manifest", img.Manifest.Digest)
			}
			diffID := img.Config.RootFS.DiffIDs[i]
			id := v1ID(parent, diffID)
			if err := w.v1Layer(ctx, id, parent, l.Digest, diffID); err != nil {
				return err
			}
			e.Layers = append(e.Layers, id+"/layer.tar")
			parent = id
		}
		addRepos(repos, tags, e.Layers)
		index[img.Manifest.Digest] = len(manifests)
		manifests = append(manifests, e)
	}
	data, err := json.Marshal(manifests)
	if err != nil {
		return fmt.Errorf("encode manifest.json: %w", err)
	}
	if err := w.bytes("manifest.json", data); err != nil {
		return err
	}
	if len(repos) == 0 {
		return nil // Docker writes no repositories for images saved by ID
	}
	if data, err = json.Marshal(repos); err != nil {
		return fmt.Errorf("encode repositories: %w", err)
	}
	return w.bytes("repositories", data)
}

// v1ID is a layer's directory name: a digest of its parent's and its own
// diff ID, so a layer shared by two images is written once.
func v1ID(parent string, diffID digest.Digest) string {
	sum := sha256.Sum256([]byte(parent + " " + diffID.String()))
	return hex.EncodeToString(sum[:])
}

// v1Layer writes <id>/VERSION, <id>/json and <id>/layer.tar.
func (w *writer) v1Layer(ctx context.Context, id, parent string, d, diffID digest.Digest) error {
	meta := map[string]string{"id": id, "created": "1970-01-01T00:00:00Z"}
	if parent != "" {
		meta["parent"] = parent
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("encode layer %s json: %w", id, err)
	}
	if err := w.bytes(id+"/VERSION", []byte("1.0")); err != nil {
		return err
	}
	if err := w.bytes(id+"/json", js); err != nil {
		return err
	}
	return w.uncompressed(ctx, id+"/layer.tar", d, diffID)
}

// blobAs writes blob d as member name.
func (w *writer) blobAs(name string, d digest.Digest) error {
	if w.written[name] {
		return nil
	}
	b, err := w.cs.Open(d)
	if err != nil {
		return err
	}
	defer b.Close()
	return w.file(name, b.Size(), b)
}

func addRepos(repos map[string]map[string]string, tags, layers []string) {
	if len(layers) == 0 {
		return
	}
	top := strings.TrimSuffix(layers[len(layers)-1], "/layer.tar")
	for _, t := range tags {
		repo := strings.TrimSuffix(t, ":"+tagOf(t))
		if repos[repo] == nil {
			repos[repo] = map[string]string{}
		}
		repos[repo][tagOf(t)] = top
	}
}

// appendNew adds the tags not yet in list; nil stays nil (no tags is
// null in manifest.json, as Docker writes it).
func appendNew(list, tags []string) []string {
	for _, t := range tags {
		dup := false
		for _, have := range list {
			dup = dup || have == t
		}
		if !dup {
			list = append(list, t)
		}
	}
	return list
}
