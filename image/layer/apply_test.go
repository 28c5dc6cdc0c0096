package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// capNetBindService is a VFS_CAP_REVISION_2 security.capability value
// granting CAP_NET_BIND_SERVICE, effective.
var capNetBindService = string([]byte{1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: owners, device nodes and trusted.* xattrs")
	}
}

func withXattrs(e ent, kv ...string) ent {
	e.hdr.PAXRecords = map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		e.hdr.PAXRecords["SCHILY.xattr."+kv[i]] = kv[i+1]
	}
	return e
}

func owned(e ent, uid, gid int) ent {
	e.hdr.Uid, e.hdr.Gid = uid, gid
	return e
}

func TestApplyTree(t *testing.T) {
	requireRoot(t)
	layer := tarOf(t,
		dir("./", 0o755),
		dir("etc/", 0o755),
		file("etc/passwd", "root:x:0:0\n", 0o644),
		hardlink("etc/passwd.link", "etc/passwd"),
		file("/abs/file", "abs", 0o600), // absolute: taken as root-relative
		file("bin/su", "su", 0o4755),    // bin/ is implicit
		owned(file("usr/bin/sg", "sg", 0o2755), 0, 42),
		owned(file("home/u/owned", "u", 0o640), 1000, 1001),
		symlink("bin/sh", "busybox"),
		device("dev/null", tar.TypeChar, 1, 3, 0o666),
		device("dev/sda", tar.TypeBlock, 8, 0, 0o660),
		device("run/fifo", tar.TypeFifo, 0, 0, 0o600),
		withXattrs(file("etc/xattr", "x", 0o644),
			"user.foo", "bar", "trusted.berth", "t", "security.capability", capNetBindService,
			"trusted.overlay.redirect", "/etc", "security.evil", "no"),
		file(".wh.gone", "", 0o644),
		dir("opq/", 0o755),
		file("opq/.wh..wh..opq", "", 0o644),
		file("opq/kept", "k", 0o644),
		file("same", "same layer", 0o644),
		file(".wh.same", "", 0o644), // a whiteout hides lower layers only
		file("dup", "one", 0o644),
		file("dup", "two", 0o600),
		dir("d2/", 0o755),
		file("d2/x", "x", 0o644),
		file("d2", "now a file", 0o644),
		symlink("s", "/etc/passwd"),
		file("s", "replaced the symlink", 0o644),
	)
	root := t.TempDir()
	n, err := Apply(t.Context(), root, bytes.NewReader(layer), ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(layer)) {
		t.Errorf("Apply read %d bytes, the stream has %d", n, len(layer))
	}
	want := map[string]string{
		"etc":             `dir 0755 0:0`,
		"etc/passwd":      `file 0644 0:0 "root:x:0:0\n"`,
		"etc/passwd.link": `file 0644 0:0 "root:x:0:0\n"`,
		"abs":             `dir 0755 0:0`,
		"abs/file":        `file 0600 0:0 "abs"`,
		"bin":             `dir 0755 0:0`,
		"bin/su":          `file 4755 0:0 "su"`,
		"bin/sh":          `symlink -> busybox`,
		"usr":             `dir 0755 0:0`,
		"usr/bin":         `dir 0755 0:0`,
		"usr/bin/sg":      `file 2755 0:42 "sg"`,
		"home":            `dir 0755 0:0`,
		"home/u":          `dir 0755 0:0`,
		"home/u/owned":    `file 0640 1000:1001 "u"`,
		"dev":             `dir 0755 0:0`,
		"dev/null":        `char 1:3 0666 0:0`,
		"dev/sda":         `block 8:0 0660 0:0`,
		"run":             `dir 0755 0:0`,
		"run/fifo":        `fifo 0600 0:0`,
		"etc/xattr": `file 0644 0:0 "x" [security.capability="\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" ` +
			`trusted.berth="t" user.foo="bar"]`,
		"gone":     `char 0:0 0000 0:0`,
		"opq":      `dir 0755 0:0 [trusted.overlay.opaque="y"]`,
		"opq/kept": `file 0644 0:0 "k"`,
		"same":     `file 0644 0:0 "same layer"`,
		"dup":      `file 0600 0:0 "two"`,
		"d2":       `file 0644 0:0 "now a file"`,
		"s":        `file 0644 0:0 "replaced the symlink"`,
	}
	diffTrees(t, describe(t, root), want)
	var a, b unix.Stat_t
	if unix.Lstat(filepath.Join(root, "etc/passwd"), &a) != nil || unix.Lstat(filepath.Join(root, "etc/passwd.link"), &b) != nil || a.Ino != b.Ino {
		t.Errorf("etc/passwd.link is not a hardlink of etc/passwd")
	}
}

// TestApplyTimes: mtimes as in the tar, directories' too although files
// were created in them after.
func TestApplyTimes(t *testing.T) {
	requireRoot(t)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	d := dir("d/", 0o755)
	d.hdr.ModTime = old
	layer := tarOf(t, d, file("d/f", "f", 0o644), symlink("d/l", "f"), file("d/.wh.x", "", 0o644))
	root := t.TempDir()
	if _, err := Apply(t.Context(), root, bytes.NewReader(layer), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Time{"d": old, "d/f": testTime, "d/l": testTime} {
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(want) {
			t.Errorf("%s mtime = %v, want %v", name, fi.ModTime(), want)
		}
	}
}

func TestApplyBigFileStreams(t *testing.T) {
	requireRoot(t)
	const size = 24<<20 + 123
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	root := t.TempDir()
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "big", Mode: 0o644, Size: size})
		if err == nil {
			_, err = tw.Write(body)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	if _, err := Apply(t.Context(), root, pr, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "big"))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(body) {
		t.Errorf("big file content differs (%d bytes, want %d)", len(got), size)
	}
}

func TestApplyBrokenStreams(t *testing.T) {
	requireRoot(t)
	whole := tarOf(t, dir("usr/", 0o755), dir("usr/bin/", 0o755), file("usr/bin/x", strings.Repeat("x", 5000), 0o755))
	tests := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"truncated in content", whole[:3*512+1000], "layer: unexpected EOF in entry usr/bin/x"},
		{"truncated in header", whole[:512+100], "layer: unexpected EOF in the tar header after entry usr/"},
		{"not a tar", bytes.Repeat([]byte("not a tar stream\n"), 100), "layer: not a tar stream"},
		{"short garbage", []byte("hello"), "layer: unexpected EOF in the first tar header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apply(t.Context(), t.TempDir(), bytes.NewReader(tc.stream), ApplyOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestApplyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Apply(ctx, t.TempDir(), bytes.NewReader(tarOf(t, file("a", "a", 0o644))), ApplyOptions{})
	if err == nil {
		t.Error("Apply with a cancelled context succeeded")
	}
}

func TestDecompress(t *testing.T) {
	payload := tarOf(t, file("hello", strings.Repeat("hello world ", 1000), 0o644))
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	if _, err := gw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		stream []byte
		want   Compression
	}{
		{"gzip", gz.Bytes(), Gzip},
		{"zstd", zs.Bytes(), Zstd},
		{"none", payload, Uncompressed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc, c, err := Decompress(bytes.NewReader(tc.stream))
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if c != tc.want {
				t.Errorf("compression = %v, want %v", c, tc.want)
			}
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Errorf("decompressed %d bytes differ from the %d written", len(got), len(payload))
			}
		})
	}
	if _, _, err := Decompress(bytes.NewReader([]byte{0x1f, 0x8b, 0})); err == nil {
		t.Error("a broken gzip header was accepted")
	}
}

// TestApplyImplicitDirsCopyLower: a directory the layer writes into
// without listing it keeps the owner and mode it has below.
func TestApplyImplicitDirsCopyLower(t *testing.T) {
	requireRoot(t)
	lower, root := t.TempDir(), t.TempDir()
	for name, mode := range map[string]os.FileMode{"tmp": 0o777 | os.ModeSticky, "opt": 0o750} {
		if err := os.Mkdir(filepath.Join(lower, name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(lower, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(lower, "opt"), 5, 6); err != nil {
		t.Fatal(err)
	}
	layer := tarOf(t, file("tmp/x", "x", 0o644), file("opt/y", "y", 0o644), file("new/z", "z", 0o644))
	if _, err := Apply(t.Context(), root, bytes.NewReader(layer), ApplyOptions{Parents: []string{lower}}); err != nil {
		t.Fatal(err)
	}
	diffTrees(t, describe(t, root), map[string]string{
		"tmp": `dir 1777 0:0`, "tmp/x": `file 0644 0:0 "x"`,
		"opt": `dir 0750 5:6`, "opt/y": `file 0644 0:0 "y"`,
		"new": `dir 0755 0:0`, "new/z": `file 0644 0:0 "z"`,
	})
}
