package rootless_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildDockerfile is a tiny build with every kind of step whose files or
// process go through the user's namespace: a RUN as the store's root, a
// COPY --chown to an id in the subordinate range, a cache mount, a RUN
// with no network, and USER. The built-in busybox has no adduser: the
// account is written by hand.
const buildDockerfile = `FROM busybox
RUN echo built > /built && echo app:x:1234:1234::/home/app:/bin/sh >> /etc/passwd && echo app:x:1234: >> /etc/group && mkdir -p /home/app
COPY --chown=app:app f.txt /home/app/f.txt
RUN --mount=type=cache,target=/cache echo x > /cache/x
RUN --network=none ip -o link | wc -l > /links
USER app
CMD ["cat", "/home/app/f.txt"]
`

// TestRootlessBuild builds as the user, from a relative context (its
// working directory survives the join of the store's namespace), and
// checks owners inside and on disk, the cache on a rebuild, a RUN with
// no network, and that a second user sees nothing of it.
func TestRootlessBuild(t *testing.T) {
	e := newEnv(t)
	ctx := filepath.Join(e.u.Home, "ctx")
	for name, data := range map[string]string{"Dockerfile": buildDockerfile, "f.txt": "hello\n"} {
		if err := os.MkdirAll(ctx, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ctx, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	chownR(t, ctx, e.u.UID, e.u.GID)

	build := func() string {
		t.Helper()
		cmd := e.u.Command(e.bin, "build", "-q", "-t", "rb:1", ".")
		cmd.Dir = ctx
		r := e.u.Run(cmd)
		if r.ExitCode != 0 {
			t.Fatalf("build as %s:\n%s", e.u.Name, r)
		}
		return strings.TrimSpace(r.Stdout)
	}
	id := build()
	if out := e.ok("run", "--rm", "--network", "none", "rb:1"); out != "hello\n" {
		t.Fatalf("run rb:1 printed %q", out)
	}
	out := e.ok("run", "--rm", "--network", "none", "rb:1", "sh", "-c", "id -u; stat -c %u:%g /home/app/f.txt; cat /built /links")
	if want := "1234\n1234:1234\nbuilt\n1\n"; out != want {
		t.Fatalf("in the built image: %q, want %q (uid, f.txt's owner, RUN's file, links of the --network=none RUN)", out, want)
	}
	// On the host, COPY's file is the range's 1234th id, not root's.
	if got, want := diskOwner(t, filepath.Join(e.u.Home, ".local/share/berth"), "f.txt"), e.u.SubStart+1233; got != want {
		t.Fatalf("f.txt on disk: uid %d, want %d (container 1234 in the user's range)", got, want)
	}
	if again := build(); again != id {
		t.Fatalf("rebuild: %s, want the cached %s", again, id)
	}
	if imgs := e.ok("images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(imgs, "rb:1") {
		t.Fatalf("images after build:\n%s", imgs)
	}

	other := newEnv(t)
	if imgs := other.ok("images", "--format", "{{.Repository}}:{{.Tag}}"); strings.Contains(imgs, "rb:") {
		t.Fatalf("a second user sees the first one's image:\n%s", imgs)
	}
	if r := other.berth(nil, "run", "--rm", "--network", "none", id, "true"); r.ExitCode == 0 {
		t.Fatalf("a second user ran the first one's image by ID:\n%s", r)
	}

	e.ok("rmi", "rb:1")
	if imgs := e.ok("images", "--format", "{{.Repository}}:{{.Tag}}"); strings.Contains(imgs, "rb:") {
		t.Fatalf("images after rmi:\n%s", imgs)
	}
	if ps := e.ok("ps", "-aq"); ps != "" {
		t.Fatalf("the build left containers: %q", ps)
	}
}

// chownR gives dir and what is in it to uid:gid.
func chownR(t *testing.T, dir string, uid, gid int) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}
