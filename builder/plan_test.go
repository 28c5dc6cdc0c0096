package builder

import (
	"fmt"
	"testing"

	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/builder/progress"
)

func planOf(t *testing.T, src string, target int) (*build, []int, error) {
	t.Helper()
	f, err := dockerfile.Parse([]byte(src), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	bd := &build{f: f, out: progress.New(nil), usedArgs: map[string]bool{}, runs: map[int]*stageRun{}}
	if target < 0 {
		target = len(f.Stages) - 1
	}
	order, err := bd.plan(target)
	return bd, order, err
}

// TestPlan: the stages the target needs, by FROM, COPY --from (by name,
// index or an ARG before FROM) and RUN --mount from=, with the vertex
// numbers a serial build gives them; with --target, a stage the target
// does not need is left out.
func TestPlan(t *testing.T) {
	bd, order, err := planOf(t, `ARG SRC=a
FROM busybox AS a
RUN echo a
FROM busybox AS unused
RUN exit 1
FROM a AS b
RUN echo b
COPY x /x
FROM scratch AS c
FROM busybox
COPY --from=${SRC} /a /a
COPY --from=1 /u /u
RUN --mount=type=bind,from=c,target=/c true
COPY --from=b /b /b
`, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(order); got != "[0 1 2 3 4]" {
		t.Errorf("order %s", got)
	}
	if got := fmt.Sprint(bd.runs[4].deps); got != "[0 1 3 2]" {
		t.Errorf("the last stage needs %s", got)
	}
	if got := fmt.Sprint(bd.runs[2].deps); got != "[0]" {
		t.Errorf("stage b needs %s", got)
	}
	// a: FROM, RUN; unused: FROM, RUN; b (from a): RUN, COPY; c: FROM.
	for i, want := range []struct{ first, count int }{{1, 2}, {3, 2}, {5, 2}, {7, 1}, {8, 5}} {
		if r := bd.runs[i]; r.first != want.first || r.count != want.count {
			t.Errorf("stage %d: vertices %d+%d, want %d+%d", i, r.first, r.count, want.first, want.count)
		}
	}

	bd, order, err = planOf(t, "FROM busybox AS a\nFROM busybox AS b\nCOPY --from=a / /\n", 0)
	if err != nil || fmt.Sprint(order) != "[0]" || len(bd.runs) != 1 {
		t.Errorf("--target a: order %v, %v", order, err)
	}
}

func TestPlanCycle(t *testing.T) {
	_, _, err := planOf(t, "FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n", -1)
	if err == nil || err.Error() != "Dockerfile:3: circular dependency detected on stage: b" {
		t.Errorf("a cycle: %v", err)
	}
}
