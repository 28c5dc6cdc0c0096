// Command rootless benchmarks rootless berth against rootless podman, side
// by side in one run, as the same throwaway unprivileged user (issue 16):
//
//   - `run --rm busybox true` with each engine's default network, rounds
//     alternating; target <= 0.3x podman's time;
//   - throughput of a published port: a GET of a 256 MiB file from busybox
//     httpd to 127.0.0.1 from the host; target >= 1.0x podman's MB/s;
//   - the memory (PSS) of the per-container helpers of a detached container
//     with a published port: berth's monitor, slirp4netns and port
//     forwarder (berth-portfwd) against podman's
//     conmon, rootlessport (with its child) and slirp4netns; target
//     <= 0.5x podman's.
//
// podman 4.3 runs with its own defaults except the OCI runtime: its
// default, crun 1.8, refuses this hybrid cgroup host, so it uses runc.
//
// It must run as root, to make the user. The user, its home with both
// stores, its processes and the temp dir are removed at the end.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/bench/internal/benchstat"
)

func main() {
	berth := flag.String("berth", "bin/berth", "berth binary")
	runs := flag.Int("runs", 20, "run --rm of each engine (alternating)")
	mb := flag.Int("mb", 256, "size of the file fetched, in MiB")
	rounds := flag.Int("rounds", 7, "fetches per engine (alternating)")
	flag.Parse()
	if err := run(*berth, *runs, *mb, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench/rootless:", err)
		os.Exit(1)
	}
}

type bench struct {
	dir   string
	u     *benchUser
	berth string // the user's copy of the binary
}

func (b *bench) berthCmd(args ...string) *exec.Cmd { return b.u.command(b.berth, args...) }

func (b *bench) podmanCmd(args ...string) *exec.Cmd {
	return b.u.command("podman", append([]string{"--runtime", "runc"}, args...)...)
}

func output(c *exec.Cmd) (string, error) {
	out, err := c.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %w: %s", strings.Join(c.Args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func run(berth string, runs, mb, rounds int) error {
	dir, err := benchenv.Setup("berthrl-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	u, err := newUser(dir)
	if err != nil {
		return err
	}
	defer u.remove()
	b := &bench{dir: dir, u: u, berth: filepath.Join(u.bin, "berth")}
	defer b.cleanup()
	if err := b.prepare(berth); err != nil {
		return err
	}
	fmt.Printf("rootless, as user %s (uid %d); podman with --runtime runc\n", u.name, u.uid)
	if err := b.benchRun(runs); err != nil {
		return err
	}
	return b.benchPort(mb, rounds)
}

// prepare installs berth for the user and gives both engines the same
// busybox image: berth's built-in one, saved by root's berth and loaded.
func (b *bench) prepare(berth string) error {
	data, err := os.ReadFile(berth)
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.berth, data, 0o755); err != nil {
		return err
	}
	tar := filepath.Join(b.dir, "busybox.tar")
	root := []string{"--root", filepath.Join(b.dir, "root"), "--runroot", filepath.Join(b.dir, "run")}
	if _, err := output(exec.Command(berth, append(root, "pull", "-q", "busybox")...)); err != nil {
		return err
	}
	if _, err := output(exec.Command(berth, append(root, "save", "-o", tar, "busybox")...)); err != nil {
		return err
	}
	if err := os.Chmod(tar, 0o644); err != nil {
		return err
	}
	if _, err := output(b.berthCmd("load", "-q", "-i", tar)); err != nil {
		return err
	}
	_, err = output(b.podmanCmd("load", "-q", "-i", tar))
	return err
}

func (b *bench) benchRun(runs int) error {
	var bt, pt []time.Duration
	for i := 0; i <= runs; i++ {
		for _, c := range []struct {
			cmd *exec.Cmd
			to  *[]time.Duration
		}{
			{b.berthCmd("run", "--rm", "busybox", "true"), &bt},
			{b.podmanCmd("run", "--rm", "localhost/busybox", "true"), &pt},
		} {
			start := time.Now()
			if _, err := output(c.cmd); err != nil {
				return err
			}
			if i > 0 { // the first of each warms caches
				*c.to = append(*c.to, time.Since(start))
			}
		}
	}
	benchstat.ReapOrphans()
	mb, mp := benchstat.Median(bt), benchstat.Median(pt)
	fmt.Printf("run --rm busybox true (default network), median of %d (alternating), load average %s:\n", runs, benchstat.Loadavg())
	fmt.Printf("  berth   %8v (p90 %v)\n  podman  %8v (p90 %v)\n  ratio   %.3fx podman's time (target <= 0.3)\n",
		mb.Round(100*time.Microsecond), benchstat.Quantile(bt, 0.9).Round(100*time.Microsecond),
		mp.Round(100*time.Microsecond), benchstat.Quantile(pt, 0.9).Round(100*time.Microsecond),
		mb.Seconds()/mp.Seconds())
	return nil
}

// benchPort starts one httpd per engine on 127.0.0.1, alternates fetches,
// then sums each engine's per-container helpers' PSS while both run.
func (b *bench) benchPort(mb, rounds int) error {
	www := filepath.Join(b.dir, "www")
	if err := benchstat.WriteFile(filepath.Join(www, "big"), mb<<20); err != nil {
		return err
	}
	if err := os.Chmod(www, 0o755); err != nil {
		return err
	}
	httpd := []string{"-v", www + ":/www:ro", "-p", "127.0.0.1::80"} // berth and podman each pick the host port
	serve := []string{"httpd", "-f", "-p", "80", "-h", "/www"}
	if _, err := output(b.berthCmd(append(append([]string{"run", "-d", "--name", "web"}, httpd...), append([]string{"busybox"}, serve...)...)...)); err != nil {
		return err
	}
	if _, err := output(b.podmanCmd(append(append([]string{"run", "-d", "--name", "web"}, httpd...), append([]string{"localhost/busybox"}, serve...)...)...)); err != nil {
		return err
	}
	urls := map[string]string{}
	for name, c := range map[string]*exec.Cmd{"berth": b.berthCmd("port", "web", "80"), "podman": b.podmanCmd("port", "web", "80")} {
		out, err := output(c)
		if err != nil {
			return err
		}
		f := strings.Fields(out)
		if len(f) == 0 {
			return fmt.Errorf("%s port web 80: no published address", name)
		}
		urls[name] = "http://" + f[0] + "/big"
	}
	rates := map[string][]float64{}
	for i := 0; i <= rounds; i++ {
		for _, name := range []string{"berth", "podman"} {
			r, err := benchstat.Fetch(urls[name], int64(mb)<<20)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if i > 0 { // the first fetch warms the page cache
				rates[name] = append(rates[name], r)
			}
		}
	}
	rb, rp := benchstat.MedianF(rates["berth"]), benchstat.MedianF(rates["podman"])
	// Each round's two fetches are seconds apart, so their ratio cancels
	// the other loads of a shared host better than the ratio of medians.
	var paired []float64
	for i := range rates["berth"] {
		paired = append(paired, rates["berth"][i]/rates["podman"][i])
	}
	fmt.Printf("published-port throughput, GET of %d MiB from busybox httpd on 127.0.0.1, median of %d (alternating), load average %s:\n",
		mb, rounds, benchstat.Loadavg())
	fmt.Printf("  berth   %8.0f MB/s\n  podman  %8.0f MB/s\n  ratio   %.2fx podman's (target >= 1.0); median of the rounds' ratios %.2fx\n",
		rb, rp, rb/rp, benchstat.MedianF(paired))
	return b.helperMemory()
}

// helperEngine says whose per-container helper a command line is: by what
// it starts with, and for slirp4netns, which both run, by whose run dir
// its namespace is in (berth's is under $XDG_RUNTIME_DIR/berth/netns).
func helperEngine(args []string) string {
	switch {
	case strings.HasPrefix(args[0], "berth-monitor"), args[0] == "berth-portfwd":
		return "berth"
	case strings.HasPrefix(args[0], "/usr/bin/conmon"), strings.HasPrefix(args[0], "rootlessport"):
		return "podman"
	case args[0] == "/usr/bin/slirp4netns":
		if strings.Contains(strings.Join(args, " "), "/berth/netns/") {
			return "berth"
		}
		return "podman"
	}
	return ""
}

func (b *bench) helperMemory() error {
	total := map[string]int64{}
	var lines []string
	for _, pid := range b.u.processes() {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || len(cmdline) == 0 {
			continue // gone, or a zombie
		}
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if engine := helperEngine(args); engine != "" {
			kib := benchstat.PSS(pid)
			total[engine] += kib
			lines = append(lines, fmt.Sprintf("    %-6s %-22s %6d KiB", engine, filepath.Base(args[0]), kib))
		}
	}
	if total["berth"] == 0 || total["podman"] == 0 {
		return fmt.Errorf("per-container helpers not found (berth %d KiB, podman %d KiB)", total["berth"], total["podman"])
	}
	fmt.Printf("per-container helpers of a detached container with a published port (PSS):\n%s\n", strings.Join(lines, "\n"))
	fmt.Printf("  berth   %6d KiB\n  podman  %6d KiB\n  ratio   %.2fx podman's (target <= 0.5)\n",
		total["berth"], total["podman"], float64(total["berth"])/float64(total["podman"]))
	return nil
}

// cleanup removes both engines' containers while the user still exists,
// so their own clean-up (mounts in the user namespace, slirp4netns, conmon)
// runs; the user's removal kills what is left.
func (b *bench) cleanup() {
	for _, c := range []*exec.Cmd{b.berthCmd("rm", "-f", "web"), b.podmanCmd("rm", "-f", "web")} {
		if _, err := output(c); err != nil && !strings.Contains(err.Error(), "no such container") {
			fmt.Fprintln(os.Stderr, "bench/rootless: clean up:", err)
		}
	}
	benchstat.ReapOrphans()
}
