package clients_test

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
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
	c := startPodmanRuntimes(t, "berth", map[string]string{"berth": runtimeBinary(t)})
	c.args = append(c.args, "--runtime", "berth")
	return c
}

// startPodmanRuntimes sets up private podman storage and configuration
// whose containers.conf names every runtime of runtimes (name: binary) in
// [engine.runtimes] and in runtime_supports_json, def the default; a
// command picks another with the global flag --runtime NAME.
func startPodmanRuntimes(t testing.TB, def string, runtimes map[string]string) *dockerCLI {
	t.Helper()
	e := testutil.NewDaemonEnv(t, "pd") // podman refuses a runroot over 50 characters
	supportsJSON := []string{"crun", "runc", "kata", "runsc", "krun"}
	var table string
	for _, name := range slices.Sorted(maps.Keys(runtimes)) {
		if !slices.Contains(supportsJSON, name) {
			supportsJSON = append(supportsJSON, name)
		}
		table += fmt.Sprintf("%s = [%q]\n", name, runtimes[name])
	}
	quoted := make([]string, len(supportsJSON))
	for i, name := range supportsJSON {
		quoted[i] = strconv.Quote(name)
	}
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
runtime = %q
runtime_supports_json = [%s]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q
static_dir = %q
volume_path = %q

[engine.runtimes]
%s
[network]
network_config_dir = %q
`, nofile.Cur, nofile.Cur, nproc.Cur, nproc.Cur, def, strings.Join(quoted, ", "), e.Path("events.log"),
		e.Path("tmp"), e.Path("static"), e.Path("volumes"), table, e.Path("networks"))
	storage := fmt.Sprintf(`[storage]
driver = "overlay"
graphroot = %q
runroot = %q
`, e.Path("storage"), e.Path("r"))
	for name, data := range map[string]string{"containers.conf": conf, "storage.conf": storage} {
		if err := os.WriteFile(e.Path(name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &dockerCLI{
		client: &client{
			bin: "podman",
			args: []string{"--root", e.Path("storage"), "--runroot", e.Path("r"),
				"--storage-driver", "overlay", "--cgroup-manager", "cgroupfs"},
			env: []string{"CONTAINERS_CONF=" + e.Path("containers.conf"),
				"CONTAINERS_STORAGE_CONF=" + e.Path("storage.conf"),
				"CONTAINERS_REGISTRIES_CONF=" + e.Path("registries.conf")},
		},
		runFlags: []string{"--network", "none", "--cgroup-parent", "/" + e.Cgroup},
		noOOMKilled: "podman 4.3 with conmon 2.1.6 says false on this hybrid cgroup host " +
			"even with runc, and with /sys/fs/cgroup/unified unmounted",
	}
	if err := os.WriteFile(e.Path("registries.conf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if out, err := c.command(t, "rm", "-af", "-t", "0").CombinedOutput(); err != nil {
			t.Errorf("cleanup: podman rm -af: %v: %s", err, strings.TrimSpace(string(out)))
		}
	})
	return c
}
