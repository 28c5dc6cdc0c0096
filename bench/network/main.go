// Command network benchmarks berth's networking against podman's on this
// machine, side by side in one run:
//
//   - published-port throughput: a file fetched over HTTP from busybox
//     httpd in a container, through a port published on 127.0.0.1, from
//     the host; berth (nftables DNAT, veth, bridge) against podman 4 with
//     CNI (bridge, host-local, portmap, firewall; runc, cgroupfs, a private
//     root), rounds alternating; target >= 0.8x podman's MB/s;
//   - the network's share of `berth run --rm busybox true`: --network
//     bridge against --network none, alternating; target <= 20 ms.
//
// It must run as root. Everything it makes lives under a temp directory and
// is removed at the end, with the networks, so the host keeps no bridge,
// nftables table or CNI iptables chain of it. Podman's network gets a
// subnet of its own (10.213.0.0/24), checked unused by the host first.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/bench/internal/benchstat"
)

const podmanSubnet = "10.213.0.0/24"

func main() {
	berth := flag.String("berth", "bin/berth", "berth binary")
	mb := flag.Int("mb", 256, "size of the file fetched, in MiB")
	rounds := flag.Int("rounds", 5, "fetches per engine (alternating)")
	runs := flag.Int("runs", 15, "run --rm of each network mode (alternating)")
	noPodman := flag.Bool("no-podman", false, "skip podman")
	flag.Parse()
	if err := run(*berth, *mb, *rounds, *runs, !*noPodman); err != nil {
		fmt.Fprintln(os.Stderr, "bench/network:", err)
		os.Exit(1)
	}
}

type bench struct {
	berth, dir string
	before     map[string]bool // nftables tables and links of the host before the run
}

func (b *bench) cmd(args ...string) *exec.Cmd {
	full := append([]string{"--root", filepath.Join(b.dir, "root"), "--runroot", filepath.Join(b.dir, "run")}, args...)
	c := exec.Command(b.berth, full...)
	c.Env = append(os.Environ(), "BERTH_SKIP_IP_FORWARD=1")
	return c
}

func output(c *exec.Cmd) (string, error) {
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("%s: %w: %s", strings.Join(c.Args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func (b *bench) podman(args ...string) *exec.Cmd {
	full := append([]string{"--root", filepath.Join(b.dir, "proot"), "--runroot", filepath.Join(b.dir, "prun"),
		"--cgroup-manager", "cgroupfs", "--runtime", "runc", "--storage-driver", "overlay",
		"--network-backend", "cni", "--network-config-dir", filepath.Join(b.dir, "cni")}, args...)
	c := exec.Command("podman", full...)
	c.Env = append(os.Environ(), "CONTAINERS_CONF="+filepath.Join(b.dir, "containers.conf"))
	return c
}

func run(berth string, mb, rounds, runs int, podman bool) error {
	abs, err := filepath.Abs(berth)
	if err != nil {
		return err
	}
	dir, err := benchenv.Setup("berthnet-")
	if err != nil {
		return err
	}
	b := &bench{berth: abs, dir: dir, before: benchenv.HostFirewall()}
	defer b.cleanup(podman)
	www := filepath.Join(dir, "www")
	if err := benchstat.WriteFile(filepath.Join(www, "big"), mb<<20); err != nil {
		return err
	}
	if _, err := output(b.cmd("pull", "-q", "busybox")); err != nil {
		return err
	}
	httpd := []string{"-v", www + ":/www:ro", "-p", "127.0.0.1::80", "busybox", "httpd", "-f", "-p", "80", "-h", "/www"}
	if _, err := output(b.cmd(append([]string{"run", "-d", "--name", "web"}, httpd...)...)); err != nil {
		return err
	}
	bport, err := output(b.cmd("port", "web", "80"))
	if err != nil {
		return err
	}
	urls := map[string]string{"berth": "http://" + strings.TrimSpace(bport) + "/big"}
	engines := []string{"berth"}
	if podman {
		pport, err := b.startPodman(httpd)
		if err != nil {
			return err
		}
		urls["podman"] = "http://" + pport + "/big"
		engines = append(engines, "podman")
	}
	rates := map[string][]float64{}
	for i := 0; i <= rounds; i++ {
		for _, name := range engines {
			r, err := benchstat.Fetch(urls[name], int64(mb)<<20)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if i > 0 { // the first fetch warms the page cache
				rates[name] = append(rates[name], r)
			}
		}
	}
	fmt.Printf("published-port throughput, GET of %d MiB from busybox httpd on 127.0.0.1, median of %d (alternating), load average %s:\n",
		mb, rounds, benchstat.Loadavg())
	fmt.Printf("  berth   %8.0f MB/s\n", benchstat.MedianF(rates["berth"]))
	if podman {
		fmt.Printf("  podman  %8.0f MB/s (CNI bridge + portmap)\n  ratio   %.2fx podman's (target >= 0.8)\n",
			benchstat.MedianF(rates["podman"]), benchstat.MedianF(rates["berth"])/benchstat.MedianF(rates["podman"]))
	}
	return b.setupShare(runs)
}

// startPodman writes podman's private configuration, loads berth's busybox
// into it and starts the same httpd; it returns the published address.
func (b *bench) startPodman(httpd []string) (string, error) {
	if out, _ := exec.Command("ip", "route", "show", "to", "match", "10.213.0.1").Output(); strings.Contains(string(out), "10.213.") {
		return "", fmt.Errorf("the host routes %s already: pick another subnet", podmanSubnet)
	}
	conf := fmt.Sprintf(`[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q
static_dir = %q
volume_path = %q

[network]
network_backend = "cni"
cni_plugin_dirs = ["/usr/lib/cni"]
network_config_dir = %q
default_subnet = %q
`, filepath.Join(b.dir, "events.log"), filepath.Join(b.dir, "ptmp"), filepath.Join(b.dir, "pstatic"),
		filepath.Join(b.dir, "pvolumes"), filepath.Join(b.dir, "cni"), podmanSubnet)
	if err := os.MkdirAll(filepath.Join(b.dir, "cni"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(b.dir, "containers.conf"), []byte(conf), 0o644); err != nil {
		return "", err
	}
	tar := filepath.Join(b.dir, "busybox.tar")
	if _, err := output(b.cmd("save", "-o", tar, "busybox")); err != nil {
		return "", err
	}
	if _, err := output(b.podman("load", "-q", "-i", tar)); err != nil {
		return "", err
	}
	if _, err := output(b.podman(append([]string{"run", "-d", "--name", "web", "--network", "bridge"}, httpd...)...)); err != nil {
		return "", err
	}
	out, err := output(b.podman("port", "web", "80"))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(strings.Fields(out)[0]), nil
}

// setupShare times run --rm with and without the default bridge.
func (b *bench) setupShare(runs int) error {
	times := map[string][]time.Duration{}
	for i := 0; i <= runs; i++ {
		for _, mode := range []string{"none", "bridge"} {
			start := time.Now()
			if _, err := output(b.cmd("run", "--rm", "--network", mode, "busybox", "true")); err != nil {
				return err
			}
			if i > 0 {
				times[mode] = append(times[mode], time.Since(start))
			}
		}
	}
	none, bridge := benchstat.Median(times["none"]), benchstat.Median(times["bridge"])
	fmt.Printf("run --rm busybox true, median of %d (alternating), load average %s:\n  --network none    %8v\n  --network bridge  %8v\n  network share     %8v (target <= 20ms)\n",
		runs, benchstat.Loadavg(), none.Round(100*time.Microsecond), bridge.Round(100*time.Microsecond), (bridge - none).Round(100*time.Microsecond))
	return nil
}

func (b *bench) cleanup(podman bool) {
	if out, err := output(b.cmd("ps", "-aq", "--no-trunc")); err == nil && strings.TrimSpace(out) != "" {
		output(b.cmd(append([]string{"rm", "-f", "-v"}, strings.Fields(out)...)...))
	}
	if _, err := output(b.cmd("network", "prune", "-f")); err != nil {
		fmt.Fprintln(os.Stderr, "bench/network: cleanup:", err)
	}
	if podman {
		output(b.podman("rm", "-a", "-f", "-t", "0"))
		output(b.podman("system", "reset", "-f"))
		benchenv.CleanCNI(b.before)
	}
	for {
		var ws unix.WaitStatus
		if pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 {
			break
		}
	}
	os.RemoveAll(b.dir)
}
