package storage_test

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildCmdForms is the documents' experiment, with busybox httpd for
// redis: the shell form of CMD is stored as /bin/sh -c and runs as a shell
// (PID 1), the exec form runs httpd itself as PID 1. busybox's sh execs a
// lone command, so the shell form keeps a shell with "|| exit 1".
func TestBuildCmdForms(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"dockerfile_shell": "FROM busybox\nCMD httpd -f -p 8080 || exit 1\n",
		"dockerfile_exec":  "FROM busybox\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n",
	})
	e.Must("build", "-t", "httpd:shell", "-f", filepath.Join(dir, "dockerfile_shell"), dir)
	e.Must("build", "-t", "httpd:exec", "-f", filepath.Join(dir, "dockerfile_exec"), dir)
	for _, c := range []struct{ tag, cmd, pid1 string }{
		{"httpd:shell", `["/bin/sh","-c","httpd -f -p 8080 || exit 1"]`, "/bin/sh -c httpd -f -p 8080 || exit 1"},
		{"httpd:exec", `["httpd","-f","-p","8080"]`, "httpd -f -p 8080"},
	} {
		if got := strings.TrimSpace(e.Must("image", "inspect", "-f", "{{json .Config.Cmd}}", c.tag)); got != c.cmd {
			t.Errorf("%s: Cmd %s, want %s", c.tag, got, c.cmd)
		}
		name := strings.ReplaceAll(c.tag, ":", "-")
		e.Must("run", "-d", "--name", name, c.tag)
		out := e.Must("exec", name, "cat", "/proc/1/cmdline")
		if got := strings.TrimSpace(strings.ReplaceAll(out, "\x00", " ")); got != c.pid1 {
			t.Errorf("%s: PID 1 is %q, want %q", c.tag, got, c.pid1)
		}
	}
}

// TestBuildCache rebuilds from the cache (the same image), changes one
// copied file (the steps before it stay cached), and checks --no-cache and
// builder prune.
func TestBuildCache(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox\nCOPY a /a\nRUN cat /a > /b\nENV X=1\nCOPY c /c\nRUN cat /b /c > /d\n",
		"a":          "A\n", "c": "C\n",
	})
	first := e.RunIn(nil, "build", "--progress", "plain", "-t", "cache:1", dir)
	if first.ExitCode != 0 || strings.Contains(first.Stderr, "CACHED") {
		t.Fatalf("first build: exit %d, want no cache hit:\n%s", first.ExitCode, first.Stderr)
	}
	id1 := e.Must("build", "-q", "-t", "cache:1", dir)
	again := e.RunIn(nil, "build", "-t", "cache:1", dir)
	if n := strings.Count(again.Stderr, "CACHED"); n != 4 {
		t.Errorf("rebuild: %d steps cached, want 4:\n%s", n, again.Stderr)
	}
	if id2 := e.Must("build", "-q", "-t", "cache:1", dir); id2 != id1 {
		t.Errorf("a cached rebuild made image %s, the first %s", id2, id1)
	}
	if err := os.WriteFile(filepath.Join(dir, "c"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed := e.RunIn(nil, "build", "-t", "cache:1", dir)
	if n := strings.Count(changed.Stderr, "CACHED"); n != 2 || !strings.Contains(changed.Stderr, "[3/5] RUN cat /a > /b\n#3 CACHED") {
		t.Errorf("after c changed: %d steps cached, want the 2 before COPY c:\n%s", n, changed.Stderr)
	}
	if out := e.Must("run", "--rm", "cache:1", "cat", "/d"); out != "A\nchanged\n" {
		t.Errorf("/d is %q", out)
	}
	if r := e.RunIn(nil, "build", "--no-cache", "-t", "cache:1", dir); r.ExitCode != 0 || strings.Contains(r.Stderr, "CACHED") {
		t.Errorf("--no-cache: exit %d, cached steps:\n%s", r.ExitCode, r.Stderr)
	}
	// The cache of a named image stays; once it is gone, prune drops it.
	e.Must("builder", "prune", "-f")
	if r := e.RunIn(nil, "build", "-t", "cache:1", dir); strings.Count(r.Stderr, "CACHED") != 4 {
		t.Errorf("after prune, cache:1's own cache is gone:\n%s", r.Stderr)
	}
	e.Must("rmi", "cache:1")
	if out := e.Must("builder", "prune", "-f"); !strings.Contains(out, "Total reclaimed space:") {
		t.Errorf("builder prune printed %q", out)
	}
	if r := e.RunIn(nil, "build", "-t", "cache:1", dir); r.ExitCode != 0 || strings.Contains(r.Stderr, "CACHED") {
		t.Errorf("after rmi and prune: exit %d, still cached:\n%s", r.ExitCode, r.Stderr)
	}
}

// TestBuildDockerignore checks Docker's pattern rules: *, **, ! exceptions
// (a later line wins) and a directory left out whole.
func TestBuildDockerignore(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile":    "FROM busybox\nCOPY . /ctx/\n",
		".dockerignore": "*.log\n!keep.log\n**/*.tmp\nsecret\nsub/**/cache\n",
		"a.log":         "x", "keep.log": "x", "b.txt": "x", "x.tmp": "x", "deep/er/y.tmp": "x", "deep/er/z.txt": "x",
		"secret/key": "x", "sub/one/cache/f": "x", "sub/one/kept": "x",
	})
	e.Must("build", "-t", "ign:1", dir)
	out := e.Must("run", "--rm", "ign:1", "find", "/ctx", "-type", "f")
	got := strings.Fields(out)
	want := map[string]bool{"/ctx/Dockerfile": true, "/ctx/.dockerignore": true, "/ctx/keep.log": true,
		"/ctx/b.txt": true, "/ctx/deep/er/z.txt": true, "/ctx/sub/one/kept": true}
	for _, f := range got {
		if !want[f] {
			t.Errorf("%s is in the image; .dockerignore leaves it out", f)
		}
		delete(want, f)
	}
	for f := range want {
		t.Errorf("%s is missing from the image", f)
	}
}

// TestBuildMultiStage builds a target stage alone, then the last stage
// with COPY --from a stage and an image; a stage nothing needs (it would
// fail) is never built.
func TestBuildMultiStage(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": `FROM busybox AS build
WORKDIR /src
RUN echo built > out && mkdir -p /tree/sub && echo t > /tree/sub/f
ONBUILD RUN echo triggered > /trig
FROM busybox AS broken
RUN exit 7
FROM build AS test
RUN cat /src/out > /tested
FROM scratch
COPY --from=build /src/out /app/out
COPY --from=build /tree /tree
COPY --from=busybox /bin/busybox /bin/sh
CMD ["/bin/sh", "-c", "cat /app/out /tree/sub/f"]
`})
	e.Must("build", "--target", "test", "-t", "ms:test", dir)
	if out := e.Must("run", "--rm", "ms:test", "cat", "/tested", "/trig"); out != "built\ntriggered\n" {
		t.Errorf("--target test: /tested and the ONBUILD trigger's /trig are %q", out)
	}
	r := e.RunIn(nil, "build", "--progress=plain", "-t", "ms:final", dir)
	if r.ExitCode != 0 {
		t.Fatalf("build: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if strings.Contains(r.Stderr, "exit 7") || strings.Contains(r.Stderr, "cat /src/out > /tested") {
		t.Errorf("stages the target does not need were built:\n%s", r.Stderr)
	}
	if out := e.Must("run", "--rm", "ms:final"); out != "built\nt\n" {
		t.Errorf("final image printed %q", out)
	}
	if r := e.RunIn(nil, "build", "--target", "nope", dir); r.ExitCode == 0 || !strings.Contains(r.Stderr, "failed to reach build target nope") {
		t.Errorf("--target nope: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

// TestBuildArgsAndConfig checks ARG before FROM and in a stage, values from
// --build-arg (with and without =), and the config instructions.
func TestBuildArgsAndConfig(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": `ARG BASE=nothing
FROM ${BASE}
ARG V=default
ARG FROMENV
ARG UNSET
ENV E=${V:-none} U=${UNSET:-empty}
RUN echo "$V $FROMENV $E $U" > /seen
WORKDIR /w
WORKDIR sub
USER 1000:1000
LABEL a=b "c d"=e
EXPOSE 80 53/udp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/echo"]
CMD ["hi"]
`})
	cmd := e.Cmd("build", "-t", "args:1", "--build-arg", "BASE=busybox", "--build-arg", "V=given",
		"--build-arg", "FROMENV", "--label", "from=flag", dir)
	cmd.Env = append(os.Environ(), "FROMENV=env-value")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if out := e.Must("run", "--rm", "--entrypoint", "cat", "args:1", "/seen"); out != "given env-value given empty\n" {
		t.Errorf("RUN saw %q", out)
	}
	for format, want := range map[string]string{
		"{{json .Config.Env}}":          `["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","E=given","U=empty"]`,
		"{{.Config.WorkingDir}}":        "/w/sub",
		"{{.Config.User}}":              "1000:1000",
		"{{json .Config.Labels}}":       `{"a":"b","c d":"e","from":"flag"}`,
		"{{json .Config.ExposedPorts}}": `{"53/udp":{},"80/tcp":{}}`,
		"{{json .Config.Entrypoint}}":   `["/bin/echo"]`,
		"{{json .Config.Cmd}}":          `["hi"]`,
		"{{.Config.StopSignal}}":        "SIGTERM",
	} {
		if got := strings.TrimSpace(e.Must("image", "inspect", "-f", format, "args:1")); got != want {
			t.Errorf("%s = %s, want %s", format, got, want)
		}
	}
	if out := e.Must("run", "--rm", "args:1"); out != "hi\n" {
		t.Errorf("run printed %q", out)
	}
}

// TestBuildErrors: bad Dockerfiles name their line, bad sources and a
// foreign platform are refused, a failing RUN says its exit code, and
// nothing (container, mount, image) is left behind.
func TestBuildErrors(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	imagesBefore := e.Must("images", "-q")
	for _, c := range []struct{ dockerfile, want string }{
		{"FROM busybox\nRUN true\nFRM x\n", "Dockerfile:3: unknown instruction: FRM"},
		{"FROM busybox\nCOPY missing /x\n", "Dockerfile:2: missing: not found in the build context"},
		{"FROM busybox\nCOPY ../x /x\n", "Dockerfile:2: ../x: forbidden path outside the build context"},
		{"FROM busybox\nCOPY a b /x\n", "the destination must be a directory and end with a /"},
		{"FROM busybox\nRUN echo started; sleep 0.1; exit 3\n", `Dockerfile:2: process "/bin/sh -c echo started; sleep 0.1; exit 3" did not complete successfully: exit code: 3`},
	} {
		dir := testutil.WriteTree(t, map[string]string{"Dockerfile": c.dockerfile, "a": "a", "b": "b"})
		r := e.RunIn(nil, "build", dir)
		if r.ExitCode != 1 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 1 and %q", c.dockerfile, r.ExitCode, r.Stderr, c.want)
		}
	}
	if r := e.RunIn([]byte("FROM busybox\n"), "build", "--platform", "linux/s390x", "-"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "builds for the host's platform only") {
		t.Errorf("--platform linux/s390x: exit %d: %s", r.ExitCode, r.Stderr)
	}
	if ps := e.Must("ps", "-aq"); ps != "" {
		t.Errorf("failed builds left containers: %s", ps)
	}
	if left, _ := filepath.Glob(filepath.Join(e.Root, "builder", "mnt", "*")); len(left) > 0 {
		t.Errorf("failed builds left views: %v", left)
	}
	if after := e.Must("images", "-q"); after != imagesBefore {
		t.Errorf("failed builds left images:\n%s\nbefore:\n%s", after, imagesBefore)
	}
}

// TestBuildStdin builds from a Dockerfile alone on stdin and from a tar
// of the context on stdin, with -f naming a file in it.
func TestBuildStdin(t *testing.T) {
	e := newEnv(t)
	// A heredoc RUN too: its text is the shell's script.
	if r := e.RunIn([]byte("FROM busybox\nRUN <<EOF\necho piped > /p\necho two >> /p\nEOF\n"), "build", "-t", "stdin:1", "-"); r.ExitCode != 0 {
		t.Fatalf("build - with a Dockerfile: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if out := e.Must("run", "--rm", "stdin:1", "cat", "/p"); out != "piped\ntwo\n" {
		t.Errorf("/p is %q", out)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string]string{"build/Dockerfile.ci": "FROM busybox\nCOPY f /f\n", "f": "from-tar\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(data))
	}
	tw.Close()
	if r := e.RunIn(buf.Bytes(), "build", "-t", "stdin:2", "-f", "build/Dockerfile.ci", "-"); r.ExitCode != 0 {
		t.Fatalf("build - with a tar: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if out := e.Must("run", "--rm", "stdin:2", "cat", "/f"); out != "from-tar\n" {
		t.Errorf("/f is %q", out)
	}
}

// TestBuildInterrupted stops a build in a RUN step: with SIGINT the build
// removes its container itself; after SIGKILL the next build removes what
// the killed one left. Either way no container, process or mount stays
// (newEnv's cleanup checks the mounts) and the next build works.
func TestBuildInterrupted(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY f /f\nRUN echo started && sleep 60\n", "f": "x"})
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		cmd := e.Cmd("build", "--progress", "plain", dir)
		var stderr testutil.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !stderr.WaitFor(" started\n", 20*time.Second) { // the RUN's output, not its name
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the RUN step never started:\n%s", stderr.String())
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 && ee.ProcessState.Success() {
			t.Errorf("%v: the build ended with %v, want a failure", sig, err)
		}
		if sig == syscall.SIGKILL {
			// What the killed build left goes with the next one.
			if r := e.RunIn([]byte("FROM busybox\nRUN true\n"), "build", "-q", "-f", "-", dir); r.ExitCode != 0 {
				t.Fatalf("the build after SIGKILL: exit %d\n%s", r.ExitCode, r.Stderr)
			}
		}
		if ps := e.Must("ps", "-aq"); ps != "" {
			t.Errorf("after %v: containers left: %s", sig, ps)
		}
		if left, _ := filepath.Glob(filepath.Join(e.Root, "builder", "mnt", "*")); len(left) > 0 {
			t.Errorf("after %v: views left: %v", sig, left)
		}
	}
}

// TestBuildCacheKeptSums: the checksums of settled context files are kept
// across builds (a rebuild reads metadata only), and a file rewritten with
// the same size and modification time still invalidates its COPY, by its
// change time.
func TestBuildCacheKeptSums(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox\nCOPY a /a\nRUN cat /a > /b\n",
		"a":          "AAAA\n",
	})
	a := filepath.Join(dir, "a")
	st, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	// A window, not synchronisation: a checksum of a file changed in the
	// last second is not kept (filesum's racy window), so let it settle.
	time.Sleep(1100 * time.Millisecond)
	e.Must("build", "-t", "sums:1", dir)
	kept, _ := filepath.Glob(filepath.Join(e.Root, "builder", "filesums", "*.sums"))
	if len(kept) != 1 {
		t.Fatalf("kept checksum files: %v, want one for the context", kept)
	}
	if r := e.RunIn(nil, "build", "-t", "sums:1", dir); strings.Count(r.Stderr, "CACHED") != 2 {
		t.Errorf("rebuild from kept checksums: want 2 steps cached:\n%s", r.Stderr)
	}
	if err := os.WriteFile(a, []byte("BBBB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(a, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if r := e.RunIn(nil, "build", "-t", "sums:1", dir); strings.Contains(r.Stderr, "CACHED") {
		t.Errorf("same size and mtime, new content: a step was cached:\n%s", r.Stderr)
	}
	if out := e.Must("run", "--rm", "sums:1", "cat", "/b"); out != "BBBB\n" {
		t.Errorf("/b is %q, want the new content", out)
	}
}
