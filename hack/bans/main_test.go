package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBannedUses: the scanner flags os.Create and os.WriteFile under any
// name os is imported as, and nothing else.
func TestBannedUses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // the calls flagged, as "line:col: os.Func" suffixes
	}{
		{"clean", `package p
import "os"
func f() error { _, err := os.ReadFile("x"); return err }`, nil},
		{"WriteFile", `package p
import "os"
func f() error { return os.WriteFile("x", nil, 0o644) }`, []string{"3:25: os.WriteFile"}},
		{"Create", `package p
import "os"
func f() { f, _ := os.Create("x"); f.Close() }`, []string{"3:20: os.Create"}},
		{"renamed import", `package p
import stdos "os"
func f() error { return stdos.WriteFile("x", nil, 0o644) }`, []string{"3:25: os.WriteFile"}},
		{"other package's WriteFile", `package p
import "example.com/os2"
func f() error { return os2.WriteFile("x") }`, nil},
		{"local named os", `package p
type fsys struct{}
func (fsys) WriteFile() error { return nil }
func f() error { var os fsys; return os.WriteFile() }`, nil},
		{"referenced, not called", `package p
import "os"
var w = os.WriteFile`, []string{"3:9: os.WriteFile"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sample.go")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := bannedUses(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("bannedUses = %q, want %d finding(s) %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], path+":") || !strings.HasSuffix(got[i], ":"+w) {
					t.Errorf("finding %d = %q, want %s:%s", i, got[i], path, w)
				}
			}
		})
	}
}

// TestBannedUsesSyntaxError: a file that does not parse is an error, not a
// clean pass.
func TestBannedUsesSyntaxError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.go")
	if err := os.WriteFile(path, []byte("package p\nfunc {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bannedUses(path); err == nil {
		t.Fatal("bannedUses on a broken file: no error")
	}
}
