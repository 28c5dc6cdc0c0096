// Command build is issue 14's reference build, side by side in one run:
// berth build against docker build and buildah bud, each on a private root
// of its own. FROM a busybox image imported from the host's busybox, a
// context of -mb megabytes in -files files, six steps mixing COPY and RUN.
// Each tool builds cold, rebuilds with nothing changed, and rebuilds after
// one copied file changed, once each (the machine is shared). berth's peak
// RSS is its own process's (the build runs in it; RUN steps' processes are
// the containers').
//
// buildah runs its steps with runc: crun, its default, refuses a hybrid
// cgroup host such as this one.
//
// docker: BuildKit, as the issue asks. Debian's docker.io 20.10 CLI
// (/usr/bin/docker) carries its own BuildKit client, so DOCKER_BUILDKIT=1
// needs no buildx plugin; a newer CLI earlier on PATH (23 and later) would
// refuse without one, so -docker-cli picks Debian's by default.
// -docker-buildkit=false measures the classic builder instead. A tool that
// is missing is skipped.
//
//	go run ./bench/build -berth bin/berth
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/berth-containers/berth/bench/internal/benchenv"
	"github.com/berth-containers/berth/internal/busyboxfs"
)

const dockerfile = `FROM busybox:bench
COPY d0 /app/d0
RUN find /app -type f | wc -l > /count
COPY d1 /app/d1
RUN du -s /app > /du
COPY d2 d3 /app/more/
RUN cat /count /du > /summary
`

type result struct {
	cold, same, one time.Duration
	rssKB           int64
}

func main() {
	berth := flag.String("berth", "bin/berth", "the berth binary")
	mb := flag.Int("mb", 100, "context size in MB")
	files := flag.Int("files", 2000, "files in the context")
	buildkit := flag.Bool("docker-buildkit", true, "docker build with dockerd's BuildKit (false: the classic builder)")
	dockerCLI := flag.String("docker-cli", debianDockerCLI(), "the docker client (20.10's has BuildKit built in)")
	keep := flag.Bool("keep", false, "keep the work directory")
	tools := flag.String("tools", "berth,docker,buildah", "the tools to run, in order")
	flag.Parse()
	work, err := benchenv.Setup("berth-bench-build-")
	if err != nil {
		fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(work)
	}
	abs, err := filepath.Abs(*berth)
	if err != nil {
		fatal(err)
	}
	rootfs, err := busyboxTar(work)
	if err != nil {
		fatal(err)
	}
	ctx := filepath.Join(work, "ctx")
	if err := makeContext(ctx, *mb, *files); err != nil {
		fatal(err)
	}
	fmt.Printf("context: %d MB in %d files; %d steps\n", *mb, *files, strings.Count(dockerfile, "\n")-1)
	results := map[string]*result{}
	var order []string
	run := func(name string, setup func() (build func() (time.Duration, int64, error), stop func(), err error)) {
		if !strings.Contains(","+*tools+",", ","+name+",") {
			return
		}
		build, stop, err := setup()
		if err != nil {
			fmt.Printf("%s: skipped: %v\n", name, err)
			return
		}
		defer stop()
		r, err := measure(ctx, build)
		if err != nil {
			fmt.Printf("%s: %v\n", name, err)
			return
		}
		results[name] = r
		order = append(order, name)
	}
	run("berth", func() (func() (time.Duration, int64, error), func(), error) {
		return berthSetup(work, abs, rootfs, ctx)
	})
	run("docker", func() (func() (time.Duration, int64, error), func(), error) {
		return dockerSetup(work, rootfs, ctx, *dockerCLI, *buildkit)
	})
	run("buildah", func() (func() (time.Duration, int64, error), func(), error) { return buildahSetup(work, rootfs, ctx) })

	fmt.Printf("\n%-8s %10s %14s %16s %12s\n", "tool", "cold", "rebuild same", "rebuild 1 file", "peak RSS")
	for _, n := range order {
		r := results[n]
		rss := "-"
		if n == "berth" {
			rss = fmt.Sprintf("%d MB", r.rssKB/1024)
		}
		fmt.Printf("%-8s %9.2fs %13.2fs %15.2fs %12s\n", n, r.cold.Seconds(), r.same.Seconds(), r.one.Seconds(), rss)
	}
	b := results["berth"]
	for _, n := range []string{"docker", "buildah"} {
		o := results[n]
		if b == nil || o == nil {
			continue
		}
		fmt.Printf("berth/%s: cold %.2fx, rebuild same %.2fx, rebuild 1 file %.2fx\n", n,
			b.cold.Seconds()/o.cold.Seconds(), b.same.Seconds()/o.same.Seconds(), b.one.Seconds()/o.one.Seconds())
	}
}

// measure times the three builds: cold, unchanged, one file changed.
func measure(ctx string, build func() (time.Duration, int64, error)) (*result, error) {
	r := &result{}
	var err error
	if r.cold, r.rssKB, err = build(); err != nil {
		return nil, fmt.Errorf("cold build: %w", err)
	}
	if r.same, _, err = build(); err != nil {
		return nil, fmt.Errorf("rebuild: %w", err)
	}
	changed := filepath.Join(ctx, "d3", "f0")
	if err := os.WriteFile(changed, []byte(time.Now().String()), 0o644); err != nil {
		return nil, err
	}
	if r.one, _, err = build(); err != nil {
		return nil, fmt.Errorf("rebuild after a change: %w", err)
	}
	return r, nil
}

// timed runs cmd and returns its wall time and peak RSS (KB).
func timed(cmd *exec.Cmd) (time.Duration, int64, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, 0, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, tail(out.String()))
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return d, rss, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func berthSetup(work, bin, rootfs, ctx string) (func() (time.Duration, int64, error), func(), error) {
	root, run := filepath.Join(work, "berth-root"), filepath.Join(work, "berth-run")
	cmd := func(args ...string) *exec.Cmd {
		return exec.Command(bin, append([]string{"--root", root, "--runroot", run}, args...)...)
	}
	if out, err := cmd("import", rootfs, "busybox:bench").CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("import: %v: %s", err, out)
	}
	build := func() (time.Duration, int64, error) {
		return timed(cmd("build", "--progress", "plain", "-t", "bench:1", ctx))
	}
	// The RUN steps' default network is a bridge and an nftables table
	// named after the root (engine/netsetup.Networks): this run's own.
	sum := sha256.Sum256([]byte(filepath.Clean(root)))
	h := hex.EncodeToString(sum[:])[:8]
	return build, func() {
		exec.Command("ip", "link", "del", "berth"+h).Run()
		exec.Command("nft", "delete", "table", "ip", "berth_"+h).Run()
	}, nil
}

func dockerSetup(work, rootfs, ctx, cli string, buildkit bool) (func() (time.Duration, int64, error), func(), error) {
	if _, err := exec.LookPath("dockerd"); err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(work, "docker")
	sock := filepath.Join(dir, "docker.sock")
	d := exec.Command("dockerd", "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "-H", "unix://"+sock, "--bridge", "none",
		"--iptables=false", "--ip6tables=false", "--storage-driver", "overlay2")
	logf, err := os.Create(filepath.Join(work, "dockerd.log"))
	if err != nil {
		return nil, nil, err
	}
	d.Stdout, d.Stderr = logf, logf
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	if err := d.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() {
		d.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { d.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			d.Process.Kill()
			<-done
		}
		logf.Close()
	}
	docker := func(args ...string) *exec.Cmd {
		c := exec.Command(cli, append([]string{"-H", "unix://" + sock}, args...)...)
		c.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
		if buildkit {
			c.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
		}
		return c
	}
	ready := false
	for range 300 {
		if docker("version").Run() == nil {
			ready = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		stop()
		return nil, nil, errors.New("dockerd did not start (see dockerd.log)")
	}
	if out, err := docker("import", rootfs, "busybox:bench").CombinedOutput(); err != nil {
		stop()
		return nil, nil, fmt.Errorf("docker import: %v: %s", err, out)
	}
	args := []string{"build", "-t", "bench:1", ctx}
	if buildkit {
		// This dockerd has no bridge (it must not touch the host's
		// firewall), and BuildKit's RUN asks for one; the steps need no
		// network, so none, which also spares BuildKit a netns per step
		// berth still pays for.
		args = []string{"build", "--network", "none", "-t", "bench:1", ctx}
	}
	build := func() (time.Duration, int64, error) { return timed(docker(args...)) }
	return build, stop, nil
}

func buildahSetup(work, rootfs, ctx string) (func() (time.Duration, int64, error), func(), error) {
	if _, err := exec.LookPath("buildah"); err != nil {
		return nil, nil, err
	}
	root, run := filepath.Join(work, "buildah-root"), filepath.Join(work, "buildah-run")
	firewall := benchenv.HostFirewall() // its RUN steps' CNI network is undone at the end
	buildah := func(args ...string) *exec.Cmd {
		return exec.Command("buildah", append([]string{"--root", root, "--runroot", run, "--storage-driver", "overlay"}, args...)...)
	}
	// A one-layer image of the rootfs, as import makes for the others.
	script := fmt.Sprintf("set -e; c=$(%[1]s from scratch); %[1]s add $c %[2]s /; %[1]s commit -q $c busybox:bench; %[1]s rm $c",
		"buildah --root "+root+" --runroot "+run+" --storage-driver overlay", rootfs)
	if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("buildah import: %v: %s", err, out)
	}
	build := func() (time.Duration, int64, error) {
		return timed(buildah("bud", "--layers", "--pull-never", "--isolation", "oci", "--runtime", "runc", "-t", "bench:1", ctx))
	}
	return build, func() {
		exec.Command("sh", "-c", "buildah --root "+root+" --runroot "+run+" rm -a; umount -R "+root+"/overlay 2>/dev/null; true").Run()
		benchenv.CleanCNI(firewall)
	}, nil
}

// busyboxTar writes the busybox rootfs (internal/busyboxfs) as a tar.
func busyboxTar(work string) (string, error) {
	dir := filepath.Join(work, "rootfs")
	if err := busyboxfs.Build(dir, ""); err != nil {
		return "", err
	}
	out := filepath.Join(work, "rootfs.tar")
	if b, err := exec.Command("tar", "-C", dir, "-cf", out, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("tar the rootfs: %v: %s", err, b)
	}
	return out, nil
}

// makeContext writes mb MB of incompressible data in n files, spread over
// four directories, and the Dockerfile.
func makeContext(dir string, mb, n int) error {
	size := mb << 20 / n
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("d%d", i%4))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		p := filepath.Join(sub, fmt.Sprintf("f%d", i/4))
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		w.Write(content(p, size))
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644)
}

func content(seed string, size int) []byte {
	var s int64
	for _, c := range seed {
		s = s*31 + int64(c)
	}
	b := make([]byte, size)
	rand.New(rand.NewSource(s)).Read(b)
	return b
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench/build:", err)
	os.Exit(1)
}

// debianDockerCLI is Debian's docker.io client when it is installed, else
// whatever docker PATH finds.
func debianDockerCLI() string {
	if _, err := os.Stat("/usr/bin/docker"); err == nil {
		return "/usr/bin/docker"
	}
	return "docker"
}
