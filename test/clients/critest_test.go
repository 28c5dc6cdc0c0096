//go:build critest

package clients_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// critestSkip names the specs that cannot run on this host for any
// runtime (runc 1.1.5 and crun fail them too), so that every other spec
// must pass: AppArmor is absent; containerd 1.6 has no user namespaces,
// recursive read-only mounts, image volumes or NRI; the digest specs pull
// public images by a digest a locally built image cannot have.
var critestSkip = []string{
	`AppArmor`,
	`UserNamespaces`,
	`[Rr]ecursive[ -][Rr]ead[ -][Oo]nly`,
	`[Ii]mage [Vv]olume`,
	`NRI`,
	`digest`,
}

// TestCritest runs Kubernetes' CRI validation suite (critest from
// sigs.k8s.io/cri-tools, built by hack/critest.sh) against a private
// containerd 1.6 whose CRI plugin has the runtime under test as its runc
// handler. Every image critest pulls is built here and served from a local
// docker-registry under its public name, through containerd's mirrors.
//
// It takes 3 to 4 minutes on an idle 2-core host and over 20 on a loaded
// one, too long for make test: it builds only with -tags critest, which
// hack/critest.sh passes. $BERTH_CRITEST_FOCUS runs only the specs it
// matches (ginkgo's -focus).
func TestCritest(t *testing.T) {
	requireBinaries(t, "containerd", "containerd-shim-runc-v2")
	critest := critestBinary(t)
	rt := runtimeBinary(t)
	addr := testutil.StartRegistry(t)
	pushCritestImages(t, addr)
	e := testutil.NewDaemonEnv(t, "cri")
	e.HostPath("/run/containerd")
	e.HostPath("/run/containerd/s")
	// critest puts pods under the systemd-style parent /test.slice when
	// containerd 1.6 does not name its cgroup driver.
	for _, h := range []string{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/cpu,cpuacct",
		"/sys/fs/cgroup/blkio", "/sys/fs/cgroup/devices", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"} {
		e.HostPath(filepath.Join(h, "test.slice"))
	}
	sock := e.Path("containerd.sock")
	if err := writeCRIConfig(e, sock, addr, rt); err != nil {
		t.Fatal(err)
	}
	ready := func() bool {
		_, err := os.Stat(sock)
		return err == nil && exec.Command("ctr", "--address", sock, "version").Run() == nil
	}
	d := e.StartDaemon(t, "containerd", ready, "containerd", "--config", e.Path("config.toml"), "--log-level", "warn")

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	args := []string{"-runtime-endpoint", "unix://" + sock, "-image-endpoint", "unix://" + sock,
		"-ginkgo.skip", strings.Join(critestSkip, "|"), "-ginkgo.no-color", "-ginkgo.flake-attempts", "1", "-ginkgo.v"}
	focus := os.Getenv("BERTH_CRITEST_FOCUS")
	if focus != "" {
		args = append(args, "-ginkgo.focus", focus)
	}
	cmd := exec.CommandContext(ctx, critest, args...)
	cmd.Dir = e.Path()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	log := e.Path("critest.log")
	_ = os.WriteFile(log, out, 0o644)
	passed, failed, skipped, ok := critestCounts(string(out))
	t.Logf("critest in %s: %d passed, %d failed, %d skipped (output in %s)", time.Since(start).Round(time.Second), passed, failed, skipped, log)
	if !ok {
		t.Fatalf("critest: no summary (%v):\n%s\ncontainerd:\n%s", err, testutil.Tail(log, 40), testutil.Tail(d.Log, 20))
	}
	if failed > 0 || err != nil {
		t.Errorf("critest: %d specs failed (%v):\n%s\ncontainerd:\n%s", failed, err, critestFailures(string(out)), testutil.Tail(d.Log, 20))
	}
	if focus == "" && passed < 90 {
		t.Errorf("critest: only %d specs passed, want the ~110 that run here", passed)
	}
}

// critestBinary is $BERTH_CRITEST or critest in GOPATH/bin.
func critestBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BERTH_CRITEST"); p != "" {
		return p
	}
	gopath, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env GOPATH: %v", err)
	}
	p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "critest")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("critest not installed (hack/critest.sh builds it): %v", err)
	}
	return p
}

func writeCRIConfig(e *testutil.DaemonEnv, sock, registry, rt string) error {
	cni := e.Path("cni")
	if err := os.MkdirAll(cni, 0o755); err != nil {
		return err
	}
	// A bridge and subnet of this test's own (the ID keeps the name unique).
	bridge := "bcri" + e.Cgroup[len(e.Cgroup)-6:]
	conf := fmt.Sprintf(`{"cniVersion": "0.4.0", "name": "berth-critest", "plugins": [
  {"type": "bridge", "bridge": %q, "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.231.7.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": %q}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}`, bridge, e.Path("cni-ipam"))
	if err := os.WriteFile(filepath.Join(cni, "10-berth-critest.conflist"), []byte(conf), 0o644); err != nil {
		return err
	}
	cri := `plugins."io.containerd.grpc.v1.cri"`
	var mirrors strings.Builder
	for _, host := range []string{"registry.k8s.io", "k8s.gcr.io", "gcr.io"} {
		fmt.Fprintf(&mirrors, "[%s.registry.mirrors.%q]\n  endpoint = [\"http://%s\"]\n", cri, host, registry)
	}
	config := containerdConfig(e, sock, false) + fmt.Sprintf(`[%[1]s]
  sandbox_image = "registry.k8s.io/pause:3.9"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[%[1]s.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
[%[1]s.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[%[1]s.containerd.runtimes.runc.options]
  BinaryName = %[2]q
  Root = %[3]q
  SystemdCgroup = false
[%[1]s.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = %[4]q
%[5]s`, cri, rt, e.Path("runc"), cni, mirrors.String())
	return os.WriteFile(e.Path("config.toml"), []byte(config), 0o644)
}

var critestSummary = regexp.MustCompile(`(\d+) Passed \| (\d+) Failed \| \d+ Pending \| (\d+) Skipped`)

// critestCounts reads ginkgo's closing summary line.
func critestCounts(out string) (passed, failed, skipped int, ok bool) {
	m := critestSummary.FindAllStringSubmatch(out, -1)
	if m == nil {
		return 0, 0, 0, false
	}
	last := m[len(m)-1]
	fmt.Sscan(last[1], &passed)
	fmt.Sscan(last[2], &failed)
	fmt.Sscan(last[3], &skipped)
	return passed, failed, skipped, true
}

// critestFailures is each failure's reason (ginkgo's "[FAILED]" lines
// and what follows) and the closing summary.
func critestFailures(out string) string {
	lines := strings.Split(out, "\n")
	var b strings.Builder
	for i, l := range lines {
		if strings.Contains(l, "[FAILED]") && !strings.Contains(l, "[FAIL]") {
			b.WriteString(strings.Join(lines[i:min(i+8, len(lines))], "\n") + "\n--\n")
		}
	}
	if i := strings.Index(out, "Summarizing"); i >= 0 {
		b.WriteString(out[i:])
	}
	return b.String()
}
