package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/initproc"
)

// subCgroups is the container's cgroup with subs applied: each hierarchy's
// directory moves down to the sub-cgroup named for one of its controllers,
// or for all. The sub-cgroups must exist (runc does not create them), and
// every controller named must be a hierarchy of the container.
func subCgroups(paths, subs map[string]string) (*cgroups.Manager, error) {
	if len(subs) == 0 {
		return cgroups.Load(paths), nil
	}
	_, v2 := paths[cgroups.Unified]
	if v2 && len(paths) == 1 && (len(subs) > 1 || subs[""] == "") {
		return nil, errors.New("exec --cgroup: cgroup v2 has one hierarchy, give a path without controllers")
	}
	out := make(map[string]string, len(paths))
	used := map[string]bool{}
	for key, dir := range paths {
		sub, ok := subs[""]
		for _, c := range strings.Split(key, ",") {
			if s, named := subs[c]; named && key != cgroups.Unified {
				sub, ok = s, true
				used[c] = true
			}
		}
		if ok {
			// Clean against "/": the path cannot climb out of the container's cgroup.
			dir = filepath.Join(dir, filepath.Clean("/"+sub))
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("exec --cgroup: sub-cgroup %s does not exist", dir)
			}
		}
		out[key] = dir
	}
	for c := range subs {
		if c != "" && !used[c] {
			return nil, fmt.Errorf("exec --cgroup: the container has no %s cgroup hierarchy", c)
		}
	}
	return cgroups.Load(out), nil
}

// setInitialAffinity pins the exec'd process to execCPUAffinity.initial
// before it joins the container's cgroups, as runtime-spec 1.3 says; the
// process sets .final itself once inside (initproc).
func setInitialAffinity(pid int, a *specs.CPUAffinity) error {
	if a == nil || a.Initial == "" {
		return nil
	}
	set, err := initproc.ParseCPUs(a.Initial)
	if err != nil {
		return fmt.Errorf("process.execCPUAffinity.initial: %w", err)
	}
	if err := unix.SchedSetaffinity(pid, &set); err != nil {
		return fmt.Errorf("set the initial CPU affinity of exec'd process %d: %w", pid, err)
	}
	return nil
}
