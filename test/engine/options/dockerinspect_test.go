package options_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInspectDockerShape reads inspect's JSON as jq would: Docker's
// names, types and values for a flag not given.
func TestInspectDockerShape(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "plain", "busybox", "true")
	e.Must("create", "--name", "full", "--cpus", "0.5", "-c", "512", "--pids-limit", "50", "--dns", "10.0.0.1",
		"-v", "/tmp:/h:ro", "-v", "named:/v", "--tmpfs", "/run", "-p", "127.0.0.1:18080:80", "--domainname", "d.example",
		"--cpu-quota", "0", "--ipc", "shareable", "--log-opt", "max-size=5m", "-i", "busybox", "true")
	var in []map[string]any
	if err := json.Unmarshal([]byte(e.Must("inspect", "plain", "full")), &in); err != nil || len(in) != 2 {
		t.Fatalf("inspect: %v", err)
	}
	plain, full := in[0]["HostConfig"].(map[string]any), in[1]["HostConfig"].(map[string]any)
	for _, k := range []string{"NanoCpus", "CpuShares", "CpuQuota", "CpuPeriod", "ShmSize", "LogConfig", "IpcMode", "PidMode", "CgroupnsMode", "Binds", "Dns"} {
		if _, ok := plain[k]; !ok {
			t.Errorf("HostConfig.%s missing", k)
		}
	}
	if plain["NetworkMode"] != "default" || plain["PidsLimit"] != nil || plain["Binds"] != nil || plain["ShmSize"] != float64(64<<20) ||
		plain["IpcMode"] != "private" || plain["LogConfig"].(map[string]any)["Type"] != "json-file" {
		t.Errorf("defaults: NetworkMode %v PidsLimit %v Binds %v ShmSize %v IpcMode %v LogConfig %v",
			plain["NetworkMode"], plain["PidsLimit"], plain["Binds"], plain["ShmSize"], plain["IpcMode"], plain["LogConfig"])
	}
	if full["NanoCpus"] != float64(5e8) || full["CpuShares"] != float64(512) || full["PidsLimit"] != float64(50) ||
		full["IpcMode"] != "shareable" || full["NetworkMode"] != "default" {
		t.Errorf("set values: %v %v %v %v %v", full["NanoCpus"], full["CpuShares"], full["PidsLimit"], full["IpcMode"], full["NetworkMode"])
	}
	if b, _ := json.Marshal(full["LogConfig"]); string(b) != `{"Config":{"max-size":"5m"},"Type":"json-file"}` {
		t.Errorf("LogConfig: %s", b)
	}
	if b, _ := json.Marshal(full["Binds"]); string(b) != `["/tmp:/h:ro","named:/v"]` {
		t.Errorf("Binds: %s", b)
	}
	if b, _ := json.Marshal(full["Tmpfs"]); string(b) != `{"/run":""}` {
		t.Errorf("Tmpfs: %s", b)
	}
	if b, _ := json.Marshal(full["PortBindings"]); string(b) != `{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}]}` {
		t.Errorf("PortBindings: %s", b)
	}
	cfg := in[1]["Config"].(map[string]any)
	if cfg["Domainname"] != "d.example" || cfg["AttachStdin"] != true || cfg["StdinOnce"] != true || cfg["AttachStdout"] != true {
		t.Errorf("Config: Domainname %v AttachStdin %v StdinOnce %v AttachStdout %v", cfg["Domainname"], cfg["AttachStdin"], cfg["StdinOnce"], cfg["AttachStdout"])
	}
	mounts, _ := json.Marshal(in[1]["Mounts"])
	for _, want := range []string{`"Propagation":"rprivate"`, `"Driver":"local"`, `"Mode":"ro"`, `"Mode":"z"`} {
		if !strings.Contains(string(mounts), want) {
			t.Errorf("Mounts lack %s: %s", want, mounts)
		}
	}
	if strings.Contains(string(mounts), `"/run"`) {
		t.Errorf("a --tmpfs is in Mounts (Docker lists it in HostConfig.Tmpfs only): %s", mounts)
	}
	e.Must("run", "-d", "--name", "up", "busybox", "sleep", "1000")
	if got := e.Inspect("up", "{{json .NetworkSettings.IPPrefixLen}} {{json .NetworkSettings.Networks.bridge.IPPrefixLen}}"); got != "16 16" {
		t.Errorf("IPPrefixLen: %q, want numbers", got)
	}
	e.Must("run", "--rm", "-d", "--name", "detached", "--network", "none", "busybox", "true")
	if got := e.Inspect("busybox", "{{.VirtualSize}}"); got == "0" || got != e.Inspect("busybox", "{{.Size}}") {
		t.Errorf("image VirtualSize %q", got)
	}
	if got := e.Must("volume", "inspect", "-f", "{{json .Options}}", "named"); got != "null\n" {
		t.Errorf("volume Options: %q", got)
	}
}

// TestInspectTypeAndSize: --type picks the kind of object, -s adds sizes.
func TestInspectTypeAndSize(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "busybox", "busybox", "sh", "-c", "echo x > /f") // a container named as the image
	if got := e.Inspect("busybox", "{{.Name}}"); got != "/busybox" {
		t.Errorf("inspect busybox finds %q, want the container first", got)
	}
	if got := strings.TrimSpace(e.Must("inspect", "--type", "image", "-f", "{{.Os}}", "busybox")); got != "linux" {
		t.Errorf("--type image: %q", got)
	}
	e.Must("volume", "create", "vol1")
	if got := strings.TrimSpace(e.Must("inspect", "--type", "volume", "-f", "{{.Driver}}", "vol1")); got != "local" {
		t.Errorf("--type volume: %q", got)
	}
	if got := strings.TrimSpace(e.Must("inspect", "-f", "{{.Driver}}", "none")); got != "null" {
		t.Errorf("inspect none (a network): %q", got)
	}
	if r := e.Run("inspect", "--type", "container", "vol1"); r.ExitCode == 0 {
		t.Error("--type container found a volume")
	}
	if r := e.Run("inspect", "--type", "bogus", "vol1"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "--type") {
		t.Errorf("--type bogus: %d %q", r.ExitCode, r.Stderr)
	}
	e.Must("start", "-a", "busybox")
	var sized []map[string]any
	if err := json.Unmarshal([]byte(e.Must("inspect", "-s", "busybox")), &sized); err != nil || len(sized) != 1 {
		t.Fatal(err)
	}
	rw, _ := sized[0]["SizeRw"].(float64)
	root, _ := sized[0]["SizeRootFs"].(float64)
	if rw <= 0 || root <= rw {
		t.Errorf("SizeRw %v SizeRootFs %v", sized[0]["SizeRw"], sized[0]["SizeRootFs"])
	}
}

// TestPredefinedNetworks: host and none are listed and inspected as in
// Docker; bridge, host and none cannot be removed.
func TestPredefinedNetworks(t *testing.T) {
	e := newEnv(t)
	ls := e.Must("network", "ls", "--format", "{{.Name}} {{.Driver}}")
	if !strings.Contains(ls, "host host\n") || !strings.Contains(ls, "none null\n") {
		t.Errorf("network ls:\n%s", ls)
	}
	if got := e.Must("network", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Scope}}", "host", "none"); got != "host host local\nnone null local\n" {
		t.Errorf("network inspect host none: %q", got)
	}
	for _, n := range []string{"bridge", "host", "none"} {
		r := e.Run("network", "rm", n)
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, n+" is a pre-defined network and cannot be removed") {
			t.Errorf("network rm %s: %d %q", n, r.ExitCode, r.Stderr)
		}
	}
}

// TestPsDockerForms: status filters without -a, name regexps, .Label and
// the COMMAND column.
func TestPsDockerForms(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "web", "-l", "tier=front", "--network", "none", "busybox", "sh", "-c", "sleep 1000")
	e.Must("run", "--name", "webber", "--network", "none", "busybox", "true")
	if got := e.Must("ps", "--filter", "status=exited", "--format", "{{.Names}}"); got != "webber\n" {
		t.Errorf("ps --filter status=exited: %q", got)
	}
	if got := e.Must("ps", "-a", "--filter", "name=^web$", "--format", "{{.Names}}"); got != "web\n" {
		t.Errorf("ps --filter name=^web$: %q", got)
	}
	if got := e.Must("ps", "-a", "--filter", "name=^/webber$", "--format", "{{.Names}}"); got != "webber\n" {
		t.Errorf("ps --filter name=^/webber$: %q", got)
	}
	if got := e.Must("ps", "--format", `{{.Label "tier"}}|{{.Command}}`); got != "front|\"sh -c 'sleep 1000'\"\n" {
		t.Errorf("ps .Label and .Command: %q", got)
	}
	e.Must("run", "-d", "--name", "long", "--network", "none", "busybox", "sh", "-c", "sleep 1000 & wait")
	if got := e.Must("ps", "--filter", "name=long", "--format", "{{.Command}}"); got != "\"sh -c 'sleep 1000 &…\"\n" {
		t.Errorf("truncated COMMAND: %q", got)
	}
}
