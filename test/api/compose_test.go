package api_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// composeFile is a project of two services on a user network: web
// serves the named volume on a port published on 127.0.0.1 and is healthy
// once it answers; client, started only then (service_healthy), fetches
// web's page by its service name as its first act.
const composeFile = `version: "2.4"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo web starting; sleep 1; echo hello from web > /srv/index.html; exec httpd -f -p 8080 -h /srv"]
    volumes:
      - data:/srv
    networks: [appnet]
    ports:
      - "127.0.0.1::8080"
    labels:
      tier: front
    environment:
      ROLE: server
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"]
      interval: 500ms
      timeout: 2s
      retries: 30
  client:
    image: busybox
    command: ["sh", "-c", "wget -qO- http://web:8080/ >/tmp/first 2>&1; exec sleep 300"]
    depends_on:
      web:
        condition: service_healthy
    environment:
      TARGET: web
    labels:
      tier: back
    networks: [appnet]
volumes:
  data:
networks:
  appnet:
`

// TestCompose: Debian's docker-compose 1.29 brings composeFile up and
// down through the service: healthcheck and depends_on service_healthy,
// environment, labels, a published port on 127.0.0.1, ps, logs, exec, a
// second up that recreates nothing, and down -v that leaves nothing.
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
	ids := compose(t, "ps", "-q")
	if len(strings.Fields(ids)) != 2 {
		t.Errorf("docker-compose ps -q = %q, want 2 containers", ids)
	}
	t.Run("Inspect", func(t *testing.T) {
		for _, c := range []struct{ name, format, want string }{
			{"bcomp_web_1", `{{index .Config.Labels "tier"}} {{index .Config.Labels "com.docker.compose.service"}}`, "front web"},
			{"bcomp_client_1", `{{index .Config.Labels "tier"}} {{index .Config.Labels "com.docker.compose.service"}}`, "back client"},
			{"bcomp_web_1", `{{range .Config.Env}}{{if eq . "ROLE=server"}}{{.}}{{end}}{{end}}`, "ROLE=server"},
			{"bcomp_client_1", `{{range .Config.Env}}{{if eq . "TARGET=web"}}{{.}}{{end}}{{end}}`, "TARGET=web"},
			{"bcomp_web_1", `{{json .Config.Healthcheck.Test}} {{.State.Health.Status}}`, `["CMD","wget","-qO-","http://127.0.0.1:8080/"] healthy`},
			{"bcomp_web_1", `{{range $p, $b := .HostConfig.PortBindings}}{{$p}}{{range $b}} {{.HostIp}}{{end}}{{end}}`, "8080/tcp 127.0.0.1"},
			{"bcomp_client_1", `{{range $n, $_ := .NetworkSettings.Networks}}{{$n}}{{end}}`, "bcomp_appnet"},
		} {
			if got := strings.TrimSpace(s.must(t, "inspect", "-f", c.format, c.name)); got != c.want {
				t.Errorf("docker inspect -f '%s' %s = %q, want %q", c.format, c.name, got, c.want)
			}
		}
	})
	t.Run("DependsOnHealthy", func(t *testing.T) {
		// The client's first act fetched web's page: it started only
		// once web was healthy, and it reached web by its service name.
		// One exec for both checks: each docker-compose run costs
		// Python's start-up.
		got := compose(t, "exec", "-T", "client", "sh", "-c", "cat /tmp/first; echo target=$TARGET")
		if first, _, _ := strings.Cut(got, "target="); first != "hello from web\n" {
			t.Errorf("client's first fetch of http://web:8080/ = %q: started before web was healthy?", first)
		}
		wantContains(t, "compose exec client: environment", got, "target=web\n")
	})
	t.Run("PublishedPort", func(t *testing.T) {
		addr := strings.TrimSpace(compose(t, "port", "web", "8080"))
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Fatalf("docker-compose port web 8080 = %q, want 127.0.0.1:PORT", addr)
		}
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("GET http://%s/: %v", addr, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "hello from web\n" {
			t.Errorf("GET http://%s/ = %d %q", addr, resp.StatusCode, body)
		}
	})
	t.Run("PsLogs", func(t *testing.T) {
		out := compose(t, "ps")
		for _, want := range []string{"bcomp_web_1", "Up (healthy)", "127.0.0.1:", "->8080/tcp", "bcomp_client_1"} {
			wantContains(t, "docker-compose ps", out, want)
		}
		wantContains(t, "docker-compose logs web", compose(t, "logs", "--no-color", "web"), "web_1     | web starting")
	})
	wantContains(t, "berth volume ls", s.berth("volume", "ls"), "bcomp_data")
	wantContains(t, "berth network ls", s.berth("network", "ls"), "bcomp_appnet")
	t.Run("UpTwice", func(t *testing.T) {
		out := compose(t, "up", "-d")
		for _, want := range []string{"bcomp_web_1 is up-to-date", "bcomp_client_1 is up-to-date"} {
			wantContains(t, "a second docker-compose up -d", out, want)
		}
		if strings.Contains(out, "Creating bcomp") || strings.Contains(out, "Recreating") {
			t.Errorf("a second compose up is not idempotent:\n%s", out)
		}
		if again := compose(t, "ps", "-q"); again != ids {
			t.Errorf("containers after a second up: %q, before %q", again, ids)
		}
	})
	compose(t, "down", "-v")
	if ps := s.berth("ps", "-aq"); strings.TrimSpace(ps) != "" {
		t.Errorf("containers left after compose down: %q", ps)
	}
	if v := s.berth("volume", "ls", "-q"); strings.TrimSpace(v) != "" {
		t.Errorf("compose down -v left volumes: %q", v)
	}
	if n := s.berth("network", "ls", "--format", "{{.Name}}"); strings.Contains(n, "bcomp") {
		t.Errorf("compose down left the network:\n%s", n)
	}
}
