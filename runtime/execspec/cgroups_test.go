package execspec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-containers/berth/runtime/cgroups"
)

func TestParseCgroups(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want map[string]string
		err  bool
	}{
		{in: nil, want: nil},
		{in: []string{"sub"}, want: map[string]string{"": "sub"}},
		{in: []string{"cpu,cpuacct:a/b", "memory:m"}, want: map[string]string{"cpu": "a/b", "cpuacct": "a/b", "memory": "m"}},
		{in: []string{"memory:"}, err: true},
		{in: []string{"memory:a", "memory:b"}, err: true},
	} {
		got, err := ParseCgroups(tc.in)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCgroups(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestSubCgroupPaths: a sub-cgroup moves the hierarchies it names, or all,
// never out of the container's cgroup, and must exist.
func TestSubCgroupPaths(t *testing.T) {
	mem, cpu := t.TempDir(), t.TempDir()
	for _, d := range []string{filepath.Join(mem, "a"), filepath.Join(cpu, "a")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	v1 := map[string]string{"memory": mem, "cpu,cpuacct": cpu}
	for _, tc := range []struct {
		paths, subs, want map[string]string
		err               bool
		msg               string // in the error
	}{
		{paths: v1, subs: nil, want: v1},
		{paths: v1, subs: map[string]string{"": "a"}, want: map[string]string{"memory": mem + "/a", "cpu,cpuacct": cpu + "/a"}},
		{paths: v1, subs: map[string]string{"memory": "b/../a"}, want: map[string]string{"memory": mem + "/a", "cpu,cpuacct": cpu}},
		{paths: v1, subs: map[string]string{"": "/"}, want: v1},
		{paths: v1, subs: map[string]string{"memory": "../../a"}, err: true, msg: "bad sub cgroup path"},
		{paths: v1, subs: map[string]string{"": ".."}, err: true, msg: "bad sub cgroup path"},
		{paths: v1, subs: map[string]string{"memory": "missing"}, err: true, msg: "adding pid to sub-cgroup: stat " + mem + "/missing: no such file or directory"},
		{paths: v1, subs: map[string]string{"pids": "a"}, err: true, msg: "unknown controller pids"},
		{paths: map[string]string{cgroups.Unified: mem}, subs: map[string]string{"memory": "a"}, err: true},
		{paths: map[string]string{cgroups.Unified: mem}, subs: map[string]string{"": "a"}, want: map[string]string{cgroups.Unified: mem + "/a"}},
	} {
		got, err := SubCgroupPaths(tc.paths, tc.subs)
		if (err != nil) != tc.err || (!tc.err && !reflect.DeepEqual(got, tc.want)) || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("SubCgroupPaths(%v, %v) = %v, %v; want %v (error %v)", tc.paths, tc.subs, got, err, tc.want, tc.err)
		}
	}
}
