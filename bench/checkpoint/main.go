// Command checkpoint times checkpoint plus restore of a running busybox
// container, side by side for each runtime (round-robin, one bundle):
// `<rt> checkpoint --image-path D id` then `<rt> restore -d --image-path D
// -b bundle id`. It prints the median of each step and of both, and each
// runtime's ratio to the first one.
//
// CRIU 3.17 cannot dump on every kernel (criu check fails on this
// project's hosts): run it in the VM, as make bench does,
//
//	test/vm/run.sh --exec ./bench/checkpoint -runtimes berth=/share/berth-runtime,runc=runc -n 10
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/internal/busyboxfs"
)

type runtimeBin struct{ name, path string }

type sample struct{ checkpoint, restore time.Duration }

func main() {
	if err := run(); err != nil {
		slog.Error("checkpoint benchmark failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	list := flag.String("runtimes", "berth=bin/berth-runtime,runc=runc", "name=binary pairs; the first is the ratios' baseline")
	n := flag.Int("n", 10, "measured checkpoint+restore rounds per runtime")
	flag.Parse()
	var rts []runtimeBin
	for _, kv := range strings.Split(*list, ",") {
		name, bin, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("bad -runtimes entry %q: want name=binary", kv)
		}
		path, err := exec.LookPath(bin)
		if err != nil {
			return fmt.Errorf("runtime %s: %w", name, err)
		}
		rts = append(rts, runtimeBin{name, path})
	}
	dir, err := benchenv.Setup("berth-bench-checkpoint")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bundle := filepath.Join(dir, "bundle")
	if err := makeBundle(bundle); err != nil {
		return err
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	samples := make([][]sample, len(rts))
	for i := -1; i < *n; i++ { // round -1 warms up
		for j, rt := range rts {
			s, err := round(rt, dir, bundle, i)
			if err != nil {
				return fmt.Errorf("%s: %w", rt.name, err)
			}
			if i >= 0 {
				samples[j] = append(samples[j], s)
			}
		}
	}
	report(rts, samples)
	return nil
}

// round starts a counting container, checkpoints and restores it, and
// deletes it; only the checkpoint and the restore are timed.
func round(rt runtimeBin, dir, bundle string, i int) (sample, error) {
	root := filepath.Join(dir, "root-"+rt.name)
	id := "cp-" + rt.name + "-" + strconv.Itoa(i+1)
	imgs := filepath.Join(dir, "images-"+id)
	defer os.RemoveAll(imgs)
	// The container's stdio are pipes (CRIU restores pipes, not files
	// outside the container), and so the runtime's: its errors are read
	// back from out.
	inR, inW, err := os.Pipe()
	if err != nil {
		return sample{}, err
	}
	defer inR.Close()
	defer inW.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return sample{}, err
	}
	defer outW.Close()
	var out strings.Builder
	var mu sync.Mutex
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := outR.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				outR.Close()
				return
			}
		}
	}()
	rtCmd := func(args ...string) (time.Duration, error) {
		cmd := exec.Command(rt.path, append([]string{"--root", root}, args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, outW
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			return 0, fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
		}
		return took, nil
	}
	defer func() { _, _ = rtCmd("delete", "-f", id) }()
	if _, err := rtCmd("run", "-d", "-b", bundle, id); err != nil {
		return sample{}, err
	}
	time.Sleep(200 * time.Millisecond)
	var s sample
	if s.checkpoint, err = rtCmd("checkpoint", "--image-path", imgs, id); err != nil {
		return sample{}, err
	}
	if s.restore, err = rtCmd("restore", "-d", "--image-path", imgs, "-b", bundle, id); err != nil {
		return sample{}, err
	}
	return s, nil
}

func makeBundle(dir string) error {
	if err := busyboxfs.Build(filepath.Join(dir, "rootfs"), ""); err != nil {
		return err
	}
	s := &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{
			Args: []string{"sh", "-c", "i=0; while :; do i=$((i+1)); sleep 0.1; done"},
			Env:  []string{"PATH=/bin:/usr/bin"}, Cwd: "/",
		},
		Hostname: "bench",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: "pid"}, {Type: "network"}, {Type: "ipc"}, {Type: "uts"}, {Type: "mount"}},
			MaskedPaths: []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"},
		},
	}
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func report(rts []runtimeBin, samples [][]sample) {
	fmt.Printf("checkpoint+restore of a running busybox container, %d rounds, medians (ms)\n", len(samples[0]))
	fmt.Printf("%-10s %11s %9s %9s\n", "runtime", "checkpoint", "restore", "total")
	totals := make([]float64, len(rts))
	for j, rt := range rts {
		var cp, rs, tot []time.Duration
		for _, s := range samples[j] {
			cp, rs, tot = append(cp, s.checkpoint), append(rs, s.restore), append(tot, s.checkpoint+s.restore)
		}
		totals[j] = float64(median(tot).Microseconds()) / 1000
		fmt.Printf("%-10s %11.1f %9.1f %9.1f\n", rt.name, float64(median(cp).Microseconds())/1000,
			float64(median(rs).Microseconds())/1000, totals[j])
	}
	for j := 1; j < len(rts); j++ {
		fmt.Printf("%s / %s checkpoint+restore: %.2fx\n", rts[0].name, rts[j].name, totals[0]/totals[j])
	}
}
