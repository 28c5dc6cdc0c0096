package compat_test

// The scenarios: everyday commands that scripts and users rely on. Each
// runs on both engines from a clean state (no containers, volumes or
// networks of the test's) with busybox:latest loaded.

const img = "busybox"

var (
	sleeper = []string{"run", "-d", "--name", "c1", img, "sleep", "1000"}
	// trapper exits 0 on SIGTERM, as a well-behaved service does.
	trapper = []string{"run", "-d", "--name", "c1", img, "sh", "-c", `trap "exit 0" TERM; while :; do sleep 0.1; done`}
	// The pause orders the two lines in the log: they come through two
	// pipes, which neither engine can order when both are ready at once.
	exited = []string{"run", "--name", "c1", img, "sh", "-c", "echo out; sleep 0.2; echo err >&2; exit 3"}
)

func scenarios() []scenario {
	var all []scenario
	all = append(all, lifecycleScenarios()...)
	all = append(all, exitCodeScenarios()...)
	all = append(all, configScenarios()...)
	all = append(all, execScenarios()...)
	all = append(all, listScenarios()...)
	all = append(all, storageScenarios()...)
	all = append(all, errorScenarios()...)
	all = append(all, eventScenarios()...)
	all = append(all, buildScenarios()...)
	all = append(all, healthScenarios()...)
	return all
}

func lifecycleScenarios() []scenario {
	status := cmd("inspect", "-f", "{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}", "c1")
	return []scenario{
		{name: "run/echo", steps: []step{cmd("run", "--rm", img, "echo", "hello", "world")}},
		{name: "run/detached", steps: []step{cmd("run", "-d", "--name", "c1", img, "sleep", "1000"), status}},
		{name: "run/name-in-use", setup: [][]string{sleeper}, steps: []step{cmd(sleeper...)}},
		{name: "create/start-attach", steps: []step{
			cmd("create", "--name", "c1", img, "echo", "created"), status,
			cmd("start", "-a", "c1"), status}},
		{name: "start/running", setup: [][]string{sleeper}, steps: []step{cmd("start", "c1"), status}},
		{name: "stop/trap", setup: [][]string{trapper}, steps: []step{later("stop", "c1"), status}},
		{name: "stop/ignored-137", setup: [][]string{sleeper}, steps: []step{cmd("stop", "-t", "1", "c1"), status}},
		{name: "stop/exited", setup: [][]string{exited}, steps: []step{cmd("stop", "c1"), status}},
		{name: "kill/137", setup: [][]string{sleeper}, steps: []step{cmd("kill", "c1"), cmd("wait", "c1"), status}},
		{name: "kill/signal", setup: [][]string{trapper}, steps: []step{later("kill", "-s", "TERM", "c1"), cmd("wait", "c1")}},
		{name: "kill/not-running", setup: [][]string{exited}, steps: []step{cmd("kill", "c1")}},
		{name: "restart", setup: [][]string{sleeper}, steps: []step{cmd("restart", "-t", "1", "c1"), status}},
		{name: "pause", setup: [][]string{sleeper}, steps: []step{
			cmd("pause", "c1"), status, cmd("pause", "c1"), cmd("unpause", "c1"), status, cmd("unpause", "c1")}},
		{name: "wait/exit-code", setup: [][]string{exited}, steps: []step{cmd("wait", "c1")}},
		{name: "rm/running", setup: [][]string{sleeper}, steps: []step{cmd("rm", "c1"), cmd("rm", "-f", "c1"), cmd("ps", "-aq")}},
		{name: "rm/exited", setup: [][]string{exited}, steps: []step{cmd("rm", "c1"), cmd("ps", "-aq")}},
		{name: "rm/several", setup: [][]string{exited}, steps: []step{cmd("rm", "c1", "nosuch")}},
		{name: "rename", setup: [][]string{exited}, steps: []step{
			cmd("rename", "c1", "c2"), cmd("inspect", "-f", "{{.Name}}", "c2"), cmd("rename", "c2", "c2")}},
		{name: "run/rm-gone", steps: []step{cmd("run", "--rm", "--name", "c1", img, "true"), cmd("ps", "-aq")}},
		{name: "logs", setup: [][]string{exited}, steps: []step{
			cmd("logs", "c1"), cmd("logs", "--tail", "1", "c1"), cmd("logs", "-t", "c1")}},
		{name: "run/attach-streams", steps: []step{cmd(exited...)}},
	}
}

func exitCodeScenarios() []scenario {
	run := func(a ...string) step { return cmd(append([]string{"run", "--rm"}, a...)...) }
	return []scenario{
		{name: "exit/own", steps: []step{run(img, "sh", "-c", "exit 7")}},
		{name: "exit/127-not-found", steps: []step{run(img, "nosuchcmd")}},
		{name: "exit/126-not-executable", steps: []step{run(img, "/etc/passwd")}},
		{name: "exit/126-directory", steps: []step{run(img, "/etc")}},
		{name: "exit/125-bad-flag", steps: []step{run("--bogus", img)}},
		{name: "exit/125-missing-image", steps: []step{run("--pull", "never", "nosuchimage")}},
		{name: "exit/137-sigkill", steps: []step{run(img, "sh", "-c", "sleep 100 & kill -9 $!; wait $!")}},
		{name: "exit/create-missing-image", steps: []step{cmd("create", "--pull", "never", "nosuchimage")}},
	}
}

func configScenarios() []scenario {
	run := func(a ...string) step { return cmd(append([]string{"run", "--rm"}, a...)...) }
	sh := func(flags []string, script string) step {
		return run(append(append(flags, img), "sh", "-c", script)...)
	}
	return []scenario{
		{name: "stdin/run-i", steps: []step{in("one\ntwo\n", "run", "--rm", "-i", img, "cat")}},
		{name: "stdin/run-not-i", steps: []step{in("one\n", "run", "--rm", img, "cat")}},
		{name: "stdin/script", steps: []step{in("echo a\nexit 2\n", "run", "--rm", "-i", img, "sh")}},
		{name: "env/e", steps: []step{sh([]string{"-e", "A=1", "-e", "B=two words"}, `echo "$A $B"`)}},
		{name: "env/unset-host-var", steps: []step{sh([]string{"-e", "BERTH_COMPAT_UNSET"}, "env | grep -c BERTH_COMPAT || true")}},
		{name: "env/file", files: map[string]string{"env": "# comment\nFROM_FILE=yes\nEMPTY=\n"},
			steps: []step{sh([]string{"--env-file", "{tmp}/env"}, `echo "$FROM_FILE [$EMPTY]"`)}},
		{name: "env/default", steps: []step{sh(nil, "env | sort | grep -v HOSTNAME")}},
		{name: "workdir/new", steps: []step{run("-w", "/made/here", img, "pwd")}},
		{name: "workdir/image", steps: []step{run(img, "pwd")}},
		{name: "user/name", steps: []step{run("-u", "nobody", img, "id")}},
		{name: "user/uid-gid", steps: []step{run("-u", "1000:1000", img, "id")}},
		{name: "user/unknown", steps: []step{run("-u", "nosuchuser", img, "id")}},
		{name: "user/root-groups", steps: []step{run(img, "id")}},
		{name: "entrypoint", steps: []step{run("--entrypoint", "echo", img, "a", "b")}},
		{name: "hostname", steps: []step{run("--hostname", "box", img, "hostname")}},
		{name: "read-only", steps: []step{sh([]string{"--read-only"}, "touch /x; echo $?")}},
		{name: "tmpfs", steps: []step{sh([]string{"--tmpfs", "/scratch"}, "stat -c '%a %U' /scratch")}},
		{name: "pid1", steps: []step{sh(nil, "echo $$; ps -o pid,comm >/tmp/ps; wc -l </tmp/ps")}},
		{name: "network/none", steps: []step{sh([]string{"--network", "none"}, "ls /sys/class/net")}},
		{name: "network/default", steps: []step{sh(nil, "ls /sys/class/net; ip -4 -o addr show eth0 | cut -d' ' -f7")}},
		{name: "cap-drop", steps: []step{sh([]string{"--cap-drop", "ALL"}, "grep CapEff /proc/self/status")}},
		{name: "caps-default", steps: []step{sh(nil, "grep Cap /proc/self/status")}},
		{name: "config/mac-address", steps: []step{
			cmd("run", "--rm", "--mac-address", "92:D0:C6:0A:29:33", img, "cat", "/sys/class/net/eth0/address"),
			cmd("run", "--rm", "--mac-address", "92:d0:c6", img, "true")}},
		{name: "mounts", steps: []step{sh(nil, "grep -E ' /(proc|sys|dev|dev/shm|dev/pts|dev/mqueue) ' /proc/mounts | cut -d' ' -f1-3 | sort")}},
		{name: "etc-files", steps: []step{sh([]string{"--hostname", "box", "--add-host", "h1:192.0.2.9"}, "cat /etc/hostname; grep -c h1 /etc/hosts")}},
		{name: "labels", setup: [][]string{{"create", "--name", "c1", "-l", "a=b", "--label", "k=v", img}},
			steps: []step{cmd("inspect", "-f", "{{json .Config.Labels}}", "c1")}},
		{name: "memory", setup: [][]string{{"create", "--name", "c1", "-m", "64m", img}},
			steps: []step{cmd("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "c1")}},
		{name: "restart-policy", setup: [][]string{{"create", "--name", "c1", "--restart", "on-failure:3", img}},
			steps: []step{cmd("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "c1")}},
	}
}

func execScenarios() []scenario {
	running := [][]string{sleeper}
	return []scenario{
		{name: "exec/echo", setup: running, steps: []step{cmd("exec", "c1", "echo", "hi")}},
		{name: "exec/exit-code", setup: running, steps: []step{cmd("exec", "c1", "sh", "-c", "exit 5")}},
		{name: "exec/env-workdir-user", setup: running, steps: []step{
			cmd("exec", "-e", "A=1", "c1", "sh", "-c", "echo $A"), cmd("exec", "-w", "/tmp", "c1", "pwd"), cmd("exec", "-u", "nobody", "c1", "id")}},
		{name: "exec/stdin", setup: running, steps: []step{in("piped\n", "exec", "-i", "c1", "cat")}},
		{name: "exec/missing-binary", setup: running, steps: []step{cmd("exec", "c1", "nosuchcmd")}},
		{name: "exec/bad-workdir", setup: running, steps: []step{cmd("exec", "-w", "/nosuch", "c1", "pwd")}},
		{name: "exec/unknown-user", setup: running, steps: []step{cmd("exec", "-u", "nosuchuser", "c1", "id")}},
		{name: "exec/stopped", setup: [][]string{exited}, steps: []step{cmd("exec", "c1", "true")}},
		{name: "exec/paused", setup: [][]string{sleeper, {"pause", "c1"}}, steps: []step{cmd("exec", "c1", "true")}},
		{name: "exec/missing", steps: []step{cmd("exec", "nosuch", "true")}},
		{name: "attach/stopped", setup: [][]string{exited}, steps: []step{cmd("attach", "c1")}},
		{name: "attach/missing", steps: []step{cmd("attach", "nosuch")}},
		{name: "top", setup: running, steps: []step{cmd("top", "c1", "-o", "comm")}},
	}
}

func listScenarios() []scenario {
	two := [][]string{sleeper, {"run", "--name", "c2", "-l", "k=v", img, "true"}}
	return []scenario{
		{name: "ps/quiet", setup: two, steps: []step{cmd("ps", "-q"), cmd("ps", "-aq")}},
		{name: "ps/format", setup: two, steps: []step{
			cmd("ps", "-a", "--format", "{{.Names}} {{.Image}} {{.Command}} {{.Status}}")}},
		{name: "ps/table", setup: two, steps: []step{cmd("ps", "-a")}},
		{name: "ps/filter-status", setup: two, steps: []step{
			cmd("ps", "--filter", "status=exited", "--format", "{{.Names}}"),
			cmd("ps", "-a", "--filter", "status=running", "--format", "{{.Names}}")}},
		{name: "ps/filter-name", setup: two, steps: []step{
			cmd("ps", "-a", "--filter", "name=c", "--format", "{{.Names}}"),
			cmd("ps", "-a", "--filter", "name=^c2$", "--format", "{{.Names}}")}},
		{name: "ps/filter-label", setup: two, steps: []step{
			cmd("ps", "-a", "--filter", "label=k=v", "--format", "{{.Names}}"),
			cmd("ps", "-a", "--format", `{{.Label "k"}}`)}},
		{name: "ps/last", setup: two, steps: []step{cmd("ps", "-l", "--format", "{{.Names}}"), cmd("ps", "-n", "5", "-q")}},
		{name: "inspect/state", setup: [][]string{exited}, steps: []step{
			cmd("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Pid}}", "c1")}},
		{name: "inspect/config", setup: [][]string{exited}, steps: []step{
			cmd("inspect", "-f", "{{.Config.Image}} {{json .Config.Cmd}} {{.Path}} {{json .Args}} {{.Name}}", "c1"),
			cmd("inspect", "-f", "{{json .Config.Entrypoint}} {{.Config.WorkingDir}} {{.Config.User}} {{.Config.Tty}} {{.Config.OpenStdin}}", "c1")}},
		{name: "inspect/id", setup: [][]string{exited}, steps: []step{cmd("inspect", "-f", "{{.Id}}", "c1")}},
		{name: "inspect/hostconfig", setup: [][]string{exited}, steps: []step{
			cmd("inspect", "-f", "{{.HostConfig.NetworkMode}} {{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.AutoRemove}} {{.HostConfig.PidsLimit}}", "c1")}},
		{name: "inspect/missing-json", steps: []step{cmd("inspect", "nosuch")}},
		{name: "images/list", steps: []step{
			cmd("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"), cmd("images", "-q"), cmd("images")}},
		// Docker's CLI prints the repositories of one image in map order,
		// so the listing names the new repository alone.
		{name: "images/tag-rmi", steps: []step{
			cmd("tag", img, "cmpimg:v1"), cmd("images", "--format", "{{.Repository}}:{{.Tag}}", "cmpimg"), cmd("rmi", "cmpimg:v1")}},
		{name: "image/inspect", steps: []step{
			cmd("image", "inspect", "-f", "{{.Os}} {{.Architecture}} {{json .RepoTags}} {{json .Config.Cmd}}", img)}},
		{name: "image/history", steps: []step{cmd("history", "-q", img)}},
		{name: "image/rmi-in-use", setup: [][]string{exited, {"tag", img, "cmpimg:v2"}},
			steps: []step{cmd("rmi", "cmpimg:v2"), cmd("rmi", img)}},
		{name: "stats", setup: [][]string{sleeper}, steps: []step{cmd("stats", "--no-stream", "--format", "{{.Name}}", "c1")}},
		{name: "port/none", setup: [][]string{sleeper}, steps: []step{cmd("port", "c1")}},
	}
}

func storageScenarios() []scenario {
	return []scenario{
		{name: "volume/named", steps: []step{
			cmd("run", "--rm", "-v", "cmpvol:/data", img, "sh", "-c", "echo x > /data/f"),
			cmd("run", "--rm", "-v", "cmpvol:/data", img, "cat", "/data/f"),
			cmd("volume", "ls", "-q"), cmd("volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "cmpvol"),
			cmd("volume", "rm", "cmpvol")}},
		{name: "volume/create-ls", steps: []step{
			cmd("volume", "create", "cmpv1"), cmd("volume", "ls"), cmd("volume", "inspect", "cmpv1"), cmd("volume", "rm", "cmpv1", "cmpv1")}},
		{name: "volume/in-use", setup: [][]string{{"run", "--name", "c1", "-v", "cmpv2:/d", img, "true"}},
			steps: []step{cmd("volume", "rm", "cmpv2")}},
		{name: "volume/prune", setup: [][]string{{"volume", "create", "cmpv3"}},
			steps: []step{cmd("volume", "prune", "-f"), cmd("volume", "ls", "-q")}},
		{name: "bind", files: map[string]string{"f": "from host\n"}, steps: []step{
			cmd("run", "--rm", "-v", "{tmp}:/h:ro", img, "cat", "/h/f"),
			cmd("run", "--rm", "-v", "{tmp}:/h:ro", img, "sh", "-c", "echo x > /h/g"),
			cmd("run", "--rm", "-v", "{tmp}:/h", img, "sh", "-c", "echo y > /h/g; cat /h/g")}},
		{name: "cp", files: map[string]string{"f": "copied\n"}, setup: [][]string{sleeper}, steps: []step{
			cmd("cp", "{tmp}/f", "c1:/tmp/f"), cmd("exec", "c1", "cat", "/tmp/f"),
			cmd("cp", "c1:/tmp/f", "{tmp}/back"), cmd("cp", "c1:/nosuch", "{tmp}/x")}},
		{name: "network/create", steps: []step{
			cmd("network", "create", "--subnet", "{net}0/24", "cmpnet"),
			cmd("network", "ls", "--filter", "name=cmpnet", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"),
			cmd("network", "inspect", "-f", "{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}", "cmpnet"),
			cmd("run", "--rm", "--network", "cmpnet", img, "sh", "-c", "ip -4 -o addr show eth0 | cut -d' ' -f7"),
			cmd("network", "rm", "cmpnet")}},
		{name: "network/builtin", steps: []step{
			cmd("network", "ls", "--format", "{{.Name}} {{.Driver}}"),
			cmd("network", "inspect", "-f", "{{.Name}} {{.Driver}}", "bridge", "host", "none")}},
		{name: "network/rm-builtin", steps: []step{cmd("network", "rm", "bridge")}},
		{name: "network/in-use", setup: [][]string{{"network", "create", "cmpnet2"}, {"run", "-d", "--name", "c1", "--network", "cmpnet2", img, "sleep", "1000"}},
			steps: []step{cmd("network", "rm", "cmpnet2")}},
		{name: "prune/containers", setup: [][]string{exited},
			steps: []step{cmd("container", "prune", "-f"), cmd("ps", "-aq")}},
		{name: "commit", setup: [][]string{{"run", "--name", "c1", img, "sh", "-c", "echo hi > /f"}},
			steps: []step{cmd("commit", "c1", "cmpcommit:v1"), cmd("run", "--rm", "cmpcommit:v1", "cat", "/f")}},
	}
}

// errorScenarios are the mistakes scripts meet: missing objects, wrong
// argument counts, bad values. Exit code and stderr are compared as for
// every scenario.
func errorScenarios() []scenario {
	errs := [][]string{
		{"rm", "nosuch"}, {"rm", "-f", "nosuch"}, {"stop", "nosuch"}, {"kill", "nosuch"},
		{"start", "nosuch"}, {"restart", "nosuch"}, {"pause", "nosuch"}, {"wait", "nosuch"},
		{"logs", "nosuch"}, {"top", "nosuch"}, {"port", "nosuch"}, {"rename", "nosuch", "x"},
		{"rmi", "nosuch"}, {"image", "inspect", "nosuch"}, {"history", "nosuch"}, {"tag", "nosuch", "x"},
		{"network", "rm", "nosuch"}, {"network", "inspect", "nosuch"},
		{"volume", "rm", "nosuch"}, {"volume", "inspect", "nosuch"},
		{"nosuchcmd"}, {"container", "nosuch"}, {"image", "nosuch"}, {"network", "nosuch"}, {"volume", "nosuch"},
		{"rm"}, {"logs"}, {"logs", "a", "b"}, {"exec", "c1"}, {"run"}, {"create"}, {"kill", "-s", "BADSIG", "nosuch"},
		{"ps", "--filter", "bad=x"}, {"ps", "--filter", "status=bad"}, {"ps", "--bogus"},
		{"--bogus", "ps"}, {"images", "extra"}, {"rename", "a"},
	}
	var out []scenario
	for _, a := range errs {
		name := "err/" + joinDash(a)
		out = append(out, scenario{name: name, steps: []step{cmd(a...)}})
	}
	return out
}

func joinDash(a []string) string {
	s := ""
	for i, x := range a {
		if i > 0 {
			s += "-"
		}
		s += x
	}
	return s
}
