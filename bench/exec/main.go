// Command exec measures `exec ID true` into a running container with
// berth-runtime, runc and crun side by side on the same bundle, and prints
// each runtime's median and berth-runtime's ratio to the others.
//
// On a hybrid cgroup host crun refuses to run while the cgroup2 mount is
// there, so the benchmark runs in a private mount namespace (unshare -m)
// where /sys/fs/cgroup/unified is unmounted: all three use cgroup v1 alike.
// crun 1.8 also refuses ociVersion 1.3.0, so the bundle says 1.0.2-dev.
//
//	go run ./bench/exec -runtimes berth=bin/berth-runtime,runc=runc,crun=crun -n 200
package main

import (
	"encoding/json"
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
	"github.com/berth-containers/berth/internal/busyboxfs"
	"github.com/berth-containers/berth/runtime/spec"
)

const envInner = "_BERTH_BENCH_EXEC_INNER"

func main() {
	runtimes := flag.String("runtimes", "berth=bin/berth-runtime,runc=runc,crun=crun", "name=binary,... (the first is compared to the others)")
	n := flag.Int("n", 200, "execs per runtime (interleaved, in rounds of 10)")
	floor := flag.Bool("floor", true, "time nsenter(1) beside the runtimes: setns into the first container's namespaces, fork, exec")
	flag.Parse()
	if os.Getenv(envInner) == "" {
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/exec:", err)
			os.Exit(1)
		}
		cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "--", self}, os.Args[1:]...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), envInner+"=1")
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/exec:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*runtimes, *n, *floor); err != nil {
		fmt.Fprintln(os.Stderr, "bench/exec:", err)
		os.Exit(1)
	}
}

type runtime struct {
	name, bin, root, id string
	times               []time.Duration
	// args, if set, is the whole command line instead of "exec ID true".
	args []string
}

func (r *runtime) command() *exec.Cmd {
	if r.args != nil {
		return exec.Command(r.bin, r.args...)
	}
	return exec.Command(r.bin, "--root", r.root, "exec", r.id, "true")
}

// floorOf is nsenter(1) into the namespaces of r's container: setns, the
// fork a pid namespace needs, exec of the container's /bin/true. It joins
// no cgroup and starts no second program: the least a C tool takes.
func floorOf(r *runtime) (*runtime, error) {
	out, err := exec.Command(r.bin, "--root", r.root, "state", r.id).Output()
	if err != nil {
		return nil, fmt.Errorf("%s state: %w", r.name, err)
	}
	var st struct{ Pid int }
	if err := json.Unmarshal(out, &st); err != nil || st.Pid <= 0 {
		return nil, fmt.Errorf("%s state: no pid in %s", r.name, out)
	}
	bin, err := exec.LookPath("nsenter")
	if err != nil {
		return nil, err
	}
	return &runtime{name: "nsenter", bin: bin, args: []string{"-t", fmt.Sprint(st.Pid), "-p", "-m", "-n", "-i", "-u", "--", "/bin/true"}}, nil
}

func run(list string, n int, floor bool) error {
	unix.Unmount("/sys/fs/cgroup/unified", unix.MNT_DETACH)
	dir, err := benchenv.Setup("berth-bench-exec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bundle := filepath.Join(dir, "bundle")
	if err := busyboxfs.Build(filepath.Join(bundle, "rootfs"), ""); err != nil {
		return err
	}
	s := spec.Default()
	s.Version = "1.0.2-dev"
	s.Process.Terminal = false
	s.Process.Args = []string{"sleep", "100000"}
	data, _ := json.Marshal(s)
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		return err
	}
	var rts []*runtime
	for i, kv := range strings.Split(list, ",") {
		name, bin, _ := strings.Cut(kv, "=")
		if abs, err := exec.LookPath(bin); err == nil {
			bin, _ = filepath.Abs(abs)
		}
		r := &runtime{name: name, bin: bin, root: filepath.Join(dir, "root-"+name), id: fmt.Sprintf("bench-exec-%d", i)}
		// No pipes: the container keeps its stdio, and a pipe would never
		// reach EOF.
		if err := exec.Command(bin, "--root", r.root, "run", "-d", "-b", bundle, r.id).Run(); err != nil {
			cleanup(rts)
			return fmt.Errorf("%s run -d: %w", name, err)
		}
		rts = append(rts, r)
	}
	defer cleanup(rts)
	if floor {
		f, err := floorOf(rts[0])
		if err != nil {
			return err
		}
		rts = append(rts, f)
	}
	for done := 0; done < n; done += 10 {
		for _, r := range rts {
			for i := 0; i < 10; i++ {
				start := time.Now()
				if out, err := r.command().CombinedOutput(); err != nil {
					return fmt.Errorf("%s exec: %v: %s", r.name, err, out)
				}
				r.times = append(r.times, time.Since(start))
			}
		}
	}
	fmt.Printf("exec of /bin/true into a running busybox container, %d runs each, cgroup v1\n", n)
	fmt.Printf("%-8s %10s %10s %10s\n", "runtime", "median ms", "p10 ms", "p90 ms")
	med := map[string]float64{}
	for _, r := range rts {
		slices.Sort(r.times)
		q := func(f float64) float64 { return float64(r.times[int(f*float64(len(r.times)-1))]) / 1e6 }
		med[r.name] = q(0.5)
		fmt.Printf("%-8s %10.2f %10.2f %10.2f\n", r.name, q(0.5), q(0.1), q(0.9))
	}
	for _, r := range rts[1:] {
		fmt.Printf("%s / %s = %.2fx\n", rts[0].name, r.name, med[rts[0].name]/med[r.name])
	}
	if floor {
		fmt.Println("nsenter: util-linux nsenter into the first container's namespaces, fork, exec /bin/true (no cgroup join)")
	}
	return nil
}

func cleanup(rts []*runtime) {
	for _, r := range rts {
		if r.args != nil {
			continue
		}
		exec.Command(r.bin, "--root", r.root, "delete", "--force", r.id).Run()
	}
	for {
		var ws unix.WaitStatus
		if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 || err != nil {
			return
		}
	}
}
