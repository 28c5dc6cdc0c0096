package container

import (
	"os"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"web", true},
		{"a_b-c.d+e", true},
		{"0123456789abcdef", true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"a b", false},
		{"../x", false},
		{"ABC_xyz", true}, {"a\n", false}, {"é", false}, {"a:b", false},
	} {
		if err := ValidateID(tc.id); (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := &State{ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs", InitPid: 42, InitStart: 7,
		Created: time.Now().UTC().Truncate(time.Second), Annotations: map[string]string{"k": "v"}}
	if err := saveState(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := loadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || got.InitPid != 42 || got.InitStart != 7 || !got.Created.Equal(want.Created) || got.Annotations["k"] != "v" {
		t.Errorf("loaded %+v, want %+v", got, want)
	}
	// No temp files may stay next to state.json.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("state dir holds %d entries, want only state.json", len(entries))
	}
}

func TestStatusStopped(t *testing.T) {
	c := &Container{dir: t.TempDir(), state: &State{ID: "x", InitPid: 0}}
	if got := c.Status(); got != specs.StateStopped {
		t.Errorf("Status() = %s, want stopped", got)
	}
	if c.OCIState().Pid != 0 {
		t.Error("a stopped container reports a pid")
	}
}
