package image_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/snapshot/overlay"
)

// inspect returns berth image inspect's JSON for ref.
func (e *env) inspect(ref string) map[string]any {
	e.t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(e.ok("image", "inspect", ref)), &out); err != nil || len(out) != 1 {
		e.t.Fatalf("image inspect %s: %v %v", ref, out, err)
	}
	return out[0]
}

func diffIDs(t *testing.T, inspect map[string]any) []digest.Digest {
	var ids []digest.Digest
	for _, l := range inspect["RootFS"].(map[string]any)["Layers"].([]any) {
		ids = append(ids, digest.Digest(l.(string)))
	}
	return ids
}

// tree mounts a read-only view of ref's unpacked layers and describes
// every file in it: type, mode, owner, size, content hash, link target,
// device number, user xattrs, and which paths share an inode.
func (e *env) tree(ref string) map[string]string {
	e.t.Helper()
	ids := diffIDs(e.t, e.inspect(ref))
	chains := unpack.ChainIDs(ids)
	sn, err := overlay.New(filepath.Join(e.root, "snapshots", "overlay"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer sn.Close()
	ctx := context.Background()
	key := fmt.Sprintf("test-view-%d", os.Getpid())
	mounts, err := sn.View(ctx, key, chains[len(chains)-1].String(), nil)
	if err != nil {
		e.t.Fatalf("view %s: %v", ref, err)
	}
	defer sn.Remove(ctx, key)
	target := e.t.TempDir()
	for _, m := range mounts {
		if err := m.Mount(target); err != nil {
			e.t.Fatalf("mount view of %s: %v", ref, err)
		}
	}
	defer unix.Unmount(target, unix.MNT_DETACH)
	return describe(e.t, target)
}

func describe(t *testing.T, root string) map[string]string {
	out := map[string]string{}
	inodes := map[uint64][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		s := fmt.Sprintf("mode=%o uid=%d gid=%d", st.Mode, st.Uid, st.Gid)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s += fmt.Sprintf(" size=%d sha=%x", len(data), sha256.Sum256(data))
			if st.Nlink > 1 {
				inodes[st.Ino] = append(inodes[st.Ino], rel)
			}
		case unix.S_IFLNK:
			l, _ := os.Readlink(p)
			s += " -> " + l
		case unix.S_IFCHR, unix.S_IFBLK:
			s += fmt.Sprintf(" dev=%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		}
		if v := xattr(p, "user.berth"); v != "" {
			s += " user.berth=" + v
		}
		out[rel] = s
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	for _, paths := range inodes {
		sort.Strings(paths)
		for _, p := range paths {
			out[p] += " links=" + strings.Join(paths, ",")
		}
	}
	return out
}

func xattr(p, name string) string {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func diffTrees(t *testing.T, a, b map[string]string) {
	t.Helper()
	for p, v := range a {
		if b[p] != v {
			t.Errorf("%s: %q vs %q", p, v, b[p])
		}
	}
	for p, v := range b {
		if _, ok := a[p]; !ok {
			t.Errorf("%s only in second tree: %q", p, v)
		}
	}
}
