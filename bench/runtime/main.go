// Command runtime benchmarks OCI runtimes on one busybox bundle: each
// iteration runs `<rt> --root <tmp> run -b <bundle> <id>` of /bin/true once
// per runtime, round-robin, so all runtimes see the same machine state.
// It prints per runtime the median and p90 per container, the ratios
// between runtimes and the peak RSS of the runtime process.
//
//	go run ./bench/runtime -runtimes berth=bin/berth-runtime,runc=runc,crun=crun -n 200
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// envInNS marks the re-executed child that runs in its own mount namespace.
const envInNS = "BERTH_BENCH_IN_MOUNTNS"

type options struct {
	runtimes  []runtimeBin
	n, warmup int
	json      bool
	breakdown bool
	floor     bool
	// gap is a pause before each container. Moving a process into a cgroup
	// makes the kernel wait for an RCU grace period unless another move
	// happened within about one grace period before: back to back, each
	// runtime rides on the previous one's moves. With a gap, every start
	// is cold, as when containers start now and then.
	gap time.Duration
}

type runtimeBin struct {
	Name, Path string
}

func main() {
	if err := run(); err != nil {
		slog.Error("runtime benchmark failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	opts, err := parseFlags()
	if err != nil {
		return err
	}
	if os.Getenv(envInNS) == "" {
		return reexecInMountNS()
	}
	if err := useCgroupV1(); err != nil {
		return err
	}
	return bench(opts)
}

func parseFlags() (*options, error) {
	opts := &options{}
	list := flag.String("runtimes", "runc=runc,crun=crun", "name=binary pairs, comma separated; the first is the ratios' baseline")
	flag.IntVar(&opts.n, "n", 200, "measured containers per runtime")
	flag.IntVar(&opts.warmup, "warmup", 10, "unmeasured containers per runtime first")
	flag.BoolVar(&opts.json, "json", false, "print JSON instead of a table")
	flag.BoolVar(&opts.breakdown, "breakdown", false, "time create, start and delete separately instead of run")
	flag.BoolVar(&opts.floor, "floor", true, "time the kernel's floor beside the runtimes (see floor.go); not with -breakdown")
	flag.DurationVar(&opts.gap, "gap", 0, "pause before each container (e.g. 50ms: every start cold, see README)")
	flag.Parse()
	for _, kv := range strings.Split(*list, ",") {
		name, bin, ok := strings.Cut(kv, "=")
		if !ok || name == "" || bin == "" {
			return nil, fmt.Errorf("bad -runtimes entry %q: want name=binary", kv)
		}
		path, err := exec.LookPath(bin)
		if err != nil {
			return nil, fmt.Errorf("runtime %s: %w", name, err)
		}
		opts.runtimes = append(opts.runtimes, runtimeBin{Name: name, Path: path})
	}
	if opts.breakdown {
		opts.floor = false
	}
	if opts.n < 1 {
		return nil, fmt.Errorf("-n must be at least 1")
	}
	return opts, nil
}

// reexecInMountNS runs this program again in a private mount namespace: the
// Go runtime's threads make unshare(CLONE_NEWNS) in place unreliable.
func reexecInMountNS() error {
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envInNS+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		return fmt.Errorf("re-exec in a private mount namespace: %w", err)
	}
	return nil
}

// useCgroupV1 hides the hybrid host's cgroup2 mount, which makes crun refuse
// to run, so that all runtimes use the v1 controllers alike. A tmpfs takes
// its place: crun still writes there, and the tmpfs dies with the namespace.
func useCgroupV1() error {
	const unified = "/sys/fs/cgroup/unified"
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / rprivate: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(unified, &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil
	}
	if err := unix.Unmount(unified, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %s: %w", unified, err)
	}
	if err := unix.Mount("tmpfs", unified, "tmpfs", 0, "size=4m"); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", unified, err)
	}
	fmt.Fprintf(os.Stderr, "hybrid cgroups: %s unmounted in a private mount namespace; all runtimes use cgroup v1\n", unified)
	return nil
}
