package compat_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// normaliser rewrites one side's output of one scenario so that what
// must differ between two engines compares equal: each side's own paths
// and subnets, the words of Docker's CLI, then testutil.IDNormaliser's
// times, sizes and IDs. Each rule says why it is not a difference.
type normaliser struct {
	side *side
	tmp  string
	testutil.IDNormaliser
}

func newNormaliser(s *side, tmp string) *normaliser {
	return &normaliser{side: s, tmp: tmp}
}

var (
	// Docker's CLI names itself; a daemon's error reaches it wrapped.
	reDockerWord = regexp.MustCompile(`\bdocker\b`)
	reWaitNoise  = regexp.MustCompile(`(?m)^time="[^"]*" level=error msg="error waiting for container: context canceled"\n`)
)

// normalise rewrites out, one stream of one command.
func (n *normaliser) normalise(out string) string {
	if n.tmp != "" {
		out = strings.ReplaceAll(out, n.tmp, "{tmp}")
	}
	for _, r := range n.side.replace {
		out = strings.ReplaceAll(out, r[0], r[1])
	}
	if n.side.subnet != "" {
		out = strings.ReplaceAll(out, n.side.subnet, "{net}")
	}
	if n.side.name == "docker" {
		// The CLI's own race as `run` ends, not the engine's output.
		out = reWaitNoise.ReplaceAllString(out, "")
		// berth has no daemon: the same error reaches the user directly.
		out = strings.ReplaceAll(out, "Error response from daemon: ", "Error: ")
		out = reDockerWord.ReplaceAllString(out, "berth")
	}
	return n.Normalise(out)
}

func TestNormalise(t *testing.T) {
	d := &side{name: "docker", subnet: "10.214.9.", replace: [][2]string{{"/tmp/x/data", "{root}"}}}
	for _, tc := range []struct{ in, want string }{
		{"Error response from daemon: No such container: c", "Error: No such container: c"},
		{"See 'docker run --help'.", "See 'berth run --help'."},
		{"0123456789ab   busybox   Up 3 seconds   ", "{id1}  busybox  Up {duration}"},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 0123456789ab", "{id1} {id1}"},
		{"2026-12-01T22:46:04.673564296Z", "{time}"},
		{"2026-12-01 22:46:04 +0000 UTC", "{time}"},
		{"Exited (0) Less than a second ago", "Exited (0) {duration}"},
		{"26 years ago  1.99MB", "{duration}  {size}"},
		{"10.214.9.0/24 /tmp/x/data/volumes", "{net}0/24 {root}/volumes"},
		{"dockerd is not docker's", "dockerd is not berth's"},
		{"x\ntime=\"2026-12-01T23:06:12Z\" level=error msg=\"error waiting for container: context canceled\"\n", "x\n"},
		{"WARNING: IPv4 forwarding is disabled. Networking will not work.\nhello\n", "hello\n"},
	} {
		if got := newNormaliser(d, "").normalise(tc.in); got != tc.want {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
