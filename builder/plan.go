package builder

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/berth-containers/berth/builder/stageplan"
)

// Stages that do not depend on each other build at the same time, as
// BuildKit's solver does: plan reads the Dockerfile's graph of stages
// (stageplan), and Build starts one goroutine per needed stage. Each
// waits for the stages it needs, then for one of a bounded number of
// slots, then builds. The first failure cancels the others, whose steps
// are killed and cleaned up as an interrupted build's; Build returns once
// every stage has stopped, with that first error.
//
// Vertex numbers are set aside per stage in the plan's order (by index),
// so that plain output numbers each step as a serial build would whatever
// order the stages run in; BuildKit's plain lines interleave, each with
// its vertex's number.

// stageRun is one stage's build: done is closed once st or err is set.
type stageRun struct {
	done  chan struct{}
	st    *state
	err   error
	deps  []int
	first int // its first vertex number (Printer.Reserve)
	count int // vertex numbers set aside
}

// errDepFailed is a stage not built because one it needs failed; the
// build reports the failure itself.
var errDepFailed = errors.New("a stage it needs failed")

// parallelism bounds the stages that build at once: n when asked
// (BERTH_BUILD_PARALLELISM), else the CPUs, at least 2.
func parallelism(n int) int {
	if n > 0 {
		return n
	}
	return max(2, runtime.NumCPU())
}

// plan lists the stages target needs (itself included) in index order,
// with what each needs (stageplan), and sets their vertex numbers aside.
func (bd *build) plan(target int) ([]int, error) {
	meta, err := bd.metaVars()
	if err != nil {
		return nil, err
	}
	order, needs, err := stageplan.Order(bd.f, target, meta)
	if err != nil {
		return nil, err
	}
	for _, i := range order {
		r := &stageRun{done: make(chan struct{}), deps: needs[i]}
		r.count = stageplan.VertexCount(bd.f, i, meta)
		r.first = bd.out.Reserve(r.count)
		bd.runs[i] = r
	}
	return order, nil
}

// buildAll builds the planned stages, each once its own needs are built.
func (bd *build) buildAll(ctx context.Context, order []int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, i := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bd.runs[i]
			r.st, r.err = bd.runStage(ctx, i, r)
			if r.err != nil && !errors.Is(r.err, errDepFailed) {
				once.Do(func() { firstErr = r.err; cancel() })
			}
			close(r.done)
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func (bd *build) runStage(ctx context.Context, i int, r *stageRun) (*state, error) {
	for _, j := range r.deps {
		select {
		case <-bd.runs[j].done:
			if bd.runs[j].err != nil {
				return nil, errDepFailed
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case bd.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-bd.slots }()
	return bd.buildStage(ctx, i, r)
}

// stage is stage i once built: from the plan, or, for a stage only a
// step's own ARGs name, built here and now.
func (bd *build) stage(ctx context.Context, i int) (*state, error) {
	bd.mu.Lock()
	r, ok := bd.runs[i]
	if !ok {
		r = &stageRun{done: make(chan struct{})}
		bd.runs[i] = r
	}
	bd.mu.Unlock()
	if !ok {
		r.st, r.err = bd.buildStage(ctx, i, r)
		close(r.done)
		return r.st, r.err
	}
	select {
	case <-r.done:
	default:
		// Wait without a slot, so that the stage waited for can get one.
		<-bd.slots
		select {
		case <-r.done:
		case <-ctx.Done():
		}
		bd.slots <- struct{}{}
	}
	select {
	case <-r.done:
	default:
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, errDepFailed
	}
	return r.st, nil
}
