package bundle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestContainerUser(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
		"group":  "root:x:0:\nwheel:x:10:root\napp:x:1000:\nstaff:x:50:app,other\n",
	} {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		spec     string
		uid, gid uint32
		groups   []uint32
	}{
		{"", 0, 0, []uint32{0, 10}},
		{"app", 1000, 1000, []uint32{1000, 50}},
		{"1000", 1000, 1000, []uint32{1000, 50}},
		{"app:staff", 1000, 50, []uint32{50}},
		{"4242", 4242, 0, []uint32{0}},
	} {
		u, err := containerUser(root, tc.spec)
		if err != nil || u.UID != tc.uid || u.GID != tc.gid || !slices.Equal(u.AdditionalGids, tc.groups) {
			t.Errorf("%q: %d:%d %v, %v; want %d:%d %v", tc.spec, u.UID, u.GID, u.AdditionalGids, err, tc.uid, tc.gid, tc.groups)
		}
	}
	if _, err := containerUser(root, "nobody"); err == nil {
		t.Error("unknown user: no error")
	}
}
