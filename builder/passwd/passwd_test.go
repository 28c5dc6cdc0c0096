package passwd

import (
	"os"
	"path/filepath"
	"testing"
)

func TestChown(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nstaff:x:50:\n"), 0o644)
	for _, c := range []struct {
		spec     string
		uid, gid int
		err      bool
	}{
		{"", 0, 0, false},
		{"app", 1000, 1001, false},
		{"app:staff", 1000, 50, false},
		{"7", 7, 7, false},
		{"7:8", 7, 8, false},
		{"app:9", 1000, 9, false},
		{"nobody", 0, 0, true},
		{"app:nogroup", 0, 0, true},
	} {
		uid, gid, err := Chown(root, c.spec)
		if (err != nil) != c.err || !c.err && (uid != c.uid || gid != c.gid) {
			t.Errorf("Chown(%q) = %d, %d, %v; want %d, %d, error %v", c.spec, uid, gid, err, c.uid, c.gid, c.err)
		}
	}
	if _, _, err := Chown(t.TempDir(), "app"); err == nil {
		t.Error("a name with no /etc/passwd resolved")
	}
}
