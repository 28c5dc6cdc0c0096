// Command engine benchmarks berth's container half against podman on this
// machine, side by side in one run:
//
//   - `berth run --rm busybox true` against `podman run --rm` of the same
//     image (podman with runc, cgroupfs and --network none, in a private
//     root); target <= 0.2x podman's wall time; and the same run with
//     seccomp=unconfined, for the cost of Docker's default profile
//     (target <= 1 ms);
//   - `berth ps -a` with 500 containers; target < 100 ms; `berth info` and
//     `berth version` over the same store: target < 50 ms each;
//   - `berth events --since X --until Y` over 100,000 logged events, each
//     printed: target < 1 s (events.go);
//   - an idle container with a healthcheck every 2 s: its monitor's PSS
//     over a minute (target <= 1 MiB) and a probe's cost against berth
//     exec of the same command (target <= 1.2x) (health.go);
//   - memory per idle detached container: the summed PSS of every monitor
//     of 50 idle containers, divided by 50; target <= 1.5 MiB. A monitor
//     keeps its pid and command line when it turns into its C idle loop
//     (engine/idlemon), so the processes found are all there are.
//
// It must run as root. Everything it makes lives under a temp directory and
// is removed at the end.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/bench/internal/benchstat"
)

func main() {
	berth := flag.String("berth", "bin/berth", "berth binary")
	runs := flag.Int("runs", 20, "runs of each run --rm")
	many := flag.Int("containers", 500, "containers for ps -a")
	idle := flag.Int("idle", 50, "idle containers for the memory figure")
	noPodman := flag.Bool("no-podman", false, "skip podman")
	events := flag.Int("events", 100000, "logged events for events --since")
	healthSecs := flag.Int("health-secs", 60, "seconds the healthchecked container's monitor is sampled")
	only := flag.String("only", "", "run only this part: health, or events (with ps -a, info and version)")
	flag.Parse()
	if *only == "health" {
		if err := runHealth(*berth, *healthSecs, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "bench/engine:", err)
			os.Exit(1)
		}
		return
	}
	if *only == "events" {
		if err := runEvents(*berth, *events, *many); err != nil {
			fmt.Fprintln(os.Stderr, "bench/engine:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*berth, *runs, *many, *idle, *events, !*noPodman, *healthSecs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/engine:", err)
		os.Exit(1)
	}
}

type bench struct {
	berth, dir string
}

func (b *bench) cmd(args ...string) *exec.Cmd {
	full := append([]string{"--root", filepath.Join(b.dir, "root"), "--runroot", filepath.Join(b.dir, "run")}, args...)
	return exec.Command(b.berth, full...)
}

func (b *bench) must(args ...string) (string, error) {
	var out, errb bytes.Buffer
	c := b.cmd(args...)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("berth %s: %w: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func podmanCmd(dir string, args ...string) *exec.Cmd {
	full := append([]string{"--root", filepath.Join(dir, "proot"), "--runroot", filepath.Join(dir, "prun"),
		"--cgroup-manager", "cgroupfs", "--runtime", "runc", "--storage-driver", "overlay"}, args...)
	return exec.Command("podman", full...)
}

func timed(c *exec.Cmd) (time.Duration, error) {
	d, _, err := timedCPU(c)
	return d, err
}

// timedCPU is timed with the CPU time (user and system) of the command and
// the children it waited for, which a loaded machine disturbs far less
// than the wall time.
func timedCPU(c *exec.Cmd) (wall, cpu time.Duration, err error) {
	var errb bytes.Buffer
	c.Stderr = &errb
	start := time.Now()
	err = c.Run()
	wall = time.Since(start)
	if err != nil {
		return wall, 0, fmt.Errorf("%s: %w: %s", strings.Join(c.Args, " "), err, errb.String())
	}
	return wall, c.ProcessState.UserTime() + c.ProcessState.SystemTime(), nil
}

// newBench makes the bench's temp roots with busybox in them; cleanup
// removes them.
func newBench(berth string) (*bench, error) {
	abs, err := filepath.Abs(berth)
	if err != nil {
		return nil, err
	}
	dir, err := benchenv.Setup("berthbench-")
	if err != nil {
		return nil, err
	}
	b := &bench{berth: abs, dir: dir}
	if _, err := b.must("pull", "-q", "busybox"); err != nil {
		cleanup(b, false)
		return nil, err
	}
	return b, nil
}

// runEvents is the part of the run that needs no podman: events --since
// over a large log, then ps -a, info and version over many containers.
func runEvents(berth string, events, many int) error {
	b, err := newBench(berth)
	if err != nil {
		return err
	}
	defer cleanup(b, false)
	if err := benchEvents(b, events); err != nil {
		return err
	}
	return benchPs(b, many)
}

func run(berth string, runs, many, idle, events int, podman bool, healthSecs int) error {
	b, err := newBench(berth)
	if err != nil {
		return err
	}
	defer cleanup(b, podman)
	if podman {
		if err := loadPodman(b); err != nil {
			return err
		}
	}
	if err := benchRun(b, runs, podman); err != nil {
		return err
	}
	if err := benchHealth(b, healthSecs, runs); err != nil {
		return err
	}
	if err := benchIdle(b, idle); err != nil {
		return err
	}
	if err := benchEvents(b, events); err != nil {
		return err
	}
	return benchPs(b, many)
}

// runHealth is run with the healthcheck part alone.
func runHealth(berth string, secs, runs int) error {
	b, err := newBench(berth)
	if err != nil {
		return err
	}
	defer cleanup(b, false)
	return benchHealth(b, secs, runs)
}

func loadPodman(b *bench) error {
	tar := filepath.Join(b.dir, "busybox.tar")
	if _, err := b.must("save", "-o", tar, "busybox"); err != nil {
		return err
	}
	if out, err := podmanCmd(b.dir, "load", "-q", "-i", tar).CombinedOutput(); err != nil {
		return fmt.Errorf("podman load: %w: %s", err, out)
	}
	return nil
}

func benchRun(b *bench, runs int, podman bool) error {
	// podman sets nofile and nproc above this sandbox's hard limits unless
	// told lower ones (no CAP_SYS_RESOURCE here); the limits do not change
	// its timing.
	pargs := []string{"run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "busybox", "true"}
	// The same run unconfined shows what Docker's default seccomp profile,
	// applied to every other run, costs (target <= 1 ms: compiled once,
	// then read from the runtime's cache).
	var bt, ut, bc, uc, pt []time.Duration
	for i := 0; i < runs+1; i++ {
		d, dc, err := timedCPU(b.cmd("run", "--rm", "--network", "none", "busybox", "true"))
		if err != nil {
			return err
		}
		u, ucpu, err := timedCPU(b.cmd("run", "--rm", "--network", "none", "--security-opt", "seccomp=unconfined", "busybox", "true"))
		if err != nil {
			return err
		}
		if i > 0 { // the first run of each warms caches
			bt, ut, bc, uc = append(bt, d), append(ut, u), append(bc, dc), append(uc, ucpu)
		}
		if podman {
			d, err := timed(podmanCmd(b.dir, pargs...))
			if err != nil {
				return err
			}
			if i > 0 {
				pt = append(pt, d)
			}
		}
	}
	fmt.Printf("run --rm busybox true, median of %d (alternating), load average %s:\n  berth   %8v\n", runs, benchstat.Loadavg(), benchstat.Median(bt).Round(100*time.Microsecond))
	fmt.Printf("  berth, seccomp=unconfined %8v: the default profile costs %v wall, %v CPU (%v against %v; target <= 1ms)\n",
		benchstat.Median(ut).Round(100*time.Microsecond), (benchstat.Median(bt) - benchstat.Median(ut)).Round(100*time.Microsecond),
		(benchstat.Median(bc) - benchstat.Median(uc)).Round(100*time.Microsecond), benchstat.Median(bc).Round(100*time.Microsecond), benchstat.Median(uc).Round(100*time.Microsecond))
	if podman {
		fmt.Printf("  podman  %8v\n  ratio   %.3fx podman's time (target <= 0.2, goal 0.1)\n",
			benchstat.Median(pt).Round(100*time.Microsecond), benchstat.Median(bt).Seconds()/benchstat.Median(pt).Seconds())
	}
	return nil
}

func benchIdle(b *bench, n int) error {
	for i := 0; i < n; i++ {
		if _, err := b.must("run", "-d", "busybox", "sleep", "100000"); err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	pids, err := monitorPids(b)
	if err != nil {
		return err
	}
	var total int64
	for _, p := range pids {
		total += benchstat.PSS(p)
	}
	fmt.Printf("idle detached containers: %d, berth processes for them: %d\n  summed PSS %d KiB, per container %.2f MiB (target <= 1.5, goal 1)\n",
		n, len(pids), total, float64(total)/float64(n)/1024)
	return nil
}

// monitorPids finds every berth monitor of this bench's root.
func monitorPids(b *bench) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	root := filepath.Join(b.dir, "root")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 2 && args[1] == "monitor" && args[2] == root {
			out = append(out, pid)
		}
	}
	return out, nil
}

func benchPs(b *bench, n int) error {
	out, err := b.must("ps", "-aq")
	if err != nil {
		return err
	}
	have := len(strings.Fields(out))
	for i := have; i < n; i++ {
		if _, err := b.must("create", "busybox", "true"); err != nil {
			return err
		}
	}
	// info counts the same containers: it must not grow with the store
	// (no layer walked, no size computed); version reads nothing.
	for _, c := range []struct {
		args   []string
		target string
	}{{[]string{"ps", "-a"}, "100ms"}, {[]string{"info"}, "50ms"}, {[]string{"version"}, "50ms"}} {
		var ts []time.Duration
		for i := 0; i < 11; i++ {
			d, err := timed(b.cmd(c.args...))
			if err != nil {
				return err
			}
			ts = append(ts, d)
		}
		fmt.Printf("%s with %d containers (%d running), median of 11:\n  berth   %8v (target < %s)\n",
			strings.Join(c.args, " "), n, have, benchstat.Median(ts).Round(100*time.Microsecond), c.target)
	}
	return nil
}

func cleanup(b *bench, podman bool) {
	if out, err := b.must("ps", "-aq", "--no-trunc"); err == nil && strings.TrimSpace(out) != "" {
		ids := strings.Fields(out)
		for len(ids) > 0 {
			k := min(len(ids), 100)
			b.must(append([]string{"rm", "-f", "-v"}, ids[:k]...)...)
			ids = ids[k:]
		}
	}
	b.must("network", "prune", "-f") // the default bridge of the idle containers
	if podman {
		podmanCmd(b.dir, "rm", "-a", "-f").Run()
		podmanCmd(b.dir, "system", "reset", "-f").Run()
	}
	// Reap the monitors that rm -f killed.
	for {
		var ws unix.WaitStatus
		if pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 {
			break
		}
	}
	os.RemoveAll(b.dir)
}
