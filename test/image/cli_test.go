package image_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestLoginLogout against a registry with htpasswd basic auth.
func TestLoginLogout(t *testing.T) {
	a := newEnv(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{User: "alice", Password: "s3cret"})
	a.ok("pull", "busybox")
	ref := reg.Addr + "/private/bb:1"
	a.ok("tag", "busybox", ref)
	if errOut := a.fail(1, "push", ref); !strings.Contains(errOut, "berth login "+reg.Addr) {
		t.Errorf("push without login should say to log in: %s", errOut)
	}
	if errOut := a.fail(1, "login", "-u", "alice", "-p", "wrong", reg.Addr); !strings.Contains(errOut, "unauthorized") {
		t.Errorf("login with a wrong password: %s", errOut)
	}
	if out := a.ok("login", "-u", "alice", "-p", "s3cret", reg.Addr); !strings.Contains(out, "Login Succeeded") {
		t.Errorf("login: %q", out)
	}
	if got := storedAuth(t, a.conf, reg.Addr); got != "alice:s3cret" {
		t.Fatalf("config.json after login has %q", got)
	}
	a.ok("push", ref)
	b := newEnv(t)
	b.conf = a.conf // the same credentials, another store
	b.ok("pull", ref)
	a.ok("logout", reg.Addr)
	if got := storedAuth(t, a.conf, reg.Addr); got != "" {
		t.Errorf("config.json after logout still has %q", got)
	}
	c := newEnv(t)
	c.conf = a.conf
	c.fail(1, "pull", ref)
}

// TestBusyboxOffline: busybox (any tag) resolves to the built-in image
// with no registry, the same ID in every root.
func TestBusyboxOffline(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	out := a.ok("pull", "busybox:1.36")
	if !strings.Contains(out, "built-in busybox") {
		t.Errorf("pull busybox does not say it is built in: %s", out)
	}
	b.ok("pull", "docker.io/library/busybox")
	if a.inspect("busybox:1.36")["Id"] != b.inspect("busybox")["Id"] {
		t.Error("built-in busybox differs between roots: not deterministic")
	}
	if tr := a.tree("busybox:1.36"); !strings.Contains(tr["bin/sh"], "-> busybox") || !strings.Contains(tr["bin/busybox"], "uid=0") {
		t.Errorf("busybox tree: sh=%q busybox=%q", tr["bin/sh"], tr["bin/busybox"])
	}
	if cmd := a.inspect("busybox:1.36")["Config"].(map[string]any)["Cmd"]; len(cmd.([]any)) != 1 || cmd.([]any)[0] != "sh" {
		t.Errorf("Cmd = %v", cmd)
	}
}

// TestImagesRmiPrune covers listing, tagging, the dangling image a re-tag
// leaves, rmi and prune with blob and snapshot collection.
func TestImagesRmiPrune(t *testing.T) {
	e := newEnv(t)
	e.ok("load", "-i", ociArchive(t, "app:1", [][]byte{randomLayer(t, "a", 4096, 1)}))
	e.ok("tag", "app:1", "app:latest")
	if out := e.ok("images", "--format", "{{.Repository}}:{{.Tag}}"); out != "app:1\napp:latest\n" {
		t.Errorf("images --format: %q", out)
	}
	if out := e.ok("image", "ls", "--filter", "label=berth.test=app:1", "-q"); len(strings.TrimSpace(out)) != 12 {
		t.Errorf("images --filter label -q: %q", out)
	}
	// Loading another image as app:1 leaves the old one under app:latest.
	e.ok("load", "-i", ociArchive(t, "app:1", [][]byte{randomLayer(t, "b", 4096, 2)}))
	e.ok("rmi", "app:latest")
	if out := e.ok("images", "--filter", "dangling=true", "-q"); out != "" {
		t.Errorf("dangling after rmi: %q", out)
	}
	e.ok("load", "-i", ociArchive(t, "app:1", [][]byte{randomLayer(t, "c", 4096, 3)}))
	if out := e.ok("images", "--filter", "dangling=true", "--format", "{{.Repository}} {{.Tag}}"); out != "<none> <none>\n" {
		t.Errorf("dangling after re-load: %q", out)
	}
	if out := e.ok("image", "prune", "-f"); !strings.Contains(out, "deleted: sha256:") {
		t.Errorf("prune: %q", out)
	}
	if out := e.ok("image", "prune", "-a", "-f"); !strings.Contains(out, "untagged: app:1") {
		t.Errorf("prune -a: %q", out)
	}
	blobs, _ := storeState(t, e)
	snaps, _ := os.ReadDir(filepath.Join(e.root, "snapshots", "overlay", "snapshots"))
	if len(blobs) != 0 || len(snaps) != 0 {
		t.Errorf("after prune -a: blobs %v, snapshot dirs %d", blobs, len(snaps))
	}
}

// TestExitCodes: as Docker's CLI, a flag it cannot parse exits 125, any
// other failure (a wrong argument count, an unknown command) 1; a missing
// image is worded as Docker's.
func TestExitCodes(t *testing.T) {
	e := newEnv(t)
	e.fail(125, "images", "--bogus")
	e.fail(1, "tag", "only-one")
	e.fail(1, "nosuchcommand")
	if errOut := e.fail(1, "rmi", "nosuch:1"); !strings.Contains(errOut, "Error: No such image: nosuch:1") {
		t.Errorf("rmi of a missing image: %s", errOut)
	}
	if errOut := e.fail(1, "pull", "127.0.0.1:1/none:1"); !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("pull from nowhere: %s", errOut)
	}
}
