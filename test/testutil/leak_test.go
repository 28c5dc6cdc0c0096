package testutil

import "testing"

func TestOwnMount(t *testing.T) {
	const suite = "/tmp/berthtest-suite-1"
	for _, tc := range []struct {
		m    string
		want bool
	}{
		{"/tmp/berthtest-suite-1/rootfs", true},
		{"/tmp/berthtest-suite-1", true},
		{"/tmp/berthtest-suite-12/rootfs", false}, // another suite, despite the common prefix
		{"/tmp/berthtest-suite-2/pd1/storage/overlay", false},
		{"/var/lib/berth/snapshots/x", true},
		{"/run/berth-runtime/c1", true},
		{"/mnt/other", false},
	} {
		if got := ownMount(tc.m, suite); got != tc.want {
			t.Errorf("ownMount(%q) = %v, want %v", tc.m, got, tc.want)
		}
	}
}
