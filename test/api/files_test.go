package api_test

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerFiles: docker cp both ways, export, diff, stats, update and
// commit on one running container, as Docker's CLI drives them.
func TestDockerFiles(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	s.must(t, "run", "-d", "--network", "none", "--name", "f1", "busybox", "sh", "-c", "mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b && rm /etc/motd 2>/dev/null; sleep 300")
	if !waitFor(func() bool { return s.docker("", "exec", "f1", "test", "-f", "/data/sub/b").code == 0 }) {
		t.Fatal("the container did not write /data")
	}
	host := filepath.Join(s.dir, "cp")
	os.MkdirAll(host, 0o755)
	t.Run("CpFrom", func(t *testing.T) {
		s.must(t, "cp", "f1:/data/a", filepath.Join(host, "a"))
		if b, _ := os.ReadFile(filepath.Join(host, "a")); string(b) != "one\n" {
			t.Errorf("docker cp f1:/data/a = %q", b)
		}
		s.must(t, "cp", "f1:/data", filepath.Join(host, "d"))
		if b, _ := os.ReadFile(filepath.Join(host, "d/sub/b")); string(b) != "two\n" {
			t.Errorf("docker cp of a directory: d/sub/b = %q", b)
		}
		r := s.docker("", "cp", "f1:/no/such", host)
		if r.code == 0 || !strings.Contains(r.stderr, "No such container:path: f1:/no/such") { // the 20.10 CLI's words for a 404
			t.Errorf("docker cp of a missing path: exit %d %q", r.code, r.stderr)
		}
		tr := tar.NewReader(strings.NewReader(s.must(t, "cp", "f1:/data/a", "-")))
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("docker cp to - gave no tar: %v", err)
		}
		if b, _ := io.ReadAll(tr); h.Name != "a" || string(b) != "one\n" {
			t.Errorf("docker cp to - gave %s: %q", h.Name, b)
		}
	})
	t.Run("CpTo", func(t *testing.T) {
		os.WriteFile(filepath.Join(host, "new"), []byte("three\n"), 0o640)
		s.must(t, "cp", filepath.Join(host, "new"), "f1:/data/")
		s.must(t, "cp", filepath.Join(host, "new"), "f1:/data/renamed")
		s.must(t, "cp", filepath.Join(host, "d"), "f1:/copied")
		out := s.must(t, "exec", "f1", "sh", "-c", "cat /data/new /data/renamed /copied/sub/b; stat -c %a /data/new")
		if out != "three\nthree\ntwo\n640\n" {
			t.Errorf("after docker cp into the container: %q", out)
		}
		if r := s.docker("", "cp", filepath.Join(host, "new"), "f1:/no/dir/x"); r.code == 0 {
			t.Errorf("docker cp into a missing directory succeeded")
		}
	})
	t.Run("Diff", func(t *testing.T) {
		out := s.must(t, "diff", "f1")
		for _, want := range []string{"A /data", "A /data/sub/b", "A /copied"} {
			wantContains(t, "docker diff", out, want)
		}
	})
	t.Run("Export", func(t *testing.T) {
		tarPath := filepath.Join(s.dir, "f1.tar")
		s.must(t, "export", "-o", tarPath, "f1")
		out, err := run("tar", "-tf", tarPath)
		if err != nil {
			t.Fatal(err)
		}
		wantContains(t, "docker export", out, "data/sub/b")
		wantContains(t, "docker export", out, "bin/busybox")
	})
	t.Run("Stats", func(t *testing.T) {
		out := s.must(t, "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", "f1")
		f := strings.Fields(out)
		if len(f) < 3 || f[0] != "f1" || f[len(f)-1] == "0" || !strings.Contains(out, "B /") {
			t.Errorf("docker stats --no-stream = %q", out)
		}
		// Streamed: one answer a second until the client goes.
		resp, err := s.http().Get("http://berth/v1.41/containers/f1/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		dec := json.NewDecoder(resp.Body)
		for i := 0; i < 2; i++ {
			var st struct {
				Name      string
				PidsStats struct{ Current int } `json:"pids_stats"`
			}
			if err := dec.Decode(&st); err != nil {
				t.Fatalf("stats stream, answer %d: %v", i, err)
			}
			if st.Name != "/f1" || st.PidsStats.Current == 0 {
				t.Errorf("stats stream, answer %d: %+v", i, st)
			}
		}
	})
	t.Run("Update", func(t *testing.T) {
		s.must(t, "update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "50", "--restart", "on-failure:2", "f1")
		out := s.must(t, "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}", "f1")
		if strings.TrimSpace(out) != "67108864 50 on-failure" {
			t.Errorf("after docker update: %q", out)
		}
		if out := s.must(t, "stats", "--no-stream", "--format", "{{.MemUsage}}", "f1"); !strings.Contains(out, "/ 64MiB") {
			t.Errorf("stats after update: %q", out)
		}
	})
	t.Run("Commit", func(t *testing.T) {
		id := strings.TrimSpace(s.must(t, "commit", "-c", "ENV FOO=bar", "-c", `CMD ["cat","/data/a"]`, "-m", "msg", "f1", "committed:v1"))
		if !strings.HasPrefix(id, "sha256:") {
			t.Errorf("docker commit printed %q", id)
		}
		if out := s.must(t, "run", "--rm", "--network", "none", "committed:v1"); out != "one\n" {
			t.Errorf("run of the committed image = %q", out)
		}
		out := s.must(t, "inspect", "-f", "{{.Config.Env}} {{.Comment}}", "committed:v1")
		wantContains(t, "committed image", out, "FOO=bar")
		wantContains(t, "committed image", out, "msg")
		wantContains(t, "berth images", s.berth("images"), "committed")
	})
	t.Run("SaveLoadImport", func(t *testing.T) {
		tarPath := filepath.Join(s.dir, "saved.tar")
		s.must(t, "save", "-o", tarPath, "committed:v1")
		s.must(t, "rmi", "committed:v1")
		out := s.must(t, "load", "-i", tarPath)
		wantContains(t, "docker load", out, "Loaded image: committed:v1")
		if out := s.must(t, "run", "--rm", "--network", "none", "committed:v1"); out != "one\n" {
			t.Errorf("run of the loaded image = %q", out)
		}
		s.must(t, "export", "-o", filepath.Join(s.dir, "f1.tar"), "f1")
		id := strings.TrimSpace(s.must(t, "import", "-c", "ENV IMPORTED=1", filepath.Join(s.dir, "f1.tar"), "imported:v1"))
		if !strings.HasPrefix(id, "sha256:") {
			t.Errorf("docker import printed %q", id)
		}
		if out := s.must(t, "run", "--rm", "--network", "none", "imported:v1", "sh", "-c", "cat /data/sub/b; echo $IMPORTED"); out != "two\n1\n" {
			t.Errorf("run of the imported image = %q", out)
		}
		if r := s.docker("", "save", "no-such-image"); r.code == 0 || !strings.Contains(r.stderr, "No such image") {
			t.Errorf("docker save of a missing image: exit %d %q", r.code, r.stderr)
		}
	})
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
