// Package stageplan reads a Dockerfile's graph of stages, as BuildKit's
// solver does: a stage needs the stage it is FROM, those it COPY --from's,
// those it RUN --mount from='s. Order lists what a target needs and
// refuses a cycle; VertexCount is how many vertex numbers a stage's plain
// output sets aside. It reads the parsed Dockerfile only; the builder
// runs the stages.
package stageplan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berth-containers/berth/builder/dockerfile"
)

// Order lists the stages target needs (itself included) in index order,
// with what each needs, and refuses a cycle as BuildKit does. meta is the
// ARGs before FROM.
func Order(f *dockerfile.File, target int, meta dockerfile.Vars) ([]int, map[int][]int, error) {
	const (
		unseen = iota
		visiting
		visited
	)
	color := map[int]int{}
	needs := map[int][]int{}
	var order []int
	var visit func(i int) error
	visit = func(i int) error {
		switch color[i] {
		case visiting:
			return f.At(f.Stages[i].Location, fmt.Errorf("circular dependency detected on stage: %s", Name(f, i)))
		case visited:
			return nil
		}
		color[i] = visiting
		deps := Deps(f, i, meta)
		for _, j := range deps {
			if err := visit(j); err != nil {
				return err
			}
		}
		color[i] = visited
		order = append(order, i)
		needs[i] = deps
		return nil
	}
	if err := visit(target); err != nil {
		return nil, nil, err
	}
	sort.Ints(order)
	return order, needs, nil
}

// Deps are the stages stage i names as its base or in --from, as far
// as the ARGs before FROM tell; a name only a stage's own ARG makes is
// found when the step runs (the builder builds it then).
func Deps(f *dockerfile.File, i int, meta dockerfile.Vars) []int {
	s := f.Stages[i]
	seen := map[int]bool{}
	var deps []int
	add := func(j int) {
		if j >= 0 && j != i && !seen[j] {
			seen[j] = true
			deps = append(deps, j)
		}
	}
	expand := func(w string) string {
		if strings.Contains(w, "$") {
			if x, err := f.Expand(w, meta); err == nil {
				return x
			}
		}
		return w
	}
	if base, err := f.Expand(s.BaseName, meta); err == nil {
		add(Index(f, base, i))
	}
	for _, c := range s.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if c.From != "" {
				add(From(f, expand(c.From)))
			}
		case *instructions.RunCommand:
			for _, m := range instructions.GetMounts(c) {
				if m.From != "" {
					add(From(f, expand(m.From)))
				}
			}
		}
	}
	return deps
}

// VertexCount is the vertices stage i shows: its FROM unless the base is
// another stage, and its layer steps. ONBUILD triggers of the base image
// are numbered after every stage's.
func VertexCount(f *dockerfile.File, i int, meta dockerfile.Vars) int {
	s := f.Stages[i]
	n := LayerSteps(s.Commands)
	if base, err := f.Expand(s.BaseName, meta); err != nil || Index(f, base, i) < 0 {
		n++
	}
	return n
}

// LayerSteps counts a stage's steps that show as BuildKit's vertices.
func LayerSteps(cmds []instructions.Command) int {
	n := 0
	for _, c := range cmds {
		switch c.(type) {
		case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand, *instructions.WorkdirCommand:
			n++
		}
	}
	return n
}

// Name is stage i's name, or stage-<i> for one without.
func Name(f *dockerfile.File, i int) string {
	if n := f.Stages[i].Name; n != "" {
		return n
	}
	return fmt.Sprintf("stage-%d", i)
}

// Index finds a stage by name (case-insensitive, as Docker), among the
// stages before limit; -1 when none.
func Index(f *dockerfile.File, name string, limit int) int {
	for i := 0; i < limit; i++ {
		if strings.EqualFold(f.Stages[i].Name, name) {
			return i
		}
	}
	return -1
}

// From is the index of a stage named (or numbered) from, or -1.
func From(f *dockerfile.File, from string) int {
	if n, err := strconv.Atoi(from); err == nil && n >= 0 && n < len(f.Stages) {
		return n
	}
	return Index(f, from, len(f.Stages))
}
