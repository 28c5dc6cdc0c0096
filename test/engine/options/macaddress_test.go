package options_test

import (
	"strings"
	"testing"
)

// TestMacAddress: --mac-address is the container's eth0 address, shown by
// inspect; a malformed one is refused before anything is made.
func TestMacAddress(t *testing.T) {
	e := newEnv(t)
	const mac = "92:d0:c6:0a:29:33"
	e.Must("run", "-d", "--name", "mac", "--mac-address", "92:D0:C6:0A:29:33", "busybox", "sleep", "1000")
	if got := strings.TrimSpace(e.Must("exec", "mac", "cat", "/sys/class/net/eth0/address")); got != mac {
		t.Errorf("eth0 address %q, want %q", got, mac)
	}
	if got := e.Inspect("mac", "{{.Config.MacAddress}} {{.NetworkSettings.MacAddress}}"); got != mac+" "+mac {
		t.Errorf("inspect: %q", got)
	}
	e.Must("restart", "-t", "0", "mac")
	if got := strings.TrimSpace(e.Must("exec", "mac", "cat", "/sys/class/net/eth0/address")); got != mac {
		t.Errorf("after restart: eth0 address %q, want %q", got, mac)
	}
	r := e.Run("run", "--rm", "--name", "badmac", "--mac-address", "92:d0:c6", "busybox", "true")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "berth: 92:d0:c6 is not a valid mac address.") {
		t.Errorf("bad mac: exit %d, %s", r.ExitCode, r.Stderr)
	}
	if e.Run("inspect", "badmac").ExitCode == 0 {
		t.Errorf("a refused --mac-address left a container")
	}
}
