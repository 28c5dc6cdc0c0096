//go:build critest

package clients_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// critestImage is one image critest pulls by a fixed public name, as we
// build it: the busybox layer, extra files, and the config's user and
// command. The names are the ones in cri-tools' pkg/validate and
// pkg/framework; the behaviours are those the specs observe (nginx writes
// its pid file and serves port 80, nonewprivs prints its effective uid).
type critestImage struct {
	refs       []string // public names; the path is what the mirror serves
	files      map[string]layerFile
	user       string
	entrypoint []string
	cmd        []string
}

const (
	e2eImages = "registry.k8s.io/e2e-test-images/"
	criImages = "gcr.io/k8s-staging-cri-tools/"
)

// Users the user images name, on top of busybox's /etc.
var critestEtc = map[string]layerFile{
	"etc/passwd": {0o644, []byte("root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n" +
		"www-data:x:33:33:www-data:/var/www:/bin/false\ndefault-user:x:1000:1000::/home/default-user:/bin/sh\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
	"etc/group": {0o644, []byte("root:x:0:\ndaemon:x:1:\ntty:x:5:\nwww-data:x:33:\nusers:x:100:\ndefault-user:x:1000:\n" +
		"group-defined-in-image:x:50000:default-user\nnogroup:x:65534:\n")},
}

func critestImages(nonewprivs []byte) []critestImage {
	// nginx: busybox's httpd under a binary named nginx (pidof looks at
	// the process name), started by a shell that leaves nginx's pid file;
	// its command line says "master process", as nginx's title does.
	nginx := func(port string) critestImage {
		return critestImage{
			files: map[string]layerFile{"usr/share/nginx/html/index.html": {0o644, []byte("<h1>Welcome to nginx!</h1>\n")}},
			entrypoint: []string{"sh", "-c", "mkdir -p /var/run && echo $$ > /var/run/nginx.pid && " +
				"exec -a httpd /usr/sbin/nginx -f -p " + port + " -h /usr/share/nginx/html 'master process'"},
		}
	}
	web := nginx("80")
	web.refs = []string{e2eImages + "nginx:1.14-2", e2eImages + "httpd:2.4.39-4"}
	hostnet := nginx("12003")
	hostnet.refs = []string{criImages + "hostnet-nginx-" + goruntime.GOARCH + ":latest"}
	pause := []string{"sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait; done"}
	imgs := []critestImage{
		{refs: []string{e2eImages + "busybox:1.29-2"}, cmd: []string{"sh"}},
		// Apart from busybox: the image specs remove what they pull, by ID.
		{refs: []string{criImages + "test-image-latest:latest",
			criImages + "test-image-tag:test", criImages + "test-image-tag:all",
			criImages + "test-image-tags:1", criImages + "test-image-tags:2", criImages + "test-image-tags:3"},
			files: map[string]layerFile{"test-image": {0o644, []byte("x\n")}}, cmd: []string{"sh"}},
		{refs: []string{"registry.k8s.io/pause:3.9", "k8s.gcr.io/pause:3.9"}, entrypoint: pause},
		{refs: []string{e2eImages + "nonewprivs:1.3"}, files: map[string]layerFile{"usr/local/bin/nnp": {0o4755, nonewprivs}},
			entrypoint: []string{"/usr/local/bin/nnp"}},
		{refs: []string{criImages + "test-image-predefined-group:latest"}, user: "1000", cmd: []string{"sh"}},
		web, hostnet,
	}
	for i := 1; i <= 3; i++ {
		// Different images: each has a file of its own.
		imgs = append(imgs, critestImage{refs: []string{fmt.Sprintf("%stest-image-%d:latest", criImages, i)},
			files: map[string]layerFile{fmt.Sprintf("test-image-%d", i): {0o644, []byte("x\n")}}, cmd: []string{"sh"}})
	}
	for _, u := range [][2]string{{"uid", "1002"}, {"username", "www-data"}, {"uid-group", "1003:1004"}, {"username-group", "www-data:1004"}} {
		imgs = append(imgs, critestImage{refs: []string{criImages + "test-image-user-" + u[0] + ":latest"}, user: u[1], cmd: []string{"sh"}})
	}
	return imgs
}

// pushCritestImages builds every image on the busybox rootfs tarball and
// pushes it to the registry at addr under the path of each public name.
func pushCritestImages(t *testing.T, addr string) {
	t.Helper()
	rootTar, _ := testImages(t)
	base, err := tarball.LayerFromFile(rootTar, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatalf("busybox layer: %v", err)
	}
	nginxBin, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	common := maps.Clone(critestEtc)
	common["usr/sbin/nginx"] = layerFile{0o755, nginxBin}
	// busybox-static has no ipcs: the host's, with its libraries.
	addHostProgram(t, common, "/usr/bin/ipcs", "usr/local/bin/ipcs")
	etc, err := fileLayer(common)
	if err != nil {
		t.Fatalf("critest /etc layer: %v", err)
	}
	for _, ci := range critestImages(buildNoNewPrivs(t)) {
		img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), base, etc)
		if err != nil {
			t.Fatal(err)
		}
		if ci.files != nil {
			l, err := fileLayer(ci.files)
			if err != nil {
				t.Fatal(err)
			}
			if img, err = mutate.AppendLayers(img, l); err != nil {
				t.Fatal(err)
			}
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", goruntime.GOARCH
		cf.Config = v1.Config{User: ci.user, Entrypoint: ci.entrypoint, Cmd: ci.cmd,
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		for _, ref := range ci.refs {
			public, err := name.ParseReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			local, err := name.ParseReference(addr+"/"+public.Context().RepositoryStr()+":"+public.Identifier(), name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(local, img); err != nil {
				t.Fatalf("push %s as %s: %v", ref, local, err)
			}
		}
	}
}

// addHostProgram adds the host's dynamic program bin at dst, with the
// libraries ldd names at their host paths.
func addHostProgram(t *testing.T, files map[string]layerFile, bin, dst string) {
	t.Helper()
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", bin, err)
	}
	paths := map[string]string{bin: dst}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "/") {
			paths[f] = strings.TrimPrefix(f, "/")
		}
	}
	for src, dst := range paths {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		files[dst] = layerFile{0o755, data}
	}
}

// buildNoNewPrivs builds the program of the e2e nonewprivs image: it
// prints its effective uid (the image makes it setuid root).
func buildNoNewPrivs(t *testing.T) []byte {
	t.Helper()
	prog := "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Printf(\"Effective uid: %d\\n\", os.Geteuid()) }\n"
	data, err := os.ReadFile(testutil.BuildStatic(t, "nnp", prog))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// layerFile is a regular file of a layer built in memory.
type layerFile struct {
	mode int64
	data []byte
}

// fileLayer is a layer of files (parents are made by the unpacker).
func fileLayer(files map[string]layerFile) (v1.Layer, error) {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for n, f := range files {
		if err := w.WriteHeader(&tar.Header{Name: n, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
}
