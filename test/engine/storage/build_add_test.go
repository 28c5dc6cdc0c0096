package storage_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// layerTar is a small tar archive with a directory, a file owned by 1000
// and an entry that tries to climb out of where it is unpacked.
func layerTar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "dir/", Typeflag: tar.TypeDir, Mode: 0o750},
		{Name: "dir/file", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 1000, Gid: 1000, Size: 5},
		{Name: "../../evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5},
	} {
		h.ModTime = time.Unix(1700000000, 0)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("data\n"))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compressWith pipes data through a compressor binary (bzip2, xz, zstd).
func compressWith(t *testing.T, data []byte, argv ...string) []byte {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("%s: %v", argv[0], err)
	}
	return out
}

// TestBuildAdd: ADD unpacks local tar archives (plain, gzip, bzip2, xz,
// zstd) with their owners, keeps every entry inside the destination,
// copies a compressed non-tar as it is, and downloads URLs (0600, named
// after the URL, --checksum checked, --chmod and --chown applied).
func TestBuildAdd(t *testing.T) {
	e := newEnv(t)
	raw := layerTar(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	var notTar bytes.Buffer
	zw = gzip.NewWriter(&notTar)
	zw.Write([]byte("just text\n"))
	zw.Close()

	served := []byte("served over http\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/dl/file.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT")
		w.Write(served)
	})
	mux.HandleFunc("/dl/a.tar", func(w http.ResponseWriter, r *http.Request) { w.Write(raw) })
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String() + "/dl/"
	sum := fmt.Sprintf("sha256:%x", sha256.Sum256(served))

	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox\n" +
			"ADD a.tar /x/plain\nADD a.tar.gz /x/gz/\nADD a.tar.bz2 /x/bz2\nADD a.tar.xz /x/xz\nADD a.tar.zst /x/zst\n" +
			"ADD text.gz /y/\n" +
			"ADD " + base + "file.txt /u/\n" +
			"ADD --checksum=" + sum + " " + base + "file.txt /u/checked\n" +
			"ADD --chmod=0755 --chown=1:2 " + base + "file.txt /u/owned\n" +
			"ADD " + base + "a.tar /v/\n" +
			"COPY --chown=1000:1000 --chmod=0700 copied /c\n",
		"copied": "c\n",
	})
	for name, data := range map[string][]byte{"a.tar": raw, "a.tar.gz": gz.Bytes(), "text.gz": notTar.Bytes(),
		"a.tar.bz2": compressWith(t, raw, "bzip2", "-c"), "a.tar.xz": compressWith(t, raw, "xz", "-c"),
		"a.tar.zst": compressWith(t, raw, "zstd", "-q", "-c")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.Run("build", "--progress", "plain", "-t", "add:1", dir); r.ExitCode != 0 {
		t.Fatalf("build: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	script := `for k in plain gz bz2 xz zst; do stat -c "$k %a %u %g %s" /x/$k/dir/file; cat /x/$k/evil; done
test ! -e /evil && test ! -e /x/evil
stat -c "%n %F" /y/text.gz
stat -c "%n %a %u %Y" /u/file.txt /u/checked
stat -c "%n %a %u %g" /u/owned /c
stat -c "%n %F" /v/a.tar
cat /u/file.txt`
	got := e.Must("run", "--rm", "add:1", "sh", "-c", script)
	var want strings.Builder
	for _, k := range []string{"plain", "gz", "bz2", "xz", "zst"} {
		fmt.Fprintf(&want, "%s 640 1000 1000 5\ndata\n", k)
	}
	want.WriteString("/y/text.gz regular file\n/u/file.txt 600 0 1700000000\n/u/checked 600 0 1700000000\n" +
		"/u/owned 755 1 2\n/c 700 1000 1000\n/v/a.tar regular file\nserved over http\n")
	if got != want.String() {
		t.Errorf("the image has:\n%s\nwant:\n%s", got, want.String())
	}

	for _, c := range []struct{ dockerfile, want string }{
		{"FROM busybox\nADD --checksum=sha256:" + strings.Repeat("0", 64) + " " + base + "file.txt /f\n", "digest mismatch"},
		{"FROM busybox\nADD --checksum=" + sum + " a.tar /f\n", "checksum can't be specified for non-HTTP(S) sources"},
		{"FROM busybox\nADD " + base + "missing /f\n", "invalid response status 404"},
	} {
		d := testutil.WriteTree(t, map[string]string{"Dockerfile": c.dockerfile, "a.tar": string(raw)})
		if r := e.Run("build", d); r.ExitCode == 0 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant %q", c.dockerfile, r.ExitCode, r.Stderr, c.want)
		}
	}
}

// TestBuildCopyOutsideContext: COPY through a symlink that leads out of
// the context is refused, a symlink source is copied as a link (never
// read through), and nothing of the host's /etc reaches the image.
func TestBuildCopyOutsideContext(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ dockerfile, want string }{
		{"FROM busybox\nCOPY out/passwd /p\n", "a directory on its path is a symlink"},
		{"FROM busybox\nCOPY ../../etc/passwd /p\n", "forbidden path outside the build context"},
		{"FROM busybox\nADD out/hostname /p\n", "a directory on its path is a symlink"},
	} {
		dir := testutil.WriteTree(t, map[string]string{"Dockerfile": c.dockerfile})
		if err := os.Symlink("/etc", filepath.Join(dir, "out")); err != nil {
			t.Fatal(err)
		}
		if r := e.Run("build", dir); r.ExitCode == 0 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant %q", c.dockerfile, r.ExitCode, r.Stderr, c.want)
		}
	}
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY link /l\nCOPY . /ctx/\n"})
	if err := os.Symlink("/etc/shadow", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	e.Must("build", "-t", "links:1", dir)
	if got := e.Must("run", "--rm", "links:1", "sh", "-c", "readlink /l; readlink /ctx/link"); got != "/etc/shadow\n/etc/shadow\n" {
		t.Errorf("the symlinks are %q, want links to /etc/shadow", got)
	}
	if ps := e.Must("ps", "-aq"); ps != "" {
		t.Errorf("builds left containers: %s", ps)
	}
}
