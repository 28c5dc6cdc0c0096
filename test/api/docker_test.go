package api_test

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/test/testutil"
)

func wantContains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: %q does not contain %q", what, got, want)
	}
}

// TestDockerCLI runs the docker CLI's everyday commands through the
// service; the containers are berth's, as `berth ps` shows.
func TestDockerCLI(t *testing.T) {
	s := startService(t)
	t.Run("Version", func(t *testing.T) {
		out := s.must(t, "version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}}")
		if strings.TrimSpace(out) != "1.44 1.24 1.41" {
			t.Errorf("docker version = %q, want server 1.44 (min 1.24) and the client at its own 1.41", out)
		}
	})
	t.Run("Info", func(t *testing.T) {
		out := s.must(t, "info", "--format", "{{.Driver}} {{.LoggingDriver}} {{.DockerRootDir}}")
		if strings.TrimSpace(out) != "overlay json-file "+s.root {
			t.Errorf("docker info = %q", out)
		}
	})
	s.must(t, "pull", "busybox")
	t.Run("RunRm", func(t *testing.T) {
		out := s.must(t, "run", "--rm", "--network", "none", "busybox", "echo", "hi")
		if out != "hi\n" {
			t.Errorf("docker run --rm busybox echo hi = %q", out)
		}
		if ps := s.berth("ps", "-aq"); strings.TrimSpace(ps) != "" {
			t.Errorf("a --rm container is left: %q", ps)
		}
	})
	t.Run("ExitCodes", func(t *testing.T) {
		for _, tc := range []struct {
			cmd  []string
			code int
			msg  string
		}{
			{[]string{"busybox", "sh", "-c", "echo out; echo err >&2; exit 3"}, 3, "err"},
			{[]string{"busybox", "false"}, 1, ""},
			{[]string{"busybox", "/no/such/binary"}, 127, "no such file or directory"},
			{[]string{"busybox", "/etc/passwd"}, 126, "permission denied"},
			{[]string{"--memory", "x", "busybox", "true"}, 125, "invalid"},
			// No realtime budget in berth's parent cgroup: the kernel's
			// refusal, as from a dockerd without its own --cpu-rt-runtime.
			{[]string{"--cpu-rt-runtime", "5", "busybox", "true"}, 125, "cpu.rt_runtime_us: invalid argument"},
			{[]string{"--kernel-memory", "8m", "busybox", "true"}, 125, "does not support HostConfig.KernelMemory"},
		} {
			r := s.docker("", append([]string{"run", "--rm", "--network", "none"}, tc.cmd...)...)
			if r.code != tc.code {
				t.Errorf("docker run %v: exit %d, want %d (stderr %q)", tc.cmd, r.code, tc.code, r.stderr)
			}
			wantContains(t, "stderr of docker run", r.stderr, tc.msg)
		}
	})
	t.Run("Detached", func(t *testing.T) {
		id := strings.TrimSpace(s.must(t, "run", "-d", "--name", "web", "--network", "none", "busybox", "sh", "-c", `echo started; trap "exit 0" TERM; sleep 1000 & wait`))
		if len(id) != 64 {
			t.Fatalf("docker run -d printed %q, want an ID", id)
		}
		if !waitFor(func() bool { return strings.Contains(s.docker("", "logs", "web").stdout, "started") }) {
			t.Errorf("docker logs web never showed started")
		}
		wantContains(t, "berth ps", s.berth("ps"), "web")
		wantContains(t, "docker top", s.must(t, "top", "web"), "sleep 1000")
		wantContains(t, "docker exec", s.must(t, "exec", "web", "echo", "exec-ok"), "exec-ok")
		if r := s.docker("", "exec", "web", "sh", "-c", "exit 5"); r.code != 5 {
			t.Errorf("docker exec exit 5: got %d", r.code)
		}
		if out := s.must(t, "exec", "-i", "web", "cat"); out != "" {
			t.Errorf("exec -i cat with no stdin printed %q", out)
		}
		if r := s.docker("in through exec\n", "exec", "-i", "web", "cat"); r.stdout != "in through exec\n" {
			t.Errorf("exec -i cat = %q", r.stdout)
		}
		ps := s.must(t, "ps", "-a", "--format", "{{.Names}}|{{.Image}}|{{.Status}}")
		wantContains(t, "docker ps -a --format", ps, "web|busybox|Up ")
		if st := strings.TrimSpace(s.must(t, "inspect", "-f", "{{.State.Status}} {{.Name}} {{.Id}}", "web")); st != "running /web "+id {
			t.Errorf("docker inspect = %q", st)
		}
		start := time.Now()
		s.must(t, "stop", "web")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("docker stop took %s: SIGTERM did not reach the container", d)
		}
		if code := strings.TrimSpace(s.must(t, "inspect", "-f", "{{.State.ExitCode}}", "web")); code != "0" {
			t.Errorf("exit code after stop = %s, want the trap's 0", code)
		}
		wantContains(t, "berth ps -a after docker stop", s.berth("ps", "-a"), "Exited (0)")
		s.must(t, "rm", "web")
		if r := s.docker("", "rm", "web"); r.code == 0 || !strings.Contains(r.stderr, "No such container: web") {
			t.Errorf("second docker rm: exit %d, %q", r.code, r.stderr)
		}
	})
	t.Run("Stdin", func(t *testing.T) {
		r := s.docker("line one\nline two\n", "run", "--rm", "-i", "--network", "none", "busybox", "sh", "-c", "cat; echo done")
		if r.code != 0 || r.stdout != "line one\nline two\ndone\n" {
			t.Errorf("docker run -i: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("Healthcheck", func(t *testing.T) {
		s.must(t, "run", "-d", "--name", "hc", "--network", "none", "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "100")
		healthy := func() bool {
			return strings.TrimSpace(s.docker("", "inspect", "-f", "{{.State.Health.Status}}", "hc").stdout) == "healthy"
		}
		if !waitFor(healthy) {
			t.Errorf("docker run --health-cmd: never healthy; State.Health %s", s.docker("", "inspect", "-f", "{{json .State.Health}}", "hc").stdout)
		}
		wantContains(t, "docker ps --filter health=healthy", s.must(t, "ps", "--filter", "health=healthy", "--format", "{{.Names}} {{.Status}}"), "(healthy)")
		s.must(t, "rm", "-f", "hc")
	})
	t.Run("TTY", func(t *testing.T) {
		out, code := s.dockerTTY(t, "echo tty-$((6*7)); tty; exit 3\n", "run", "--rm", "-it", "--network", "none", "busybox", "sh")
		if code != 3 {
			t.Errorf("docker run -it: exit %d, want 3; terminal:\n%s", code, out)
		}
		wantContains(t, "docker run -it", out, "tty-42")
		wantContains(t, "docker run -it", out, "/dev/pts/")
	})
	t.Run("Images", func(t *testing.T) {
		wantContains(t, "docker images", s.must(t, "images", "--format", "{{.Repository}}:{{.Tag}}"), "busybox:latest")
		s.must(t, "tag", "busybox", "mybox:1")
		wantContains(t, "docker images after tag", s.must(t, "images"), "mybox")
		wantContains(t, "docker rmi", s.must(t, "rmi", "mybox:1"), "Untagged: mybox:1")
		if r := s.docker("", "image", "inspect", "nosuch:1"); r.code == 0 || !strings.Contains(r.stderr, "No such image: nosuch:1") {
			t.Errorf("inspect of a missing image: exit %d, %q", r.code, r.stderr)
		}
	})
	t.Run("Prune", func(t *testing.T) {
		s.must(t, "create", "--name", "gone", "--network", "none", "busybox", "true")
		wantContains(t, "docker system df", s.must(t, "system", "df"), "Containers      1")
		wantContains(t, "docker container prune", s.must(t, "container", "prune", "-f"), "Deleted Containers:")
		if strings.Contains(s.berth("ps", "-a"), "gone") {
			t.Errorf("container prune left gone")
		}
		s.must(t, "image", "prune", "-f")
	})
	t.Run("Networks", func(t *testing.T) {
		s.must(t, "network", "create", "--subnet", "10.231.187.0/24", "apinet")
		wantContains(t, "docker network ls", s.must(t, "network", "ls"), "apinet")
		wantContains(t, "berth network ls", s.berth("network", "ls"), "apinet")
		if sub := strings.TrimSpace(s.must(t, "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "apinet")); sub != "10.231.187.0/24" {
			t.Errorf("network inspect subnet = %q", sub)
		}
		s.must(t, "run", "-d", "--name", "joiner", "busybox", "sleep", "600")
		s.must(t, "network", "connect", "apinet", "joiner")
		wantContains(t, "network inspect after connect", s.must(t, "network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}", "apinet"), "joiner 10.231.187.")
		s.must(t, "network", "disconnect", "apinet", "joiner")
		s.must(t, "rm", "-f", "joiner")
		s.must(t, "network", "rm", "apinet")
		if strings.Contains(s.berth("network", "ls"), "apinet") {
			t.Errorf("network rm left apinet")
		}
	})
	t.Run("Volumes", func(t *testing.T) {
		s.must(t, "volume", "create", "apivol")
		wantContains(t, "docker volume ls", s.must(t, "volume", "ls"), "apivol")
		out := s.must(t, "run", "--rm", "--network", "none", "-v", "apivol:/data", "busybox", "sh", "-c", "echo kept > /data/f")
		if out != "" {
			t.Errorf("write to a volume printed %q", out)
		}
		if got := s.must(t, "run", "--rm", "--network", "none", "-v", "apivol:/data", "busybox", "cat", "/data/f"); got != "kept\n" {
			t.Errorf("read back from the volume = %q", got)
		}
		s.must(t, "volume", "rm", "apivol")
		if strings.Contains(s.berth("volume", "ls"), "apivol") {
			t.Errorf("volume rm left apivol")
		}
	})
}

// waitFor polls cond for up to 10 s.
func waitFor(cond func() bool) bool { return testutil.WaitFor(10*time.Second, cond) }

// dockerTTY runs docker on a new terminal, types input, and returns what
// the terminal showed and the exit status.
func (s *service) dockerTTY(t *testing.T, input string, args ...string) (string, int) {
	t.Helper()
	master, slavePath, err := console.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := s.dockerCmd(args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var out strings.Builder
	copied := make(chan struct{})
	go func() { io.Copy(&out, master); close(copied) }()
	// The shell prompts once it runs; typing earlier is fine, the
	// terminal keeps it.
	time.Sleep(500 * time.Millisecond)
	master.WriteString(input)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		werr = <-done
	}
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	if werr != nil && cmd.ProcessState == nil {
		t.Fatal(werr)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}
