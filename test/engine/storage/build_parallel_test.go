package storage_test

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildParallelStages: two stages that do not need each other run at
// the same time, which the times their steps write (from /proc/uptime,
// the host's clock) show by overlapping; plain output numbers each step
// as a serial build does, and the image is the one a serial build makes.
func TestBuildParallelStages(t *testing.T) {
	e := newEnv(t)
	stamp := func(name string) string {
		return "RUN echo " + name + "; cut -d' ' -f1 /proc/uptime > /start; sleep 2; cut -d' ' -f1 /proc/uptime > /end\n"
	}
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox AS a\n" + stamp("a") + "FROM busybox AS b\n" + stamp("b") +
			"FROM busybox\nCOPY --from=a /start /end /a/\nCOPY --from=b /start /end /b/\n",
	})
	r := e.Run("build", "--progress", "plain", "-t", "par:1", dir)
	if r.ExitCode != 0 {
		t.Fatalf("build: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	for _, want := range []string{"#2 [a 2/2] RUN echo a;", "#4 [b 2/2] RUN echo b;", "#6 [stage-2 2/3] COPY --from=a", "#8 exporting to image"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("plain output lacks %q:\n%s", want, r.Stderr)
		}
	}
	times := func(stage string) (float64, float64) {
		out := e.Must("run", "--rm", "par:1", "cat", "/"+stage+"/start", "/"+stage+"/end")
		f := strings.Fields(out)
		if len(f) != 2 {
			t.Fatalf("stage %s wrote %q", stage, out)
		}
		start, err1 := strconv.ParseFloat(f[0], 64)
		end, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("stage %s wrote %q", stage, out)
		}
		return start, end
	}
	aStart, aEnd := times("a")
	bStart, bEnd := times("b")
	if aStart >= bEnd || bStart >= aEnd {
		t.Errorf("the stages ran one after the other: a %v-%v, b %v-%v", aStart, aEnd, bStart, bEnd)
	}

	// The same image whether the stages build at once or one by one.
	repro := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox AS a\nRUN echo a > /f && sleep 1\nFROM busybox AS b\nRUN echo b > /f && sleep 1\n" +
			"FROM scratch AS c\nCOPY --from=a /f /a\nFROM busybox\nCOPY --from=b /f /b\nCOPY --from=c /a /a\n",
	})
	ids := map[string]string{}
	for _, jobs := range []string{"1", "4"} {
		cmd := e.Cmd("build", "-q", "--no-cache", repro)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000", "BERTH_BUILD_PARALLELISM="+jobs)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("build with %s stages at once: %v", jobs, err)
		}
		ids[jobs] = strings.TrimSpace(string(out))
	}
	if ids["1"] != ids["4"] {
		t.Errorf("serial build made %s, parallel %s", ids["1"], ids["4"])
	}
}

// TestBuildParallelFailure: a stage that fails cancels the one running
// beside it, and the build leaves no container behind.
func TestBuildParallelFailure(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox AS slow\nRUN sleep 100\nFROM busybox AS bad\nRUN sleep 1; exit 5\n" +
			"FROM busybox\nCOPY --from=slow /etc/hostname /slow\nCOPY --from=bad /etc/hostname /bad\n",
	})
	start := time.Now()
	r := e.Run("build", "--progress", "plain", dir)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the build took %v: the failure did not stop the other stage's sleep 100\n%s", took, r.Stderr)
	}
	if r.ExitCode == 0 || !regexp.MustCompile(`Dockerfile:4: .*exit code: 5\n$`).MatchString(r.Stderr) {
		t.Errorf("build: exit %d, want the error of Dockerfile:4 last:\n%s", r.ExitCode, r.Stderr)
	}
	if strings.Contains(r.Stderr, "#2 DONE") || strings.Contains(r.Stderr, "COPY --from") {
		t.Errorf("the other stage went on after the failure:\n%s", r.Stderr)
	}
	if ps := e.Must("ps", "-aq"); ps != "" {
		t.Errorf("containers left: %s", ps)
	}
	if r := e.RunIn([]byte("FROM busybox\nRUN true\n"), "build", "-q", "-f", "-", dir); r.ExitCode != 0 {
		t.Errorf("the next build: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

// TestBuildParallelFailureKillsRunning: a stage that fails while its
// neighbour's RUN runs (the failing step waits for the neighbour's mark
// in a shared cache mount) kills that RUN at once: the build ends within
// seconds, not the neighbour's 100, with the failing step's error, and
// leaves no container, cgroup or mount of either step.
func TestBuildParallelFailureKillsRunning(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": "FROM busybox AS slow\n" +
			"RUN --mount=type=cache,id=mark,target=/c echo id=$(hostname) up; touch /c/up; sleep 100\n" +
			"FROM busybox AS bad\n" +
			"RUN --mount=type=cache,id=mark,target=/c echo id=$(hostname); until [ -e /c/up ]; do sleep 0.1; done; exit 7\n" +
			"FROM busybox\nCOPY --from=slow /etc/hostname /slow\nCOPY --from=bad /etc/hostname /bad\n",
	})
	cmd := e.Cmd("build", "--progress", "plain", dir)
	var stderr testutil.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !stderr.WaitFor(" up\n", 60*time.Second) {
		cmd.Process.Kill()
		<-done
		t.Fatalf("the slow stage's RUN never started:\n%s", stderr.String())
	}
	up := time.Now()
	select {
	case err := <-done:
		if took := time.Since(up); took > 10*time.Second {
			t.Errorf("the build took %v after the neighbour's RUN started: its sleep 100 was not killed at once", took)
		}
		var xe *exec.ExitError
		if !errors.As(err, &xe) || xe.ExitCode() == 0 {
			t.Errorf("build: %v, want a non-zero exit", err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the build still ran 60s after the neighbour's RUN started: the failure did not kill it\n%s", stderr.String())
	}
	out := stderr.String()
	if !regexp.MustCompile(`Dockerfile:4: .*exit code: 7\n$`).MatchString(out) {
		t.Errorf("want the failing stage's error (Dockerfile:4, exit code 7) last:\n%s", out)
	}
	if strings.Contains(out, "COPY --from") {
		t.Errorf("the last stage went on after the failure:\n%s", out)
	}
	var ids []string
	for _, m := range regexp.MustCompile(`id=([0-9a-f]{12})`).FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	if len(ids) != 2 {
		t.Errorf("want the IDs of both RUN containers in the output, got %v:\n%s", ids, out)
	}
	if ps := e.Must("ps", "-aq", "--filter", "label=berth.build.step"); ps != "" {
		t.Errorf("step containers left: %s", ps)
	}
	if ps := e.Must("ps", "-aq"); ps != "" {
		t.Errorf("containers left: %s", ps)
	}
	if cg, err := testutil.CgroupDirs(ids...); err != nil || len(cg) > 0 {
		t.Errorf("cgroups left: %v (%v)", cg, err)
	}
	for _, d := range []string{e.Root, e.Runroot} {
		if left, err := testutil.MountedUnder(d); err != nil || len(left) > 0 {
			t.Errorf("mounts left under %s: %v (%v)", d, left, err)
		}
	}
}
