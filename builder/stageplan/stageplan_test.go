package stageplan

import (
	"fmt"
	"testing"

	"github.com/berth-containers/berth/builder/dockerfile"
)

func parse(t *testing.T, src string) *dockerfile.File {
	t.Helper()
	f, err := dockerfile.Parse([]byte(src), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestOrder: the stages the target needs, by FROM, COPY --from (by name,
// index or an ARG before FROM) and RUN --mount from=, with the vertices
// each shows; with --target, a stage the target does not need is left out.
func TestOrder(t *testing.T) {
	f := parse(t, `ARG SRC=a
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
`)
	meta := dockerfile.Vars{}.Set("SRC", "a")
	order, needs, err := Order(f, len(f.Stages)-1, meta)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(order); got != "[0 1 2 3 4]" {
		t.Errorf("order %s", got)
	}
	if got := fmt.Sprint(needs[4]); got != "[0 1 3 2]" {
		t.Errorf("the last stage needs %s", got)
	}
	if got := fmt.Sprint(needs[2]); got != "[0]" {
		t.Errorf("stage b needs %s", got)
	}
	// a: FROM, RUN; unused: FROM, RUN; b (from a): RUN, COPY; c: FROM.
	for i, want := range []int{2, 2, 2, 1, 5} {
		if got := VertexCount(f, i, meta); got != want {
			t.Errorf("stage %d: %d vertices, want %d", i, got, want)
		}
	}

	f = parse(t, "FROM busybox AS a\nFROM busybox AS b\nCOPY --from=a / /\n")
	order, needs, err = Order(f, 0, nil)
	if err != nil || fmt.Sprint(order) != "[0]" || len(needs) != 1 {
		t.Errorf("--target a: order %v, %v", order, err)
	}
}

func TestOrderCycle(t *testing.T) {
	f := parse(t, "FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n")
	_, _, err := Order(f, len(f.Stages)-1, nil)
	if err == nil || err.Error() != "Dockerfile:3: circular dependency detected on stage: b" {
		t.Errorf("a cycle: %v", err)
	}
}
