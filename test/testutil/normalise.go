package testutil

import (
	"fmt"
	"regexp"
	"strings"
)

// IDNormaliser rewrites the output of one engine's commands so that what
// must differ between two engines running the same scenario compares
// equal: times, durations, sizes, IDs and the table padding they change.
// Each rule says why it is not a difference. One IDNormaliser serves one
// scenario on one side: an ID becomes {idN} by the order in which it first
// appeared, so the same object is the same placeholder on both sides.
type IDNormaliser struct {
	ids map[string]int // 12-hex prefix -> order of first appearance
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
	// Event times in Docker's event JSON, seconds and nanoseconds.
	reEventTime = regexp.MustCompile(`"(time|timeNano)":\d+`)
	// The tests start dockerd with no ip_forward, as they start berth
	// (BERTH_SKIP_IP_FORWARD=1): on a host booted without forwarding,
	// dockerd warns of it on every create. berth, left to itself, turns
	// forwarding on with its bridge, so a user never meets the state the
	// warning is about; it is the tests' set-up, not a difference.
	reForwardWarning = regexp.MustCompile(`(?m)^WARNING: IPv4 forwarding is disabled\. Networking will not work\.\n`)
)

// Normalise rewrites out, one stream of one command.
func (n *IDNormaliser) Normalise(out string) string {
	if n.ids == nil {
		n.ids = map[string]int{}
	}
	out = reForwardWarning.ReplaceAllString(out, "")
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
