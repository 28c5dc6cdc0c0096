package storage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildRunMounts runs RUN --mount of each type with BuildKit's
// semantics: a secret at /run/secrets/<id> (0400) or in a variable, in no
// layer; a cache that outlives the build; binds of the context (read-only,
// .dockerignore applied; read-write with the writes discarded) and of
// another stage; a tmpfs.
func TestBuildRunMounts(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": `FROM busybox AS other
RUN echo from-stage > /st
FROM busybox
RUN --mount=type=secret,id=tok md5sum /run/secrets/tok | grep -q ^a4d80eac9ab26a4a2da04125bc2c096a && stat -c %a /run/secrets/tok > /secret-mode
RUN --mount=type=secret,id=tok,env=TOK echo -n "$TOK" | md5sum | grep -q ^a4d80eac9ab26a4a2da04125bc2c096a
RUN --mount=type=secret,id=absent test ! -e /run/secrets/absent
RUN --mount=type=cache,target=/var/cache/x echo run >> /var/cache/x/log && wc -l < /var/cache/x/log > /count
RUN --mount=type=bind,target=/src cat /src/a > /a && test ! -e /src/ignored && ! touch /src/new 2>/dev/null
RUN --mount=type=bind,target=/src,rw echo w > /src/new && cat /src/new > /rw
RUN --mount=type=bind,from=other,source=/st,target=/m cat /m > /from-stage
RUN --mount=type=tmpfs,target=/t echo x > /t/f && grep -q " /t tmpfs" /proc/mounts && touch /tmpfs-ok
`,
		"a":             "in-context\n",
		"ignored":       "x",
		".dockerignore": "ignored\n",
	})
	secret := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(secret, []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	build := func(args ...string) {
		t.Helper()
		r := e.Run(append([]string{"build", "--progress", "plain", "--secret", "id=tok,src=" + secret}, append(args, dir)...)...)
		if r.ExitCode != 0 {
			t.Fatalf("build %v: exit %d\n%s", args, r.ExitCode, r.Stderr)
		}
	}
	build("-t", "mounts:1")
	for file, want := range map[string]string{"/secret-mode": "400\n", "/count": "1\n", "/a": "in-context\n",
		"/rw": "w\n", "/from-stage": "from-stage\n", "/tmpfs-ok": ""} {
		if got := e.Must("run", "--rm", "mounts:1", "cat", file); got != want {
			t.Errorf("%s is %q, want %q", file, got, want)
		}
	}
	if r := e.Run("run", "--rm", "mounts:1", "sh", "-c", "ls /run/secrets/tok /var/cache/x/log /src/new /t/f"); r.ExitCode == 0 {
		t.Errorf("a mount's files are in the image: %s", r.Stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Errorf("a read-write bind's write reached the context")
	}
	// No layer holds the secret (the Dockerfile has only its MD5).
	saved := filepath.Join(t.TempDir(), "img.tar")
	e.Must("save", "-o", saved, "mounts:1")
	if data, err := os.ReadFile(saved); err != nil || strings.Contains(string(data), "s3cr3t") {
		t.Errorf("the saved image holds the secret (read: %v)", err)
	}
	// The cache mount outlives the build; builder prune removes it.
	build("--no-cache", "-t", "mounts:2")
	if got := e.Must("run", "--rm", "mounts:2", "cat", "/count"); got != "2\n" {
		t.Errorf("second build: /count is %q, want 2 (the cache mount kept its log)", got)
	}
	e.Must("builder", "prune", "-af")
	build("--no-cache", "-t", "mounts:3")
	if got := e.Must("run", "--rm", "mounts:3", "cat", "/count"); got != "1\n" {
		t.Errorf("after builder prune: /count is %q, want 1", got)
	}
}

// TestBuildRunMountsRefused: a required secret not given, a bind whose
// source leaves the context through a symlink, and an unknown type fail
// with a clear error and leave no mount or step directory behind.
func TestBuildRunMountsRefused(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	for _, c := range []struct{ dockerfile, want string }{
		{"FROM busybox\nRUN --mount=type=secret,id=nope,required true\n", "Dockerfile:2: secret nope: not found"},
		{"FROM busybox\nRUN --mount=type=bind,source=out,target=/m cat /m/passwd\n", "bind mount source out: not found in the build context"},
		{"FROM busybox\nRUN --mount=type=bind,source=../x,target=/m true\n", "not found in the build context"},
		{"FROM busybox\nRUN --mount=type=ssh,required=true true\n", "Dockerfile:2: RUN --mount=type=ssh,id=default: no SSH agent socket forwarded"},
		{"FROM busybox\nRUN --network=bridge true\n", `invalid network mode "bridge"`},
		{"FROM busybox\nRUN --mount=type=bind,target=/m,rw false\n", "exit code: 1"},
	} {
		dir := testutil.WriteTree(t, map[string]string{"Dockerfile": c.dockerfile})
		if err := os.Symlink("/etc", filepath.Join(dir, "out")); err != nil {
			t.Fatal(err)
		}
		r := e.Run("build", dir)
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant %q", c.dockerfile, r.ExitCode, r.Stderr, c.want)
		}
	}
	if ps := e.Must("ps", "-aq"); ps != "" {
		t.Errorf("failed builds left containers: %s", ps)
	}
	if left, _ := filepath.Glob(filepath.Join(e.Root, "builder", "mnt", "*")); len(left) > 0 {
		t.Errorf("failed builds left mounts or step directories: %v", left)
	}
	if m, err := testutil.MountedUnder(e.Root); err != nil || len(m) > 0 {
		t.Errorf("mounts left under the root: %v (%v)", m, err)
	}
}
