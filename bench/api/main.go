// Command api benchmarks `berth system service` against a private dockerd
// (Debian's docker.io) and `podman system service` (Debian's podman),
// side by side in one run, each through its own socket with the same
// docker CLI (docker.io's):
//
//   - `docker run --rm --network none busybox true`, interleaved, median
//     and p90; targets: berth at most 0.5x dockerd and 0.5x podman;
//   - `docker ps -a` with 200 created containers on each; target: at most
//     0.5x dockerd;
//   - the idle service's RSS (target under 15 MiB) and, started as systemd
//     does under socket activation (LISTEN_FDS), the time from a client's
//     connect to its /_ping answered (target under 50 ms).
//
// Run as root from the repository root (`make bench` does):
//
//	make build
//	go run ./bench/api -berth bin/berth
//
// Everything lives under one temp dir, removed at the end with the
// containers, the servers (ended by PID), their mounts and cgroups.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/bench/internal/daemons"
)

type config struct {
	berth              string
	runs, warmup       int
	containers, psRuns int
	activations        int
	skip               map[string]bool
}

func main() {
	var cfg config
	skip := flag.String("skip", "", "servers to leave out, comma-separated: dockerd, podman")
	flag.StringVar(&cfg.berth, "berth", "bin/berth", "the berth binary")
	flag.IntVar(&cfg.runs, "runs", 20, "measured docker runs per server")
	flag.IntVar(&cfg.warmup, "warmup", 3, "warm-up runs per server, not counted")
	flag.IntVar(&cfg.containers, "containers", 200, "created containers for docker ps -a")
	flag.IntVar(&cfg.psRuns, "ps-runs", 20, "measured docker ps -a per server")
	flag.IntVar(&cfg.activations, "activations", 10, "socket-activated starts timed")
	flag.Parse()
	cfg.skip = map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		cfg.skip[strings.TrimSpace(s)] = true
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(1)
	}
}

func run(cfg config) (err error) {
	berth, err := filepath.Abs(cfg.berth)
	if err != nil {
		return err
	}
	cfg.berth = berth
	syncBinary(berth)
	dir, err := benchenv.Setup("berthapi-")
	if err != nil {
		return err
	}
	var servers []*daemons.Daemon
	defer func() {
		for i := len(servers) - 1; i >= 0; i-- {
			err = errors.Join(err, servers[i].Stop())
		}
		daemons.ReapOrphans()
		err = errors.Join(err, os.RemoveAll(dir))
	}()
	b, err := daemons.StartBerth(berth, filepath.Join(dir, "berth"))
	if err != nil {
		return err
	}
	servers = append(servers, b)
	tar, err := busybox(cfg.berth, b, dir)
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name  string
		start func(string) (*daemons.Daemon, error)
	}{{"dockerd", daemons.StartDockerd}, {"podman", daemons.StartPodman}} {
		if cfg.skip[s.name] {
			continue
		}
		d, err := s.start(filepath.Join(dir, s.name))
		if err != nil {
			return err
		}
		servers = append(servers, d)
		if out, err := d.Docker("load", "-q", "-i", tar).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: docker load: %w: %s", d.Name, err, out)
		}
	}
	fmt.Printf("bench/api: %s, load average %s\n", time.Now().UTC().Format(time.RFC3339), loadavg())
	runs, err := benchRun(cfg, servers)
	if err != nil {
		return err
	}
	ps, err := benchPs(cfg, servers, dir)
	if err != nil {
		return err
	}
	idleFrom := time.Now()
	act, err := benchActivation(cfg, filepath.Join(dir, "berth"), filepath.Join(dir, "act"))
	if err != nil {
		return err
	}
	idle, err := idleRSS(b.Pid(), idleFrom)
	if err != nil {
		return err
	}
	report(cfg, servers, runs, ps, act, idle)
	return nil
}

// busybox pulls berth's busybox into the berth server's root and saves it
// for the others to load.
func busybox(berth string, b *daemons.Daemon, dir string) (string, error) {
	tar := filepath.Join(dir, "busybox.tar")
	if out, err := b.Docker("pull", "-q", "busybox").CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker pull busybox through berth: %w: %s", err, out)
	}
	if out, err := b.Docker("save", "-o", tar, "busybox").CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker save busybox through berth: %w: %s", err, out)
	}
	return tar, nil
}

// syncBinary writes berth's pages out: a binary just built is dirty in
// the page cache, and the idle service cannot give clean pages back
// until it is (an installed binary is on disk already).
func syncBinary(path string) {
	if f, err := os.Open(path); err == nil {
		f.Sync()
		f.Close()
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
