package filesum

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func sumOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestSum(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	write := func(content string, mtime time.Time) os.FileInfo {
		t.Helper()
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	cachePath := filepath.Join(dir, "sums.sums")
	old := time.Now().Add(-time.Hour)
	// A write sets the ctime to now, which no test can set back: a build
	// a minute later sees the file as settled.
	later := time.Now().Add(time.Minute)

	tests := []struct {
		name     string
		content  string
		mtime    time.Time
		clock    time.Time // the build's now
		wantKept bool      // an entry is saved
	}{
		{"new file, settled", "one", old, later, true},
		{"unchanged: kept sum", "", old, later, false},
		{"same size, same mtime, new content", "two", old, later, true},
		{"changed just now: read, not kept", "three", time.Now(), time.Now(), false},
	}
	var fi os.FileInfo
	for _, tt := range tests {
		if tt.content != "" {
			fi = write(tt.content, tt.mtime)
		}
		want := tt.content
		if want == "" {
			want = "one"
		}
		c := Open(cachePath)
		c.now = func() time.Time { return tt.clock }
		got, err := c.Sum(p, fi)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != string(sumOf(want)) {
			t.Errorf("%s: sum of %q is wrong", tt.name, want)
		}
		if c.dirty != tt.wantKept {
			t.Errorf("%s: kept = %v, want %v", tt.name, c.dirty, tt.wantKept)
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
}

// A kept sum is served without reading the file: shown by removing it.
func TestSumKeptWithoutReading(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(p)
	c := Open(filepath.Join(dir, "sums.sums"))
	c.now = func() time.Time { return time.Now().Add(time.Minute) }
	if _, err := c.Sum(p, fi); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c2 := Open(filepath.Join(dir, "sums.sums"))
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	got, err := c2.Sum(p, fi)
	if err != nil {
		t.Fatalf("kept sum needed the file: %v", err)
	}
	if string(got) != string(sumOf("abc")) {
		t.Error("kept sum differs")
	}
}

func TestOpenDamaged(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sums.sums")
	if err := os.WriteFile(p, []byte("{not this format"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c := Open(p); len(c.old) != 0 {
		t.Errorf("damaged file gave %d entries", len(c.old))
	}
}

// A change is racy (its sum not kept) for 100ms where file times have
// nanoseconds, and for a second where they are whole seconds.
func TestRacy(t *testing.T) {
	now := time.Unix(1_000_000, 500_000_000)
	c := &Cache{now: func() time.Time { return now }}
	at := func(d time.Duration) int64 { return now.Add(-d).UnixNano() }
	whole := now.Truncate(time.Second).UnixNano() // 500ms ago, no nanoseconds
	for _, tt := range []struct {
		name string
		s    stamp
		want bool
	}{
		{"fine, 10ms ago", stamp{Mtime: at(10 * time.Millisecond), Ctime: at(10 * time.Millisecond)}, true},
		{"fine, 99ms ago", stamp{Mtime: at(99 * time.Millisecond), Ctime: at(99 * time.Millisecond)}, true},
		{"fine, 200ms ago", stamp{Mtime: at(200 * time.Millisecond), Ctime: at(200 * time.Millisecond)}, false},
		{"old mtime, ctime just now", stamp{Mtime: at(time.Hour), Ctime: at(time.Millisecond)}, true},
		{"whole seconds, 500ms ago", stamp{Mtime: whole, Ctime: whole}, true},
		{"whole seconds, 2s ago", stamp{Mtime: whole - 2e9, Ctime: whole - 2e9}, false},
		{"mtime whole, ctime fine, 500ms ago", stamp{Mtime: whole, Ctime: whole + 1}, false},
	} {
		if got := c.racy(tt.s); got != tt.want {
			t.Errorf("%s: racy = %v, want %v", tt.name, got, tt.want)
		}
	}
}
