package cgroups

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/berth-containers/berth/test/testutil/proctest"
)

// TestKillAll puts one process in a container's cgroup and one in a cgroup
// below it (as a container with a writable cgroup mount makes), kills them
// all, and removes the cgroup with its child: through cgroup.kill where
// there is a cgroup2 directory, and through the freezer when a Manager
// sees only the v1 hierarchies.
func TestKillAll(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
	for _, tc := range []struct {
		name   string
		v1Only bool
	}{
		{"cgroup.kill", false},
		{"freeze and kill", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "berthtest-kill-" + strconv.Itoa(os.Getpid())
			m, err := New("/berthtest/"+id, id)
			if err != nil {
				t.Fatal(err)
			}
			killer := m
			if tc.v1Only {
				paths := m.Paths()
				delete(paths, Unified)
				if len(paths) == 0 {
					t.Skip("no v1 hierarchy on this host")
				}
				killer = Load(paths)
			}
			defer func() {
				for _, p := range m.Paths() {
					os.Remove(filepath.Join(p, "sub"))
					os.Remove(p)
					os.Remove(filepath.Dir(p)) // the /berthtest parent this test made
				}
			}()
			var cmds []*exec.Cmd
			for i := 0; i < 2; i++ {
				cmd := exec.Command("sleep", "60")
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				defer proctest.KillWait(t, cmd)
				if err := m.Apply(cmd.Process.Pid); err != nil {
					t.Fatal(err)
				}
				cmds = append(cmds, cmd)
			}
			// The second moves down into "sub" in every hierarchy.
			for _, p := range m.Paths() {
				sub := filepath.Join(p, "sub")
				if err := os.Mkdir(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(sub, "cpuset.cpus")); err == nil {
					if err := inheritCpuset(sub); err != nil {
						t.Fatal(err)
					}
				}
				if err := writeFile(sub, "cgroup.procs", []byte(strconv.Itoa(cmds[1].Process.Pid))); err != nil {
					t.Fatal(err)
				}
			}
			if pids, err := killer.AllPids(); err != nil || len(pids) != 2 {
				t.Fatalf("AllPids() = %v, %v; want the 2 processes", pids, err)
			}
			if err := killer.KillAll(); err != nil {
				t.Fatalf("KillAll: %v", err)
			}
			for _, cmd := range cmds {
				// Not killed, sleep would exit 0 after its minute.
				if err := cmd.Wait(); err == nil {
					t.Errorf("pid %d was not killed", cmd.Process.Pid)
				}
			}
			if err := m.Destroy(); err != nil {
				t.Fatalf("Destroy with a child cgroup: %v", err)
			}
			for _, p := range m.Paths() {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s still exists", p)
				}
			}
			if err := killer.KillAll(); !errors.Is(err, ErrNotExist) {
				t.Errorf("KillAll of a removed cgroup = %v, want ErrNotExist", err)
			}
		})
	}
}
