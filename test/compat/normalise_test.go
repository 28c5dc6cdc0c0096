package compat_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// normaliser rewrites one side's output of one scenario so that what
// must differ between two engines compares equal. Each rule says why it
// is not a difference.
type normaliser struct {
	side *side
	tmp  string
	ids  map[string]int // 12-hex prefix -> order of first appearance
}

func newNormaliser(s *side, tmp string) *normaliser {
	return &normaliser{side: s, tmp: tmp, ids: map[string]int{}}
}

var (
	// Times and durations: the two runs happen at different moments.
	reTime     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	reTimeText = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( [+-]\d{4} [A-Z]+)?`)
	reAgo      = regexp.MustCompile(`(About an?|Less than a|\d+) (second|minute|hour|day|week|month|year)s?( ago)?`)
	// Sizes: the engines count layers and upper dirs differently
	// (README, "Differences from Docker").
	reSize = regexp.MustCompile(`\b\d+(\.\d+)?\s?(B|kB|KB|MB|GB|KiB|MiB|GiB)\b`)
	// IDs: each engine makes its own container, network and volume IDs.
	reID = regexp.MustCompile(`\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b`)
	// Table columns: tabwriter pads to the widest value, which the
	// rewrites above change.
	reSpaces = regexp.MustCompile(`  +`)
	// Docker's CLI names itself; a daemon's error reaches it wrapped.
	reDockerWord = regexp.MustCompile(`\bdocker\b`)
	// Event times in Docker's event JSON, seconds and nanoseconds.
	reEventTime = regexp.MustCompile(`"(time|timeNano)":\d+`)
	reWaitNoise = regexp.MustCompile(`(?m)^time="[^"]*" level=error msg="error waiting for container: context canceled"\n`)
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
	out = reTime.ReplaceAllString(out, "{time}")
	out = reEventTime.ReplaceAllString(out, `"$1":{time}`)
	out = reTimeText.ReplaceAllString(out, "{time}")
	out = reAgo.ReplaceAllString(out, "{duration}")
	out = reSize.ReplaceAllString(out, "{size}")
	out = reID.ReplaceAllStringFunc(out, func(id string) string {
		k := id[:12]
		i, ok := n.ids[k]
		if !ok {
			i = len(n.ids) + 1
			n.ids[k] = i
		}
		return fmt.Sprintf("{id%d}", i)
	})
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(reSpaces.ReplaceAllString(l, "  "), " \t")
	}
	return strings.Join(lines, "\n")
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
	} {
		if got := newNormaliser(d, "").normalise(tc.in); got != tc.want {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
