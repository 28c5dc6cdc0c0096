package api_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
	"github.com/testcontainers/testcontainers-go/wait"
)

// TestTestcontainers: testcontainers-go, as a Go test suite uses it, over
// the service's socket: it starts busybox's httpd from berth's store (the
// image is there, so it pulls nothing), waits for a log line, the
// published port and an HTTP answer, execs, and terminates. Ryuk, its
// reaper, is off: it is an image of its own from Docker Hub, and the
// test's cleanup removes what is left anyway.
func TestTestcontainers(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	// testcontainers reads these once per process; this is the package's
	// only test that uses it.
	t.Setenv("DOCKER_HOST", "unix://"+s.sock)
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	t.Setenv("DOCKER_CONFIG", filepath.Join(s.dir, "cli"))
	t.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	page := func(body io.Reader) bool {
		b, _ := io.ReadAll(body)
		return string(b) == "hello from testcontainers\n"
	}
	ctr, err := testcontainers.Run(ctx, "busybox:latest",
		testcontainers.WithCmd("sh", "-c", "mkdir -p /www && echo hello from testcontainers > /www/index.html && echo httpd starting && exec httpd -f -p 8080 -h /www"),
		testcontainers.WithExposedPorts("8080/tcp"),
		testcontainers.WithLabels(map[string]string{"suite": "berth"}),
		testcontainers.WithWaitStrategyAndDeadline(60*time.Second,
			wait.ForLog("httpd starting"),
			wait.ForListeningPort("8080/tcp"),
			wait.ForHTTP("/").WithPort("8080/tcp").WithResponseMatcher(page)),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("testcontainers.Run busybox httpd: %v\nservice log:\n%s", err, s.log)
	}
	id := ctr.GetContainerID()
	// The container is berth's: the CLI sees it, with testcontainers' labels.
	wantContains(t, "berth ps", s.berth("ps", "--no-trunc", "--format", "{{.ID}} {{.Labels}}"), id)
	if got := s.berth("inspect", "-f", `{{index .Config.Labels "suite"}} {{index .Config.Labels "org.testcontainers"}}`, id); strings.TrimSpace(got) != "berth true" {
		t.Errorf("labels of the testcontainers container = %q", got)
	}

	endpoint, err := ctr.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		t.Fatalf("PortEndpoint 8080/tcp: %v", err)
	}
	resp, err := http.Get(endpoint + "/")
	if err != nil {
		t.Fatalf("GET %s: %v", endpoint, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello from testcontainers\n" {
		t.Errorf("GET %s = %d %q", endpoint, resp.StatusCode, body)
	}

	code, out, err := ctr.Exec(ctx, []string{"sh", "-c", "cat /www/index.html; echo to-stderr >&2; exit 4"}, tcexec.Multiplexed())
	if err != nil {
		t.Fatalf("Exec: %v", err)
	}
	got, _ := io.ReadAll(out)
	if code != 4 || !strings.Contains(string(got), "hello from testcontainers\n") || !strings.Contains(string(got), "to-stderr\n") {
		t.Errorf("Exec = exit %d, output %q; want 4 with the page and to-stderr", code, got)
	}

	st, err := ctr.State(ctx)
	if err != nil || !st.Running {
		t.Errorf("State before terminate = %+v, %v", st, err)
	}
	// httpd is PID 1 and ignores SIGTERM: a second before SIGKILL.
	if err := ctr.Terminate(ctx, testcontainers.StopTimeout(time.Second)); err != nil {
		t.Fatalf("Terminate: %v\nservice log:\n%s", err, s.log)
	}
	if ps := s.berth("ps", "-aq", "--no-trunc"); strings.Contains(ps, id) {
		t.Errorf("Terminate left the container: %q", ps)
	}
}
