package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const composeFile = `version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo hello from web > /srv/index.html; exec httpd -f -p 8080 -h /srv"]
    volumes:
      - data:/srv
    networks: [appnet]
    labels:
      tier: front
  client:
    image: busybox
    command: ["sleep", "300"]
    depends_on: [web]
    environment:
      TARGET: web
    networks: [appnet]
volumes:
  data:
networks:
  appnet:
`

// TestCompose: Debian's docker-compose 1.29 brings a project of two
// services on a user network with a named volume up and down through the
// service; its containers are berth's.
func TestCompose(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Fatalf("docker-compose is not installed (.ci/run installs Debian's): %v", err)
	}
	s := startService(t)
	s.must(t, "pull", "busybox")
	proj := filepath.Join(s.dir, "proj")
	os.MkdirAll(proj, 0o755)
	if err := os.WriteFile(filepath.Join(proj, "docker-compose.yml"), []byte(composeFile), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := func(t *testing.T, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"-p", "bcomp"}, args...)...)
		cmd.Dir, cmd.Env = proj, s.dockerCmd().Env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker-compose %s: %v\n%s\nservice log:\n%s", strings.Join(args, " "), err, out, s.log)
		}
		return string(out)
	}
	compose(t, "up", "-d")
	ps := s.berth("ps", "--format", "{{.Names}} {{.Labels}}")
	for _, want := range []string{"bcomp_web_1", "bcomp_client_1", "com.docker.compose.project=bcomp", "tier=front"} {
		wantContains(t, "berth ps after compose up", ps, want)
	}
	if out := compose(t, "ps", "-q"); len(strings.Fields(out)) != 2 {
		t.Errorf("docker-compose ps -q = %q, want 2 containers", out)
	}
	// The client reaches web by its service name on the user network.
	var got string
	if !waitFor(func() bool {
		r := s.docker("", "exec", "bcomp_client_1", "wget", "-qO-", "http://web:8080/")
		got = r.stdout
		return r.code == 0
	}) {
		t.Errorf("client -> http://web:8080: %q", got)
	} else if got != "hello from web\n" {
		t.Errorf("client -> http://web:8080 = %q", got)
	}
	if out := compose(t, "exec", "-T", "client", "sh", "-c", "echo $TARGET"); strings.TrimSpace(out) != "web" {
		t.Errorf("compose exec client echo $TARGET = %q", out)
	}
	wantContains(t, "berth volume ls", s.berth("volume", "ls"), "bcomp_data")
	wantContains(t, "berth network ls", s.berth("network", "ls"), "bcomp_appnet")
	if out := compose(t, "up", "-d"); !strings.Contains(out, "bcomp_web_1 is up-to-date") || strings.Contains(out, "Creating bcomp") {
		t.Errorf("a second compose up is not idempotent:\n%s", out)
	}
	compose(t, "down", "-v")
	if ps := s.berth("ps", "-aq"); strings.TrimSpace(ps) != "" {
		t.Errorf("containers left after compose down: %q", ps)
	}
	if v := s.berth("volume", "ls", "-q"); strings.Contains(v, "bcomp_data") {
		t.Errorf("compose down -v left the volume: %q", v)
	}
	if n := s.berth("network", "ls"); strings.Contains(n, "bcomp_appnet") {
		t.Errorf("compose down left the network:\n%s", n)
	}
}
