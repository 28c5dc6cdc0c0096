package jsonlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func logs(path string) []string {
	var got []string
	Read(path, func(e Entry) { got = append(got, e.Stream+":"+e.Log) }).Close()
	return got
}

// TestRotation writes past max bytes: the files kept hold the newest
// lines, and Read returns them oldest first.
func TestRotation(t *testing.T) {
	for _, files := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(files), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c-json.log")
			l, err := Open(path, 200, files)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				l.Write("stdout", []byte(fmt.Sprintf("line %02d\n", i)))
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			got := logs(path)
			if len(got) == 0 || got[len(got)-1] != "stdout:line 19\n" {
				t.Fatalf("newest line missing: %q", got)
			}
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] {
					t.Errorf("out of order: %q after %q", got[i], got[i-1])
				}
			}
			if _, err := os.Stat(Rotated(path, files)); !os.IsNotExist(err) {
				t.Errorf("%d files kept, want %d (%v)", files+1, files, err)
			}
			if files > 1 {
				if _, err := os.Stat(Rotated(path, files-1)); err != nil {
					t.Errorf("rotated file missing: %v", err)
				}
			}
		})
	}
}

// TestFollowerAcrossRotation: a follower sees every line written after
// Read, across rotations.
func TestFollowerAcrossRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c-json.log")
	l, err := Open(path, 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	l.Write("stderr", []byte("before\n"))
	var got []string
	fl := Read(path, func(e Entry) { got = append(got, e.Log) })
	defer fl.Close()
	for i := range 12 {
		l.Write("stdout", []byte(fmt.Sprintf("after %02d\n", i)))
		if i%2 == 1 {
			for fl.Poll(func(e Entry) { got = append(got, e.Log) }) {
			}
		}
	}
	want := []string{"before\n"}
	for i := range 12 {
		want = append(want, fmt.Sprintf("after %02d\n", i))
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("followed %q, want %q", got, want)
	}
}

func TestCopyStreamCutsLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c-json.log")
	l, err := Open(path, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	CopyStream(l, "stdout", strings.NewReader("a\n"+strings.Repeat("x", 16<<10)+"y\nend"), nil)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := logs(path)
	want := []string{"stdout:a\n", "stdout:" + strings.Repeat("x", 16<<10), "stdout:y\n", "stdout:end"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %d lines of lengths %v", len(got), func() (n []int) {
			for _, g := range got {
				n = append(n, len(g))
			}
			return
		}())
	}
}

func TestFiles(t *testing.T) {
	if Files(0) != DefaultFiles || Files(5) != 5 {
		t.Errorf("Files(0)=%d Files(5)=%d", Files(0), Files(5))
	}
}
