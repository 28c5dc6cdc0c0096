package compat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// scenario is a few commands run in order on each side. Setup commands
// must succeed on both and are not compared; steps are compared.
type scenario struct {
	name  string
	files map[string]string // written into the scenario's {tmp} first
	setup [][]string
	steps []step
}

// step is one compared command and what it reads on stdin.
type step struct {
	args  []string
	stdin string
	// pause before the step: a detached container gets time to reach
	// the state that the step observes (a trap installed, output logged).
	pause time.Duration
}

// cmd and in build steps.
func cmd(args ...string) step              { return step{args: args} }
func in(stdin string, args ...string) step { return step{args: args, stdin: stdin} }
func later(args ...string) step            { return step{args: args, pause: 300 * time.Millisecond} }

// outcome is one side's normalised output of a scenario, step by step.
type outcome struct {
	steps []result
}

// workers is how many pairs of engines (a dockerd and a berth root each)
// run scenarios at once: scenarios use fixed names (c1, cmpvol) and list
// everything, so a pair runs one scenario at a time.
const workers = 2

func TestCompat(t *testing.T) {
	testutil.RequireRoot(t)
	start := time.Now()
	type pair struct{ d, b *side }
	pairs := make([]pair, workers)
	for i := range pairs {
		pairs[i] = pair{startDocker(t), newBerth(t)}
		loadBusybox(t, pairs[i].b, pairs[i].d)
	}
	t.Logf("%d pairs of engines ready in %s", workers, time.Since(start).Round(time.Millisecond))

	seen := map[string]bool{}
	only := os.Getenv("COMPAT_ONLY")
	var todo []scenario
	for _, sc := range scenarios() {
		if seen[sc.name] {
			t.Fatalf("two scenarios named %s", sc.name)
		}
		seen[sc.name] = true
		if only == "" || strings.Contains(sc.name, only) {
			todo = append(todo, sc)
		}
	}
	var mu sync.Mutex
	var same, listed int
	queue := make(chan scenario)
	var all sync.WaitGroup
	for _, p := range pairs {
		all.Add(1)
		go func() {
			defer all.Done()
			for sc := range queue {
				t.Run(sc.name, func(t *testing.T) {
					var od, ob outcome
					var wg sync.WaitGroup
					wg.Add(2)
					go func() { defer wg.Done(); od = runScenario(t, p.d, sc) }()
					go func() { defer wg.Done(); ob = runScenario(t, p.b, sc) }()
					wg.Wait()
					n, identical := compare(t, sc, od, ob)
					mu.Lock()
					defer mu.Unlock()
					if identical {
						same++
					}
					listed += n
				})
			}
		}()
	}
	for _, sc := range todo {
		queue <- sc
	}
	close(queue)
	all.Wait()
	if only == "" {
		for key := range mergeKeys(known, sometimes) {
			if name, _, _ := strings.Cut(key, ":"); !seen[name] {
				t.Errorf("known.go lists %q, but no scenario has that name", key)
			}
		}
	}
	t.Logf("%d scenarios in %s: %d identical, %d listed differences",
		len(seen), time.Since(start).Round(time.Second), same, listed)
}

// runScenario runs sc on one side, in a temp dir of its own, and removes
// what it made.
func runScenario(t *testing.T, s *side, sc scenario) outcome {
	tmp, err := os.MkdirTemp("", "cmp")
	if err != nil {
		t.Error(err)
		return outcome{}
	}
	defer os.RemoveAll(tmp)
	defer removeMade(t, s, madeBy(sc))
	s.started = time.Now()
	for name, data := range sc.files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tmp, name)), 0o755); err != nil {
			t.Error(err)
			return outcome{}
		}
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(data), 0o644); err != nil {
			t.Error(err)
			return outcome{}
		}
	}
	for _, args := range sc.setup {
		// 3 is the `exited` container's own code; others are failures.
		if r := s.run(t, tmp, "", args...); r.code != 0 && r.code != 3 {
			t.Errorf("%s setup %s: exit %d: %s", s.name, strings.Join(args, " "), r.code, r.stderr)
			return outcome{}
		}
	}
	n := newNormaliser(s, tmp)
	var o outcome
	for _, st := range sc.steps {
		time.Sleep(st.pause)
		r := s.run(t, tmp, st.stdin, st.args...)
		o.steps = append(o.steps, result{stdout: n.normalise(r.stdout), stderr: n.normalise(r.stderr), code: r.code})
	}
	return o
}

// compare reports each difference of the scenario that known.go does not
// list, and each listed one that did not show; it returns how many listed
// differences showed and whether the sides agreed entirely.
func compare(t *testing.T, sc scenario, d, b outcome) (int, bool) {
	if len(d.steps) != len(sc.steps) || len(b.steps) != len(sc.steps) {
		return 0, false // the setup failed, reported already
	}
	differs := map[string]bool{}
	var report []string
	for i, st := range sc.steps {
		dr, br := d.steps[i], b.steps[i]
		for _, f := range []struct{ field, d, b string }{
			{"exit", fmt.Sprint(dr.code), fmt.Sprint(br.code)},
			{"stdout", dr.stdout, br.stdout},
			{"stderr", dr.stderr, br.stderr},
		} {
			if f.d == f.b {
				continue
			}
			key := sc.name + ":" + f.field
			differs[key] = true
			if _, ok := known[key]; ok {
				continue
			}
			if why, ok := sometimes[key]; ok {
				t.Logf("difference that shows only sometimes %s: %s", key, why)
				continue
			}
			report = append(report, fmt.Sprintf("step %d `%s`, %s:\n  docker: %q\n  berth:  %q",
				i+1, strings.Join(st.args, " "), f.field, f.d, f.b))
		}
	}
	if len(report) > 0 {
		t.Errorf("differences not in known.go (fix berth, or list them with the reason):\n%s", strings.Join(report, "\n"))
	}
	n := 0
	var keys []string
	for key := range known {
		if name, _, _ := strings.Cut(key, ":"); name == sc.name {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		if differs[key] {
			n++
			t.Logf("listed difference %s: %s", key, known[key])
		} else {
			t.Errorf("known.go lists %s, but docker and berth agree now: remove it from the list", key)
		}
	}
	return n, len(differs) == 0
}

// mergeKeys is the set of keys of both tables.
func mergeKeys(a, b map[string]string) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}
