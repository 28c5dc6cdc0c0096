package netsetup

import (
	"os"
	"strings"

	"github.com/berth-containers/berth/rootless"
)

// ipForwardFile is where the host says whether it forwards IPv4.
var ipForwardFile = "/proc/sys/net/ipv4/ip_forward"

// CreateWarnings are Docker's warnings for a container about to be
// created on network mode: its bridge needs the host to forward, and the
// host does not while berth was told to leave that alone
// (BERTH_SKIP_IP_FORWARD=1; otherwise berth turns forwarding on with the
// bridge). As in Docker, host and none networks do not need it. A rootless
// store forwards in a namespace of its own, so it never warns.
func CreateWarnings(mode string) []string {
	if mode == "host" || mode == "none" || rootless.Active() || os.Getenv("BERTH_SKIP_IP_FORWARD") != "1" {
		return nil
	}
	if b, err := os.ReadFile(ipForwardFile); err != nil || strings.TrimSpace(string(b)) != "0" {
		return nil
	}
	return []string{"IPv4 forwarding is disabled. Networking will not work."}
}
