package create

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCIDFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cid")
	f, err := ReserveCIDFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReserveCIDFile(p); err == nil || !strings.Contains(err.Error(), "container ID file found") {
		t.Errorf("second reserve: %v", err)
	}
	if err := f.Write("abc"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "abc" {
		t.Errorf("cidfile: %q", data)
	}
	g, err := ReserveCIDFile(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	g.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("abort left files: %v", entries)
	}
}
