package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/bench/internal/benchstat"
)

// benchHealth: one idle detached container with a healthcheck every 2 s.
// Its monitor's PSS, sampled each second over secs seconds (target <= 1
// MiB), and a probe's cost against `berth exec` of the same command
// (target <= 1.2x): run alone, side by side, in wall and CPU time; and
// the probes' CPU as the monitor's children used it over the same window.
func benchHealth(b *bench, secs, runs int) error {
	out, err := b.must("run", "-d", "--health-cmd", "true", "--health-interval", "2s", "busybox", "sleep", "100000")
	if err != nil {
		return err
	}
	id := strings.TrimSpace(out)
	mon, err := monitorOf(b, id)
	if err != nil {
		return err
	}
	time.Sleep(time.Second)
	cpu0, since := childCPU(mon), time.Now()
	var sum, peak int64
	for i := 0; i < secs; i++ {
		time.Sleep(time.Second)
		p := benchstat.PSS(mon)
		sum, peak = sum+p, max(peak, p)
	}
	cpu1 := childCPU(mon)
	evs, err := b.must("events", "--since", strconv.FormatInt(since.Unix(), 10), "--until", strconv.FormatInt(time.Now().Unix(), 10),
		"--filter", "container="+id, "--filter", "event=exec_die", "--format", "{{.Action}}")
	if err != nil {
		return err
	}
	probes := len(strings.Fields(evs))
	fmt.Printf("idle container, healthcheck every 2s, %d s:\n  monitor PSS mean %d KiB, peak %d KiB (target <= 1024)\n", secs, sum/int64(secs), peak)
	if probes > 0 {
		fmt.Printf("  %d probes, monitor's children CPU %v per probe\n", probes, ((cpu1 - cpu0) / time.Duration(probes)).Round(100*time.Microsecond))
	}
	var pw, pc, ew, ec []time.Duration
	for i := 0; i < runs; i++ {
		w, c, err := timedCPU(b.probeCmd(id))
		if err != nil {
			return err
		}
		pw, pc = append(pw, w), append(pc, c)
		if w, c, err = timedCPU(b.cmd("exec", id, "true")); err != nil {
			return err
		}
		ew, ec = append(ew, w), append(ec, c)
	}
	fmt.Printf("one probe vs berth exec of the same command, median of %d (target <= 1.2x):\n", runs)
	fmt.Printf("  wall  probe %8v  exec %8v  %.2fx\n", benchstat.Median(pw).Round(100*time.Microsecond), benchstat.Median(ew).Round(100*time.Microsecond), float64(benchstat.Median(pw))/float64(benchstat.Median(ew)))
	fmt.Printf("  cpu   probe %8v  exec %8v  %.2fx\n", benchstat.Median(pc).Round(100*time.Microsecond), benchstat.Median(ec).Round(100*time.Microsecond), float64(benchstat.Median(pc))/float64(benchstat.Median(ec)))
	_, err = b.must("rm", "-f", id)
	return err
}

// probeCmd is the process a monitor forks for one probe
// (engine/health), with its report pipe.
func (b *bench) probeCmd(id string) *exec.Cmd {
	c := exec.Command(b.berth, "monitor", filepath.Join(b.dir, "root"), filepath.Join(b.dir, "run"), id)
	c.Args[0] = "berth-health"
	c.Env = append(os.Environ(), "BERTH_MONITOR=1", "_BERTH_HEALTH=1")
	devNull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	c.ExtraFiles = []*os.File{devNull}
	return c
}

// monitorOf finds the monitor of container id.
func monitorOf(b *bench, id string) (int, error) {
	pids, err := monitorPids(b)
	if err != nil {
		return 0, err
	}
	for _, p := range pids {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if args := strings.Split(string(cmdline), "\x00"); len(args) > 4 && args[4] == id {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no monitor for container %s", id)
}

// childCPU is the user and system time of pid's waited-for children
// (fields 16 and 17 of /proc/PID/stat, in clock ticks of 10 ms).
func childCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	cu, _ := strconv.ParseInt(f[13], 10, 64)
	cs, _ := strconv.ParseInt(f[14], 10, 64)
	return time.Duration(cu+cs) * 10 * time.Millisecond
}
