package clients_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPodman runs podman 4.3 with conmon on the runtime under test, with
// storage, run root, containers.conf and storage.conf private to the test.
// containers.conf names the runtime "berth" and lists it in
// runtime_supports_json, as the README says: only then does podman pass
// --log-format=json and read the runtime's error lines. conmon calls the
// runtime without --root, so its default state dir is used.
func TestPodman(t *testing.T) {
	requireBinaries(t, "podman", "conmon")
	c := startPodman(t)
	rootfs, _ := testImages(t)
	c.must(t, "import", rootfs, imageRef)
	c.testScenarios(t)
}

func startPodman(t *testing.T) *dockerCLI {
	t.Helper()
	e := newEnv(t, "pd") // podman refuses a runroot over 50 characters
	rt := runtimeBinary(t)
	// podman asks for nofile and nproc 1048576 by default; without
	// CAP_SYS_RESOURCE raising a hard limit fails, so ask for what we have.
	var nofile, nproc unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &nofile); err != nil {
		t.Fatal(err)
	}
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &nproc); err != nil {
		t.Fatal(err)
	}
	// podman runs conmon and the runtime with RLIMIT_NPROC 32768 (as read
	// from the runtime's /proc/self/limits), whatever the caller has.
	nproc.Cur = min(nproc.Cur, 32768)
	conf := fmt.Sprintf(`[containers]
netns = "none"
default_ulimits = ["nofile=%d:%d", "nproc=%d:%d"]

[engine]
runtime = "berth"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "berth"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q
static_dir = %q
volume_path = %q

[engine.runtimes]
berth = [%q]

[network]
network_config_dir = %q
`, nofile.Cur, nofile.Cur, nproc.Cur, nproc.Cur, e.path("events.log"), e.path("tmp"),
		e.path("static"), e.path("volumes"), rt, e.path("networks"))
	storage := fmt.Sprintf(`[storage]
driver = "overlay"
graphroot = %q
runroot = %q
`, e.path("storage"), e.path("r"))
	for name, data := range map[string]string{"containers.conf": conf, "storage.conf": storage} {
		if err := os.WriteFile(e.path(name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &dockerCLI{
		client: &client{
			bin: "podman",
			args: []string{"--root", e.path("storage"), "--runroot", e.path("r"),
				"--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--runtime", "berth"},
			env: []string{"CONTAINERS_CONF=" + e.path("containers.conf"),
				"CONTAINERS_STORAGE_CONF=" + e.path("storage.conf"),
				"CONTAINERS_REGISTRIES_CONF=" + e.path("registries.conf")},
		},
		runFlags: []string{"--network", "none", "--cgroup-parent", "/" + e.cgroup},
		noOOMKilled: "podman 4.3 with conmon 2.1.6 says false on this hybrid cgroup host " +
			"even with runc, and with /sys/fs/cgroup/unified unmounted",
	}
	if err := os.WriteFile(e.path("registries.conf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if out, err := c.command(t, "rm", "-af", "-t", "0").CombinedOutput(); err != nil {
			t.Errorf("cleanup: podman rm -af: %v: %s", err, strings.TrimSpace(string(out)))
		}
	})
	return c
}
