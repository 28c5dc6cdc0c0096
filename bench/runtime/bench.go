package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/bench/internal/benchstat"
	"github.com/berth-containers/berth/internal/busyboxfs"
	"github.com/berth-containers/berth/runtime/spec"
)

// phases timed per container: "run", or "create", "start", "delete".
func phases(breakdown bool) []string {
	if breakdown {
		return []string{"create", "start", "delete"}
	}
	return []string{"run"}
}

type sample struct {
	took map[string]time.Duration
}

type runner struct {
	runtimeBin
	root   string
	bundle string
	seq    int
	// floor: not a runtime but the kernel's floor (floor.go).
	floor    bool
	withTime bool
}

func bench(opts *options) error {
	tmp, err := benchenv.Setup("berth-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bundle := filepath.Join(tmp, "bundle")
	if err := busyboxfs.Build(filepath.Join(bundle, "rootfs"), ""); err != nil {
		return err
	}
	runners := make([]*runner, len(opts.runtimes))
	for i, rb := range opts.runtimes {
		runners[i] = &runner{runtimeBin: rb, root: filepath.Join(tmp, "root-"+rb.Name), bundle: bundle}
	}
	if opts.floor {
		runners = append(runners, &runner{runtimeBin: runtimeBin{Name: floorName, Path: "(clone3 + exec)"}, bundle: bundle, floor: true})
	}
	defer benchstat.ReapOrphans()
	defer cleanup(runners)

	withTime := allSupportTimeNS(runners)
	if err := writeConfig(bundle, withTime); err != nil {
		return err
	}
	for _, r := range runners {
		r.withTime = withTime
	}
	namespaces := "pid mount uts ipc network cgroup"
	if withTime {
		namespaces += " time"
	} else {
		fmt.Fprintln(os.Stderr, "time namespace left out: not every runtime supports it")
	}
	fmt.Fprintf(os.Stderr, "namespaces: %s; %d warm-up + %d measured containers per runtime, interleaved\n", namespaces, opts.warmup, opts.n)

	samples := make([][]sample, len(runners))
	for i := 0; i < opts.warmup+opts.n; i++ {
		// Rotate who goes first so no runtime always follows the same one.
		for k := range runners {
			j := (i + k) % len(runners)
			time.Sleep(opts.gap)
			s, err := runners[j].once(opts.breakdown)
			if err != nil {
				return err
			}
			if i >= opts.warmup {
				samples[j] = append(samples[j], s)
			}
			benchstat.ReapOrphans()
		}
	}
	peaks := make([]int64, len(runners))
	for i, r := range runners {
		if peaks[i], err = r.peakRSS(opts.breakdown); err != nil {
			return err
		}
	}
	rep := summarize(runners, samples, peaks, opts.breakdown)
	rep.Namespaces = strings.Fields(namespaces)
	if opts.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printTable(rep)
	if opts.floor {
		floorNote(os.Stdout)
	}
	return nil
}

// once runs one container to its end and times it.
func (r *runner) once(breakdown bool) (sample, error) {
	if r.floor {
		return r.floorOnce(r.withTime)
	}
	r.seq++
	id := fmt.Sprintf("berthbench-%s-%d-%d", r.Name, os.Getpid(), r.seq)
	s := sample{took: map[string]time.Duration{}}
	steps := [][]string{{"run", "--bundle", r.bundle, id}}
	if breakdown {
		// delete --force: /bin/true may not have exited yet when start returns.
		steps = [][]string{{"create", "--bundle", r.bundle, id}, {"start", id}, {"delete", "--force", id}}
	}
	for i, args := range steps {
		took, err := r.exec(nil, args...)
		if err != nil {
			return s, err
		}
		s.took[phases(breakdown)[i]] = took
	}
	return s, nil
}

// exec runs the runtime once and returns its wall time. With wrap, the
// runtime runs under that command (peakRSS's /usr/bin/time).
func (r *runner) exec(wrap []string, args ...string) (time.Duration, error) {
	argv := append(append(slices.Clip(wrap), r.Path, "--root", r.root), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	// A file, not a pipe: create hands its stdio to the container, which
	// would hold a pipe open and block the read until it exits.
	errFile, err := os.CreateTemp("", "stderr")
	if err != nil {
		return 0, fmt.Errorf("stderr file: %w", err)
	}
	defer os.Remove(errFile.Name())
	defer errFile.Close()
	cmd.Stderr = errFile
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		msg, _ := os.ReadFile(errFile.Name())
		return 0, fmt.Errorf("%s %s: %w: %s", r.Name, strings.Join(args, " "), err, msg)
	}
	return took, nil
}

// peakRSSRuns is how many containers per runtime peakRSS runs.
const peakRSSRuns = 5

// peakRSS is the largest maximum RSS (KiB) of the runtime processes over a
// few containers, as GNU time reports it (wait4's ru_maxrss, which takes in
// the children the runtime reaped). Not from this process's own wait4: a
// child of a vfork takes the parent's RSS at exec as its maximum (the kernel
// keeps the old mm's high-water mark), so every runtime would show this Go
// program's 10 MiB. time's own RSS is about 1 MiB, below every runtime's.
// Zero when /usr/bin/time is missing.
func (r *runner) peakRSS(breakdown bool) (int64, error) {
	if r.floor {
		return 0, nil
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return 0, nil
	}
	out, err := os.CreateTemp("", "maxrss")
	if err != nil {
		return 0, err
	}
	defer os.Remove(out.Name())
	out.Close()
	var peak int64
	for i := 0; i < peakRSSRuns; i++ {
		r.seq++
		id := fmt.Sprintf("berthbench-%s-%d-%d", r.Name, os.Getpid(), r.seq)
		steps := [][]string{{"run", "--bundle", r.bundle, id}}
		if breakdown {
			steps = [][]string{{"create", "--bundle", r.bundle, id}, {"start", id}, {"delete", "--force", id}}
		}
		for _, args := range steps {
			if _, err := r.exec([]string{"/usr/bin/time", "-f", "%M", "-o", out.Name()}, args...); err != nil {
				return 0, err
			}
			b, err := os.ReadFile(out.Name())
			if err != nil {
				return 0, err
			}
			kb, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: /usr/bin/time wrote %q", r.Name, b)
			}
			peak = max(peak, kb)
		}
		benchstat.ReapOrphans()
	}
	return peak, nil
}

// allSupportTimeNS runs one container with a time namespace per runtime.
func allSupportTimeNS(runners []*runner) bool {
	if err := writeConfig(runners[0].bundle, true); err != nil {
		return false
	}
	for _, r := range runners {
		r.withTime = true
		if _, err := r.once(false); err != nil {
			fmt.Fprintf(os.Stderr, "%s: no time namespace: %v\n", r.Name, strings.TrimSpace(err.Error()))
			return false
		}
	}
	return true
}

// cleanup force-deletes whatever a failed run left under each root.
func cleanup(runners []*runner) {
	for _, r := range runners {
		if r.floor {
			continue
		}
		out, err := exec.Command(r.Path, "--root", r.root, "list", "-q").Output()
		if err != nil {
			continue
		}
		for _, id := range strings.Fields(string(out)) {
			if out, err := exec.Command(r.Path, "--root", r.root, "delete", "--force", id).CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "cleanup: %s delete --force %s: %v: %s\n", r.Name, id, err, out)
			}
		}
	}
}

// writeConfig writes runc's default spec with /bin/true, no terminal and
// every namespace.
func writeConfig(bundle string, withTime bool) error {
	s := defaultSpec()
	if withTime {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	}
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

func defaultSpec() *specs.Spec {
	s := spec.Default() // runc spec's config.json
	// crun 1.8 refuses newer versions than it knows; runc spec writes 1.0.2-dev.
	s.Version = "1.0.2-dev"
	s.Process.Terminal = false
	s.Process.Args = []string{"/bin/true"}
	s.Hostname = "bench"
	// runc spec leaves the cgroup namespace out; the bench uses every one.
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	return s
}

// report is the -json output.
type report struct {
	Namespaces []string           `json:"namespaces"`
	Phases     []string           `json:"phases"`
	Runtimes   []runtimeResult    `json:"runtimes"`
	Ratios     map[string]float64 `json:"ratios"` // "a/b": median of a over median of b, total time
}

type runtimeResult struct {
	Name      string             `json:"name"`
	Path      string             `json:"path"`
	N         int                `json:"n"`
	MedianMs  map[string]float64 `json:"median_ms"`
	P90Ms     map[string]float64 `json:"p90_ms"`
	PeakRSSKB int64              `json:"peak_rss_kib"`
}

func summarize(runners []*runner, samples [][]sample, peaks []int64, breakdown bool) *report {
	ph := phases(breakdown)
	rep := &report{Phases: append(ph, "total"), Ratios: map[string]float64{}}
	for i, r := range runners {
		res := runtimeResult{Name: r.Name, Path: r.Path, N: len(samples[i]), MedianMs: map[string]float64{}, P90Ms: map[string]float64{}, PeakRSSKB: peaks[i]}
		for _, p := range rep.Phases {
			var ds []time.Duration
			for _, s := range samples[i] {
				ds = append(ds, phaseTime(s, p, ph))
			}
			res.MedianMs[p], res.P90Ms[p] = quantileMs(ds, 0.5), quantileMs(ds, 0.9)
		}
		rep.Runtimes = append(rep.Runtimes, res)
	}
	for _, a := range rep.Runtimes {
		for _, b := range rep.Runtimes {
			if a.Name != b.Name && b.MedianMs["total"] > 0 {
				rep.Ratios[a.Name+"/"+b.Name] = a.MedianMs["total"] / b.MedianMs["total"]
			}
		}
	}
	return rep
}

func phaseTime(s sample, p string, all []string) time.Duration {
	if p != "total" {
		return s.took[p]
	}
	var sum time.Duration
	for _, q := range all {
		sum += s.took[q]
	}
	return sum
}

// quantileMs is the nearest-rank quantile q of ds, in milliseconds.
func quantileMs(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(q*float64(len(ds))+0.5) - 1
	i = min(max(i, 0), len(ds)-1)
	return float64(ds[i].Microseconds()) / 1000
}

func printTable(rep *report) {
	fmt.Printf("%-10s %5s", "runtime", "n")
	for _, p := range rep.Phases {
		fmt.Printf(" %12s %12s", p+" med", p+" p90")
	}
	fmt.Printf(" %14s\n", "peak RSS KiB")
	for _, r := range rep.Runtimes {
		fmt.Printf("%-10s %5d", r.Name, r.N)
		for _, p := range rep.Phases {
			fmt.Printf(" %10.2fms %10.2fms", r.MedianMs[p], r.P90Ms[p])
		}
		fmt.Printf(" %14d\n", r.PeakRSSKB)
	}
	fmt.Println("\nratios of median total time per container:")
	for _, a := range rep.Runtimes {
		for _, b := range rep.Runtimes {
			if a.Name != b.Name {
				fmt.Printf("  %s/%s = %.2f\n", a.Name, b.Name, rep.Ratios[a.Name+"/"+b.Name])
			}
		}
	}
}
