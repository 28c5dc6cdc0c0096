package netsetup

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCreateWarnings(t *testing.T) {
	dir := t.TempDir()
	old := ipForwardFile
	t.Cleanup(func() { ipForwardFile = old })
	off := []string{"IPv4 forwarding is disabled. Networking will not work."}
	for _, tc := range []struct {
		skip, forward, mode string
		want                []string
	}{
		{"1", "0\n", "", off},
		{"1", "0\n", "bridge", off},
		{"1", "0\n", "container:abc", off},
		{"1", "0\n", "host", nil},
		{"1", "0\n", "none", nil},
		{"1", "1\n", "", nil},
		{"", "0\n", "", nil}, // berth turns forwarding on itself
		{"1", "", "", nil},   // unreadable: say nothing
	} {
		t.Setenv("BERTH_SKIP_IP_FORWARD", tc.skip)
		ipForwardFile = filepath.Join(dir, "absent")
		if tc.forward != "" {
			ipForwardFile = filepath.Join(dir, "ip_forward")
			if err := os.WriteFile(ipForwardFile, []byte(tc.forward), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if got := CreateWarnings(tc.mode); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("skip=%q forward=%q mode=%q: %q, want %q", tc.skip, tc.forward, tc.mode, got, tc.want)
		}
	}
}
