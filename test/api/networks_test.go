package api_test

import (
	"strings"
	"testing"
)

// TestPredefinedNetworks: host and none are in docker network ls and
// inspect through the API, with the IDs berth's CLI shows, and cannot be
// removed.
func TestPredefinedNetworks(t *testing.T) {
	s := startService(t)
	out := s.must(t, "network", "ls", "--no-trunc", "--format", "{{.Name}} {{.Driver}} {{.ID}}")
	cli := s.berth("network", "ls", "--no-trunc", "--format", "{{.Name}} {{.Driver}} {{.ID}}")
	for _, name := range []string{"host host ", "none null "} {
		var line string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, name) {
				line = l
			}
		}
		if line == "" || !strings.Contains(cli, line) {
			t.Errorf("docker network ls has %q for %s; berth network ls:\n%s", line, name, cli)
		}
	}
	if got := strings.TrimSpace(s.must(t, "network", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Scope}}", "none")); got != "none null local" {
		t.Errorf("docker network inspect none = %q", got)
	}
	r := s.docker("", "network", "rm", "host")
	if r.code == 0 || !strings.Contains(r.stderr, "host is a pre-defined network and cannot be removed") {
		t.Errorf("docker network rm host: exit %d %q", r.code, r.stderr)
	}
	if code, _, _ := s.call(t, "DELETE", "/v1.41/networks/none", ""); code != 403 {
		t.Errorf("DELETE /networks/none = %d, want 403", code)
	}
}
