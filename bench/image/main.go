// Command image benchmarks berth's cold pull against podman's: a 200 MB,
// 5-layer image of random data on a loopback docker-registry, pulled and
// unpacked into an empty store by each, side by side. It then pulls a
// second image sharing 4 of the 5 layers and reports the bytes sent.
// See README.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 3, "cold pulls per tool; the median is reported")
	layerMB := flag.Int("layer-mb", 40, "size of each of the 5 layers in MB")
	flag.Parse()
	if err := run(*runs, *layerMB); err != nil {
		log.Fatalf("bench/image: %v", err)
	}
}

func run(runs, layerMB int) error {
	work, err := os.MkdirTemp("", "berth-bench-image-")
	if err != nil {
		return err
	}
	defer cleanup(work)
	berth, err := buildBerth(work)
	if err != nil {
		return err
	}
	podman, err := ensurePodman()
	if err != nil {
		return err
	}
	reg, err := startRegistry(work)
	if err != nil {
		return err
	}
	defer reg.stop()
	fmt.Printf("registry: docker-registry on %s\n", reg.addr)
	imgA, imgB, err := seed(work, berth, reg.addr, layerMB)
	if err != nil {
		return err
	}
	var berthT, podmanT []time.Duration
	var rss []int64
	for i := range runs {
		d, maxrss, err := berthPull(work, berth, imgA, i)
		if err != nil {
			return err
		}
		berthT, rss = append(berthT, d), append(rss, maxrss)
		p, err := podmanPull(work, podman, reg.addr, imgA, i)
		if err != nil {
			return err
		}
		podmanT = append(podmanT, p)
		fmt.Printf("run %d: berth %v (peak RSS %d MB), podman %v\n", i+1, d.Round(time.Millisecond), maxrss>>10, p.Round(time.Millisecond))
	}
	bm, pm := median(berthT), median(podmanT)
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	fmt.Printf("\ncold pull+unpack of %d MB in 5 layers (median of %d):\n", 5*layerMB, runs)
	fmt.Printf("  berth   %8v\n  podman  %8v\n  ratio   %.2fx podman's time (target <= 0.70)\n", bm.Round(time.Millisecond), pm.Round(time.Millisecond), bm.Seconds()/pm.Seconds())
	fmt.Printf("  berth peak RSS %d MB (max over runs; target < 100)\n", rss[len(rss)-1]>>10)
	return sharedLayers(work, berth, reg.addr, imgA, imgB, layerMB)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func buildBerth(work string) (string, error) {
	out := filepath.Join(work, "berth")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/berth")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build berth (run from the repository root): %w\n%s", err, b)
	}
	return out, nil
}

// ensurePodman installs Debian's podman when it is missing: the bench
// compares against it.
func ensurePodman() (string, error) {
	if p, err := exec.LookPath("podman"); err == nil {
		return p, nil
	}
	fmt.Println("podman is missing: apt-get install -y podman")
	cmd := exec.Command("apt-get", "install", "-y", "podman")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("install podman: %w\n%s", err, b)
	}
	return exec.LookPath("podman")
}

// timed runs cmd and returns its wall time and peak RSS in KB.
func timed(cmd *exec.Cmd) (time.Duration, int64, error) {
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var maxrss int64
	if ru != nil {
		maxrss = ru.Maxrss
	}
	return d, maxrss, nil
}

func berthPull(work, berth, ref string, i int) (time.Duration, int64, error) {
	root := filepath.Join(work, fmt.Sprintf("berth-%d", i))
	defer cleanup(root)
	syncDisks()
	return timed(exec.Command(berth, "--root", root, "pull", "-q", ref))
}

func podmanPull(work, podman, regAddr, ref string, i int) (time.Duration, error) {
	root := filepath.Join(work, fmt.Sprintf("podman-%d", i))
	defer cleanup(root)
	conf := filepath.Join(work, "registries.conf")
	data := fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", regAddr)
	if err := os.WriteFile(conf, []byte(data), 0o644); err != nil {
		return 0, err
	}
	cmd := exec.Command(podman, "--root", filepath.Join(root, "root"), "--runroot", filepath.Join(root, "run"),
		"--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
		"pull", "-q", ref)
	cmd.Env = append(os.Environ(), "CONTAINERS_REGISTRIES_CONF="+conf, "TMPDIR="+root)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return 0, err
	}
	syncDisks()
	d, _, err := timed(cmd)
	return d, err
}

// syncDisks flushes the previous run's writes so they do not slow the next.
func syncDisks() { syscall.Sync() }

// cleanup unmounts whatever a tool left mounted under dir, then removes it.
func cleanup(dir string) {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var points []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			log.Printf("unmount %s: %v", p, err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Printf("remove %s: %v", dir, err)
	}
}
