package rootless_test

import (
	"strings"
	"testing"
)

// A rootless user's default network is a slirp4netns per container, yet
// it is the "bridge" of docker-shaped scripts, as Docker rootless's bridge
// and podman's "podman" network are: listed with host and none, inspected
// with slirp's subnet, gateway and the containers on it, and not removed,
// made again or joined later.
func TestDefaultNetworkIsBridge(t *testing.T) {
	e := newEnv(t)
	if out := e.ok("network", "ls", "--format", "{{.Name}} {{.Driver}}"); out != "bridge bridge\nhost host\nnone null\n" {
		t.Errorf("network ls: %q, want bridge, host and none", out)
	}
	if ids := strings.Fields(e.ok("network", "ls", "-q", "--filter", "type=builtin")); len(ids) != 3 {
		t.Errorf("network ls --filter type=builtin: %v, want 3", ids)
	}
	id := strings.TrimSpace(e.ok("network", "inspect", "-f", "{{.Id}}", "bridge"))
	ipam := `{{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{len .Containers}}`
	for _, ref := range []string{"bridge", id[:12]} {
		if out := strings.TrimSpace(e.ok("network", "inspect", "-f", ipam, ref)); out != "bridge 10.0.2.0/24 10.0.2.2 0" {
			t.Errorf("network inspect %s: %q, want slirp4netns's subnet and gateway, no container", ref, out)
		}
	}
	e.ok("run", "-d", "--name", "web", "busybox", "sleep", "60")
	e.ok("run", "-d", "--name", "alone", "--network", "none", "busybox", "sleep", "60")
	if out := e.ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}};{{end}}", "bridge"); out != "web 10.0.2.100/24;\n" {
		t.Errorf("containers on bridge: %q, want web at 10.0.2.100/24", out)
	}
	want := "10.0.2.100 10.0.2.2 " + id
	if out := strings.TrimSpace(e.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.Networks.bridge.NetworkID}}", "web")); out != want {
		t.Errorf("inspect web: %q, want %q", out, want)
	}
	e.ok("run", "--rm", "--network", id[:12], "busybox", "true") // by ID, as docker run --network takes
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"network", "rm", "bridge"}, "bridge is a pre-defined network and cannot be removed"},
		{[]string{"network", "rm", id[:12]}, "bridge is a pre-defined network and cannot be removed"},
		{[]string{"network", "create", "bridge"}, "operation is not permitted on predefined bridge network"},
		{[]string{"network", "connect", "bridge", "alone"}, "joined only at create or run"},
		{[]string{"network", "disconnect", "bridge", "web"}, "joined only at create or run"},
	} {
		if r := e.run(c.args...); r.ExitCode == 0 || !strings.Contains(r.Stderr, c.want) || !oneLine(r.Stderr) {
			t.Errorf("%v: want one line with %q:\n%s", c.args, c.want, r)
		}
	}
	e.ok("rm", "-f", "web", "alone")
	e.noNetworkLeft("bridge")
}

// As on Docker's default bridge, containers on the rootless default
// network do not resolve each other's names (each is alone behind its own
// slirp4netns; user networks do, TestUserNetworkDNS): a name is the host
// resolver's, through slirp's 10.0.2.3, and not in /etc/hosts.
func TestDefaultNetworkNoNames(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "-d", "--name", "web", "busybox", "sh", "-c", httpdScript("web"))
	out := e.run("run", "--rm", "busybox", "sh", "-c",
		"cat /etc/resolv.conf; grep -w web /etc/hosts && echo IN-HOSTS; nslookup web 2>&1 | grep -q '^Address: 10\\.' && echo RESOLVED; wget -T 2 -qO- http://web/ && echo REACHED; true")
	if out.ExitCode != 0 || !strings.Contains(out.Stdout, "nameserver 10.0.2.3") || strings.Contains(out.Stdout, "127.0.0.11") {
		t.Errorf("resolver of the default network:\n%s", out)
	}
	for _, bad := range []string{"IN-HOSTS", "RESOLVED", "REACHED"} {
		if strings.Contains(out.Stdout, bad) {
			t.Errorf("a container on the default network found web by name (%s):\n%s", bad, out)
		}
	}
	e.ok("rm", "-f", "web")
}
