// Command seccomp measures what Docker's default seccomp profile costs a
// `berth run`: interleaved pairs of
//
//	berth run --rm --network none busybox true
//	berth run --rm --network none --security-opt seccomp=unconfined busybox true
//
// (the first of each pair alternating), and prints per variant the median
// wall time and the median CPU time (user + system of berth and every
// process it waited for, wait4's rusage), then the difference of the
// medians and the median of the per-pair differences. Target: the default
// profile costs at most 1 ms. Run as root; everything lives in a temp
// root that is removed at the end. bench/README.md has the figures.
//
//	go run ./bench/seccomp -n 100
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/bench/internal/benchenv"
)

func main() {
	berth := flag.String("berth", "bin/berth", "berth binary")
	n := flag.Int("n", 60, "measured pairs")
	warmup := flag.Int("warmup", 5, "pairs run first and not counted (the first compiles and caches the profile)")
	other := flag.String("other", "--security-opt seccomp=unconfined", "run options of the variant compared with the default")
	flag.Parse()
	if err := run(*berth, *n, *warmup, strings.Fields(*other)); err != nil {
		fmt.Fprintln(os.Stderr, "bench/seccomp:", err)
		os.Exit(1)
	}
}

type sample struct{ wall, cpu time.Duration }

func run(berth string, n, warmup int, other []string) error {
	abs, err := filepath.Abs(berth)
	if err != nil {
		return err
	}
	dir, err := benchenv.Setup("berthseccomp-")
	if err != nil {
		return err
	}
	defer cleanup(abs, dir)
	if _, err := berthRun(abs, dir, "pull", "-q", "busybox"); err != nil {
		return err
	}
	base := []string{"run", "--rm", "--network", "none"}
	variants := [2][]string{
		append(slices.Clone(base), "busybox", "true"),
		append(append(slices.Clone(base), other...), "busybox", "true"),
	}
	var got [2][]sample
	for i := range warmup + n {
		var pair [2]sample
		for k := range 2 {
			v := (i + k) % 2 // alternate which variant goes first
			if pair[v], err = berthRun(abs, dir, variants[v]...); err != nil {
				return err
			}
		}
		if i >= warmup {
			got[0], got[1] = append(got[0], pair[0]), append(got[1], pair[1])
		}
	}
	report(variants, got, n)
	return nil
}

func report(variants [2][]string, got [2][]sample, n int) {
	fmt.Printf("%d interleaved pairs, load average %s, medians:\n", n, loadavg())
	var med [2]sample
	for v := range 2 {
		med[v] = sample{median(got[v], func(s sample) time.Duration { return s.wall }),
			median(got[v], func(s sample) time.Duration { return s.cpu })}
		fmt.Printf("  %-70s wall %8v  cpu %8v\n", "berth "+strings.Join(variants[v], " "), r(med[v].wall), r(med[v].cpu))
	}
	diffs := make([]sample, n)
	for i := range n {
		diffs[i] = sample{got[0][i].wall - got[1][i].wall, got[0][i].cpu - got[1][i].cpu}
	}
	fmt.Printf("default profile costs: wall %v, cpu %v (difference of medians); wall %v, cpu %v (median of pair differences); "+
		"wall %v (difference of the fastest quartiles' tops, which a loaded machine disturbs least); target <= 1ms\n",
		r(med[0].wall-med[1].wall), r(med[0].cpu-med[1].cpu),
		r(median(diffs, func(s sample) time.Duration { return s.wall })),
		r(median(diffs, func(s sample) time.Duration { return s.cpu })),
		r(quantile(got[0], 0.25)-quantile(got[1], 0.25)))
}

// quantile is the q-quantile of the samples' wall times.
func quantile(s []sample, q float64) time.Duration {
	ds := make([]time.Duration, len(s))
	for i, x := range s {
		ds[i] = x.wall
	}
	slices.Sort(ds)
	return ds[int(q*float64(len(ds)-1))]
}

func r(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

func median(s []sample, f func(sample) time.Duration) time.Duration {
	ds := make([]time.Duration, len(s))
	for i, x := range s {
		ds[i] = f(x)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// berthRun runs berth with dir's roots and returns its wall and CPU time.
func berthRun(berth, dir string, args ...string) (sample, error) {
	full := append([]string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run")}, args...)
	c := exec.Command(berth, full...)
	var errb bytes.Buffer
	c.Stderr = &errb
	start := time.Now()
	err := c.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("berth %s: %w: %s", strings.Join(args, " "), err, errb.String())
	}
	return sample{wall, c.ProcessState.UserTime() + c.ProcessState.SystemTime()}, nil
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

// cleanup removes what a failed run left, reaps orphans handed to us
// (PID 1 here does not) and removes the temp roots.
func cleanup(berth, dir string) {
	if out, err := berthRun2(berth, dir, "ps", "-aq", "--no-trunc"); err == nil && out != "" {
		_, _ = berthRun2(berth, dir, append([]string{"rm", "-f"}, strings.Fields(out)...)...)
	}
	for {
		var ws unix.WaitStatus
		if pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 {
			break
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/seccomp: remove temp root:", err)
	}
}

func berthRun2(berth, dir string, args ...string) (string, error) {
	full := append([]string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run")}, args...)
	out, err := exec.Command(berth, full...).Output()
	return strings.TrimSpace(string(out)), err
}
