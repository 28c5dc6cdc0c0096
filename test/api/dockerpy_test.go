package api_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// debianPython is Debian's interpreter, whose dist-packages hold
// python3-docker 5.0.3; a python3 earlier on $PATH (a pyenv, a venv) may
// carry another docker-py or none.
const debianPython = "/usr/bin/python3"

// TestDockerPy runs testdata/dockerpy.py, docker-py's containers, exec,
// images, networks, volumes, events and system calls, against the
// service. The registry that it pulls from holds busybox, pushed there by
// berth's CLI.
func TestDockerPy(t *testing.T) {
	if out, err := exec.Command(debianPython, "-c", "import docker; print(docker.__version__)").CombinedOutput(); err != nil {
		t.Fatalf("python3-docker is not installed (hack/install-deps.sh installs it): %v\n%s", err, out)
	} else {
		t.Logf("docker-py %s", strings.TrimSpace(string(out)))
	}
	s := startService(t)
	s.must(t, "pull", "busybox")
	reg := testutil.StartRegistry(t)
	s.berth("tag", "busybox", reg+"/py/busybox:v1")
	if r := s.docker("", "push", reg+"/py/busybox:v1"); r.code != 0 {
		t.Fatalf("push to the loopback registry: %s", r.stderr)
	}
	s.must(t, "rmi", reg+"/py/busybox:v1")

	script, err := filepath.Abs("testdata/dockerpy.py")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, script)
	cmd.Env = append(s.dockerCmd().Env, "BERTH_REGISTRY="+reg, "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1")
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dockerpy.py: %v\n%s\nservice log:\n%s", err, out, s.log)
	}
	t.Logf("dockerpy.py:\n%s", out)
	// unittest ends with OK only when every case passed; a case that
	// was never run would not be in the list.
	for _, c := range []string{"test_lifecycle", "test_wait_exit_code", "test_run_foreground", "test_exec_run",
		"test_pull_tag_list_remove", "test_network", "test_volume", "test_streamed_with_filter", "test_window", "test_version_info_ping"} {
		if !strings.Contains(string(out), c+" (") {
			t.Errorf("dockerpy.py did not run %s", c)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Errorf("dockerpy.py did not end with OK")
	}
}
