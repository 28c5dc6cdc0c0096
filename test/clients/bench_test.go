package clients_test

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// BenchmarkClients times what issue 5 asks berth-runtime to reach: `podman
// run --rm busybox true` and `ctr run --rm busybox true` with berth-runtime
// at most 0.9x their time with runc. One private podman setup, whose
// containers.conf names both runtimes (both in runtime_supports_json), and
// one private containerd serve every run; each run picks its runtime with
// `podman --runtime NAME` or `ctr run --runc-binary PATH`. Runs alternate
// runc, berth, runc, berth... after a few warm-up pairs, and before each one
// the benchmark waits until the previous run's processes (conmon and its
// `podman container cleanup`, the shim) are gone, so that no run pays for
// the one before. It prints the median and p90 of each runtime, the ratio
// berth/runc and the load average. Run it with
//
//	make build
//	BERTH_TEST_RUNTIME=$PWD/bin/berth-runtime go test -count=1 -run '^$' -bench Clients -benchtime 1x ./test/clients/
//
// (`make bench` does). The environment tunes it:
//
//	BERTH_BENCH_RUNS=30     measured runs per runtime and client
//	BERTH_BENCH_WARMUP=3    warm-up runs per runtime and client, not counted
//	BERTH_BENCH_RUNC=runc   the runc binary (a path or a name on $PATH)
//	BERTH_BENCH_TRACE=1     run each runtime through a shim script that logs
//	                        every invocation, and print the time per runtime
//	                        command (create, start, state, kill, delete...)
//
// With BERTH_BENCH_TRACE the shim (bash, no fork) adds the same 1-2 ms to
// every runtime call of both runtimes: compare the per-command figures,
// not the totals, with those of a run without it.
func BenchmarkClients(b *testing.B) {
	testutil.RequireRoot(b)
	runs, warmup := envInt(b, "BERTH_BENCH_RUNS", 30), envInt(b, "BERTH_BENCH_WARMUP", 3)
	runcName := os.Getenv("BERTH_BENCH_RUNC")
	if runcName == "" {
		runcName = "runc"
	}
	runc, err := exec.LookPath(runcName)
	if err != nil {
		b.Fatalf("BERTH_BENCH_RUNC=%s: %v", runcName, err)
	}
	rts := []benchRuntime{{name: "runc", bin: runc}, {name: "berth", bin: runtimeBinary(b)}}
	var trace string
	if os.Getenv("BERTH_BENCH_TRACE") != "" {
		trace = b.TempDir()
		for i := range rts {
			rts[i].bin = writeTimingShim(b, trace, rts[i])
		}
	}
	rootfs, oci := testImages(b)
	cfg := benchConfig{runtimes: rts, runs: runs, warmup: warmup, trace: trace}

	b.Run("Podman", func(b *testing.B) {
		requireBinaries(b, "podman", "conmon")
		conf := map[string]string{}
		for _, rt := range rts {
			conf[rt.name] = rt.bin
		}
		c := startPodmanRuntimes(b, rts[0].name, conf)
		c.must(b, "import", rootfs, imageRef)
		cfg.run(b, "podman run --rm busybox true", func(rt benchRuntime) *exec.Cmd {
			return c.command(b, append([]string{"--runtime", rt.name}, c.runArgs([]string{"--rm"}, "true")...)...)
		})
	})
	b.Run("Containerd", func(b *testing.B) {
		requireBinaries(b, "containerd", "ctr", "containerd-shim-runc-v2")
		c := startContainerd(b)
		c.must(b, "images", "import", oci)
		cfg.run(b, "ctr run --rm busybox true", func(rt benchRuntime) *exec.Cmd {
			return c.command(b, "run", "--rm", "--runtime", "io.containerd.runc.v2", "--runc-binary", rt.bin,
				"--runc-root", c.env.Path("root-"+rt.name), "--fifo-dir", c.env.Path("fifo"),
				imageRef, testutil.NewID(b), "true")
		})
	})
}

// benchRuntime is one runtime as a client is given it: podman's name for
// it in containers.conf and its binary (or the timing shim in front of it).
type benchRuntime struct{ name, bin string }

type benchConfig struct {
	runtimes     []benchRuntime
	runs, warmup int
	trace        string // the timing shims' dir, "" without BERTH_BENCH_TRACE
}

// run times cmd's runs for each runtime, alternating, and reports them.
func (cfg benchConfig) run(b *testing.B, what string, cmd func(benchRuntime) *exec.Cmd) {
	// The processes that belong to the setup (containerd): a run is over
	// when its own descendants are gone.
	base := descendantSet(b)
	settle := func() {
		var extra []int
		if !testutil.WaitFor(10*time.Second, func() bool {
			extra = extra[:0]
			for pid := range descendantSet(b) {
				if !base[pid] {
					extra = append(extra, pid)
				}
			}
			return len(extra) == 0
		}) {
			for _, pid := range extra {
				b.Logf("still running 10s after a run: %d (%s)", pid, testutil.Cmdline(pid))
			}
			b.Fatalf("%s: the previous run's processes do not exit", what)
		}
	}
	times := make(map[string][]time.Duration)
	var measured []benchRun
	loadBefore := loadAvg()
	for i := range cfg.warmup + cfg.runs {
		if i == cfg.warmup {
			cfg.resetTrace(b)
		}
		for _, rt := range cfg.runtimes {
			settle()
			start := time.Now()
			d := timeRun(b, cmd(rt))
			if i >= cfg.warmup {
				times[rt.name] = append(times[rt.name], d)
				measured = append(measured, benchRun{rt: rt.name, start: start, end: start.Add(d)})
			}
		}
	}
	settle()
	loadAfter := loadAvg()
	b.StopTimer()

	var out strings.Builder
	fmt.Fprintf(&out, "\n%s: n=%d per runtime after %d warm-up, alternating %s\n", what, cfg.runs, cfg.warmup,
		strings.Join(names(cfg.runtimes), ", "))
	fmt.Fprintf(&out, "load average before: %s; after: %s (%d CPUs)\n", loadBefore, loadAfter, goruntime.NumCPU())
	fmt.Fprintf(&out, "%-8s %10s %10s %10s %10s\n", "runtime", "median ms", "p90 ms", "min ms", "max ms")
	for _, rt := range cfg.runtimes {
		ds := times[rt.name]
		fmt.Fprintf(&out, "%-8s %10.1f %10.1f %10.1f %10.1f\n", rt.name, ms(median(ds)), ms(percentile(ds, 90)),
			ms(slices.Min(ds)), ms(slices.Max(ds)))
		b.ReportMetric(ms(median(ds)), rt.name+"-median-ms")
	}
	if len(cfg.runtimes) == 2 {
		x, y := cfg.runtimes[1].name, cfg.runtimes[0].name
		ratio := ms(median(times[x])) / ms(median(times[y]))
		fmt.Fprintf(&out, "%s/%s: median %.2f, p90 %.2f\n", x, y, ratio,
			ms(percentile(times[x], 90))/ms(percentile(times[y], 90)))
		b.ReportMetric(ratio, x+"/"+y)
		// The difference within each pair (run back to back) is steadier
		// than the ratio of medians when the load changes during the runs.
		diffs := make([]time.Duration, len(times[x]))
		for i := range diffs {
			diffs[i] = times[x][i] - times[y][i]
		}
		fmt.Fprintf(&out, "%s-%s within a pair: median %+.1f ms, quartiles %+.1f and %+.1f ms\n", x, y,
			ms(median(diffs)), ms(percentile(diffs, 25)), ms(percentile(diffs, 75)))
	}
	if cfg.trace != "" {
		out.WriteString(cfg.traceReport(b, measured))
	}
	fmt.Print(out.String())
}

// timeRun runs cmd, its output in a temp file (a pipe would make Wait
// wait for whatever the client leaves holding it), and returns how long it
// took; a failure ends the benchmark.
func timeRun(b *testing.B, cmd *exec.Cmd) time.Duration {
	b.Helper()
	f, err := os.CreateTemp("", "out")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		out, _ := os.ReadFile(f.Name())
		b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return d
}

// timingShim runs the runtime and appends one line per invocation to
// <dir>/<name>.log: start and end (Unix seconds, from bash's
// $EPOCHREALTIME, so without a fork), exit status and arguments.
const timingShim = `#!/bin/bash
t0=$EPOCHREALTIME
%q "$@"
rc=$?
t1=$EPOCHREALTIME
echo "$t0 $t1 $rc $*" >>%q
exit $rc
`

func writeTimingShim(b *testing.B, dir string, rt benchRuntime) string {
	b.Helper()
	path := filepath.Join(dir, rt.name)
	script := fmt.Sprintf(timingShim, rt.bin, filepath.Join(dir, rt.name+".log"))
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		b.Fatal(err)
	}
	return path
}

// resetTrace drops what the shims logged so far (the warm-up's calls).
func (cfg benchConfig) resetTrace(b *testing.B) {
	if cfg.trace == "" {
		return
	}
	for _, rt := range cfg.runtimes {
		if err := os.Remove(filepath.Join(cfg.trace, rt.name+".log")); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
}

// runtimeVerbs are the runtime commands a shim log line is filed under.
var runtimeVerbs = []string{"create", "start", "state", "kill", "delete", "run", "exec", "ps", "pause",
	"resume", "update", "features", "list", "events", "checkpoint", "restore", "spec"}

// benchRun is one measured client run; runtimeCall one runtime invocation
// the timing shim logged.
type (
	benchRun struct {
		rt         string
		start, end time.Time
	}
	runtimeCall struct {
		rt         string
		verb       string // from runtimeVerbs, "other", with " (failed)" if it failed
		start, end time.Time
	}
)

// traceReport shows where each client run's time went, from the timing
// shims' logs: per runtime command, how often each runtime was called per
// run and how long a call took; then the timeline of a run, the median of
// each runtime call and of each gap between two calls (the client's and
// its helpers' own work: conmon or the shim, podman, containerd), from the
// client's start to its exit.
func (cfg benchConfig) traceReport(b *testing.B, runs []benchRun) string {
	var calls []runtimeCall
	for _, rt := range cfg.runtimes {
		calls = append(calls, readTrace(b, filepath.Join(cfg.trace, rt.name+".log"), rt.name)...)
	}
	slices.SortFunc(calls, func(x, y runtimeCall) int { return x.start.Compare(y.start) })

	// Per command: calls per run, median per call, time per run.
	type cell struct{ ds []time.Duration }
	perVerb := map[string]map[string]*cell{}
	var verbs []string
	// Per step of the timeline, such as "create" or "create -> start".
	perStep := map[string]map[string]*cell{}
	var steps []string
	add := func(m map[string]map[string]*cell, keys *[]string, key, rt string, d time.Duration) {
		if m[key] == nil {
			m[key] = map[string]*cell{}
			*keys = append(*keys, key)
		}
		if m[key][rt] == nil {
			m[key][rt] = &cell{}
		}
		m[key][rt].ds = append(m[key][rt].ds, d)
	}
	for k, r := range runs {
		// A run's calls are those that began after it started and before
		// the next run: cleanup that outlives the client counts too.
		next := time.Now()
		if k+1 < len(runs) {
			next = runs[k+1].start
		}
		prev, at := "client start", r.start
		for _, c := range calls {
			if c.rt != r.rt || c.start.Before(r.start) || !c.start.Before(next) {
				continue
			}
			add(perVerb, &verbs, c.verb, r.rt, c.end.Sub(c.start))
			add(perStep, &steps, prev+" -> "+c.verb, r.rt, c.start.Sub(at))
			add(perStep, &steps, c.verb, r.rt, c.end.Sub(c.start))
			prev, at = c.verb, c.end
		}
		add(perStep, &steps, prev+" -> client exit", r.rt, r.end.Sub(at))
	}
	nruns := len(runs) / len(cfg.runtimes)

	var out strings.Builder
	out.WriteString("runtime calls through the timing shim: calls per run, median ms per call, ms per run\n")
	fmt.Fprintf(&out, "%-34s", "command")
	for _, rt := range cfg.runtimes {
		fmt.Fprintf(&out, " %11s %8s %8s", rt.name+" calls", "median", "per run")
	}
	out.WriteString("\n")
	totals := make([]time.Duration, len(cfg.runtimes))
	for _, verb := range verbs {
		fmt.Fprintf(&out, "%-34s", verb)
		for i, rt := range cfg.runtimes {
			c := perVerb[verb][rt.name]
			if c == nil {
				fmt.Fprintf(&out, " %11s %8s %8s", "-", "-", "-")
				continue
			}
			var sum time.Duration
			for _, d := range c.ds {
				sum += d
			}
			totals[i] += sum
			fmt.Fprintf(&out, " %11.2f %8.1f %8.1f", float64(len(c.ds))/float64(nruns), ms(median(c.ds)), ms(sum)/float64(nruns))
		}
		out.WriteString("\n")
	}
	fmt.Fprintf(&out, "%-34s", "all calls")
	for i := range cfg.runtimes {
		fmt.Fprintf(&out, " %11s %8s %8.1f", "", "", ms(totals[i])/float64(nruns))
	}
	out.WriteString("\n")

	out.WriteString("a run's timeline: median ms of each call and of each gap between calls (n: runs that had it)\n")
	fmt.Fprintf(&out, "%-34s", "step")
	for _, rt := range cfg.runtimes {
		fmt.Fprintf(&out, " %11s %8s", rt.name+" n", "median")
	}
	out.WriteString("\n")
	for _, step := range steps {
		fmt.Fprintf(&out, "%-34s", step)
		for _, rt := range cfg.runtimes {
			if c := perStep[step][rt.name]; c != nil {
				fmt.Fprintf(&out, " %11d %8.1f", len(c.ds), ms(median(c.ds)))
			} else {
				fmt.Fprintf(&out, " %11s %8s", "-", "-")
			}
		}
		out.WriteString("\n")
	}
	return out.String()
}

// readTrace parses a timing shim's log.
func readTrace(b *testing.B, path, rt string) []runtimeCall {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var calls []runtimeCall
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		t0, err0 := strconv.ParseFloat(fields[0], 64)
		t1, err1 := strconv.ParseFloat(fields[1], 64)
		if err0 != nil || err1 != nil {
			continue
		}
		c := runtimeCall{rt: rt, verb: "other", start: unixTime(t0), end: unixTime(t1)}
		for _, a := range fields[3:] {
			if slices.Contains(runtimeVerbs, a) {
				c.verb = a
				break
			}
		}
		if fields[2] != "0" {
			c.verb += " (failed)"
		}
		calls = append(calls, c)
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return calls
}

func unixTime(sec float64) time.Time {
	whole := math.Floor(sec)
	return time.Unix(int64(whole), int64((sec-whole)*1e9))
}

func descendantSet(b *testing.B) map[int]bool {
	pids, err := testutil.ChildProcesses()
	if err != nil {
		b.Fatal(err)
	}
	set := make(map[int]bool, len(pids))
	for _, p := range pids {
		set[p] = true
	}
	return set
}

func names(rts []benchRuntime) []string {
	var ns []string
	for _, rt := range rts {
		ns = append(ns, rt.name)
	}
	return ns
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%s: want a positive number", name, s)
	}
	return n
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile is the nearest-rank p-th percentile.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}
