package cgroups

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/berth-containers/berth/test/testutil/proctest"
)

// TestFreezeWaits freezes a real process through each layout this host
// mounts and checks the kernel reports the cgroup frozen as soon as Freeze
// returns: the engine's pause relies on it for v1 and v2 alike.
func TestFreezeWaits(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
	name := "berthtest-freeze-" + strconv.Itoa(os.Getpid())
	layouts := map[string]struct {
		key, dir, file, frozen string
	}{
		"v1": {"freezer", filepath.Join(Root, "freezer", name), "freezer.state", "FROZEN"},
		"v2": {Unified, filepath.Join(Root, "unified", name), "cgroup.events", "1"},
	}
	if l, _ := DetectLayout(); l == LayoutV2 {
		delete(layouts, "v1")
		layouts["v2"] = struct{ key, dir, file, frozen string }{Unified, filepath.Join(Root, name), "cgroup.events", "1"}
	}
	for lname, l := range layouts {
		t.Run(lname, func(t *testing.T) {
			if _, err := os.Stat(filepath.Dir(l.dir)); err != nil {
				t.Skipf("no %s hierarchy: %v", lname, err)
			}
			if err := os.Mkdir(l.dir, 0o755); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(l.dir)
			cmd := exec.Command("sleep", "30")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer proctest.KillWait(t, cmd)
			if err := writeFile(l.dir, "cgroup.procs", []byte(strconv.Itoa(cmd.Process.Pid))); err != nil {
				t.Fatal(err)
			}
			m := Load(map[string]string{l.key: l.dir})
			if err := m.Freeze(true); err != nil {
				t.Fatalf("Freeze(true): %v", err)
			}
			if got := frozenReport(t, l.dir, l.file); got != l.frozen {
				t.Errorf("right after Freeze(true) %s says %q, want %q", l.file, got, l.frozen)
			}
			if !m.Frozen() {
				t.Error("Frozen() = false after Freeze(true)")
			}
			if err := m.Freeze(false); err != nil {
				t.Fatalf("Freeze(false): %v", err)
			}
			if m.Frozen() {
				t.Error("Frozen() = true after Freeze(false)")
			}
			proctest.KillWait(t, cmd)
		})
	}
}

// frozenReport is what the kernel says of the freeze: v1's freezer.state,
// or v2's "frozen" line of cgroup.events.
func frozenReport(t *testing.T, dir, file string) string {
	if file == "freezer.state" {
		s, err := readString(dir, file)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ev, err := ReadKeyValues(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatUint(ev["frozen"], 10)
}
